"""How each race was run: positions at each call, sectional times and finish times.

Every horse has a running style (how far forward it races early); a run's early positions mix
that style with the run's performance, its later positions lean on performance, and the last call
is the finishing position. Sections split the finish time (winner's time plus 0.17 s a length
beaten); front-runners spend more of it late. A separate random stream, so adding these columns
left every other column of the world as it was.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
SECONDS_PER_LENGTH = 0.17
SECTION_M = 400  # the last sections are 400 m each; the first takes the rest of the trip
STREAM = 7919    # offset of this module's random stream from the world's seed


def calls_for(distance_m: I64) -> I64:
    """Calls (and sections) in a race: 3 up to 1400 m, one more per 400 m, at most 6."""
    return np.clip(np.rint(distance_m / SECTION_M).astype(np.int64) - 1, 3, 6)


def _rank_in_race(race: I64, score: F64, rows: I64) -> I64:
    """1 = best score among `rows` of the same race."""
    order = rows[np.lexsort((-score[rows], race[rows]))]
    r = race[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = r[1:] != r[:-1]
    start = np.flatnonzero(first)
    rank = np.arange(order.size) - np.repeat(start, np.diff(np.append(start, order.size))) + 1
    out = np.zeros(race.size, dtype=np.int64)
    out[order] = rank
    return out


def _literal(values: list[Any]) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def running(seed: int, race: I64, horse: I64, n_horses: int, perf: F64, finish_pos: I64,
            beaten_lengths: F64, started: npt.NDArray[np.bool_], distance_m: I64
            ) -> dict[str, npt.NDArray[Any]]:
    """running_positions and sectional_times as array literals (None = NULL), finish_time_s
    (NaN = NULL), per row. Rows are declared runners; `started` excludes non-runners."""
    rng = np.random.default_rng(seed + STREAM)
    style = rng.normal(0.0, 1.0, n_horses)[horse]  # + = races up front
    n = race.size
    calls = calls_for(distance_m[race])
    finished = finish_pos > 0
    ran = np.flatnonzero(started)
    perf_z = np.zeros(n)
    perf_z[ran] = (perf[ran] - perf[ran].mean()) / max(float(perf[ran].std()), 1e-9)
    positions = np.zeros((n, 6), dtype=np.int64)
    for k in range(6):
        lean = 0.8 - 0.6 * k / 5  # early calls follow style, late ones performance
        score = lean * style + (1 - lean) * perf_z + rng.normal(0.0, 0.5, n)
        positions[:, k] = _rank_in_race(race, score, ran)
    # the last call is the finish; a horse that did not finish was seen at the first calls only
    positions[np.arange(n), calls - 1] = np.where(finished, finish_pos, 0)
    seen = np.where(finished, calls, np.maximum(1, calls // 2))

    n_race = int(race.max()) + 1 if n else 0
    winner_time = distance_m / 16.6 * (1 + rng.normal(0.0, 0.01, n_race))
    total = winner_time[race] + SECONDS_PER_LENGTH * np.nan_to_num(beaten_lengths)
    first_m = distance_m[race] - SECTION_M * (calls - 1)
    spread = 0.12 * style + rng.normal(0.0, 0.05, n)  # seconds moved from early to late

    cols = np.arange(6)
    lengths = np.where(cols < (calls - 1)[:, None] + 1, float(SECTION_M), 0.0)
    lengths[:, 0] = first_m
    sections = total[:, None] * lengths / distance_m[race][:, None]
    sections[:, 0] -= spread
    sections[np.arange(n), calls - 1] += spread
    sections = np.round(sections, 2)

    pos_lit = np.full(n, None, dtype=object)
    sec_lit = np.full(n, None, dtype=object)
    pos_rows, sec_rows = positions.tolist(), sections.tolist()
    for i, (c, m) in enumerate(zip(calls.tolist(), seen.tolist(), strict=True)):
        if started[i]:
            pos_lit[i] = _literal(pos_rows[i][:m])
            if finished[i]:
                sec_lit[i] = _literal(sec_rows[i][:c])
    finish_time = np.where(finished, np.round(sections.sum(axis=1), 2), np.nan)
    return {"running_positions": pos_lit, "sectional_times": sec_lit,
            "finish_time_s": finish_time}
