"""Race results from simulated performances: positions, beaten lengths, dead heats, status."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hrdpg.synth.config import STATUSES

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def results(race: I64, perf: F64, non_runner: npt.NDArray[np.bool_], dnf: npt.NDArray[np.bool_],
            distance_m: I64, noise_sd: float, dh_lengths: float, rng: np.random.Generator
            ) -> dict[str, npt.NDArray[np.generic]]:
    """finish_pos (0 = none), dead_heat, beaten_lengths (NaN = none), status code per row.

    Performance is in noise_sd units; noise_sd lbs each; a pound is distance/3200 lengths (3 lb a
    length over 5f, 1 lb over 2 miles) and a length ~0.2 s. Two finishers closer than the photo
    resolution dead-heat and share the position.
    """
    n = race.size
    fin = np.flatnonzero(~non_runner & ~dnf)
    order = fin[np.lexsort((-perf[fin], race[fin]))]
    r = race[order]
    new_race = np.ones(order.size, dtype=bool)
    new_race[1:] = r[1:] != r[:-1]
    start = np.flatnonzero(new_race)
    rank = np.arange(order.size) - np.repeat(start, np.diff(np.append(start, order.size))) + 1
    per_lb = distance_m[r] / 3200.0 * noise_sd  # lengths per unit of perf
    winner = perf[order[start]]
    beaten = (np.repeat(winner, np.diff(np.append(start, order.size))) - perf[order]) * per_lb
    tied = np.zeros(order.size, dtype=bool)
    tied[1:] = ~new_race[1:] & ((perf[order[:-1]] - perf[order[1:]]) * per_lb[1:] < dh_lengths)
    # a tie shares the position (and distance) of the first horse of its tied group
    grp_first = np.maximum.accumulate(np.where(~tied, np.arange(order.size), 0))
    pos = rank[grp_first]
    beaten = np.round(beaten[grp_first], 2)
    dead = tied.copy()
    dead[:-1] |= tied[1:]
    finish_pos = np.zeros(n, dtype=np.int64)
    finish_pos[order] = pos
    dead_heat = np.zeros(n, dtype=bool)
    dead_heat[order] = dead
    beaten_lengths = np.full(n, np.nan)
    beaten_lengths[order] = beaten
    # non-finishers: half pulled up, a quarter each fell / unseated
    status = np.zeros(n, dtype=np.int8)
    kind = rng.choice(np.array([1, 1, 2, 3], dtype=np.int8), size=n)
    status[dnf] = kind[dnf]
    status[non_runner] = STATUSES.index("non_runner")
    return {"finish_pos": finish_pos, "dead_heat": dead_heat,
            "beaten_lengths": beaten_lengths, "status": status}
