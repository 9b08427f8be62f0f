"""Scores of race win probabilities, and the reference distribution of each feature.

Log loss is per race: minus the mean over races with a winner of the winner's log-probability
(a dead heat averages its winners). Pseudo-R^2 = 1 - logL / logL(uniform 1/field size), with a
percentile bootstrap over races for its uncertainty.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from hrdpg.trainer.condlogit import Races

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
# Drift is judged against the end of the training window, not all of it: a window that starts
# with the data holds days when no horse had history yet (h_runs all 0), unlike any live day,
# and monitoring then called every healthy day a major drift.
REFERENCE_DAYS = 28
N_BANDS = 20
BOOT_RESAMPLES = 1000
BOOT_LEVEL = 0.95
BOOT_CELLS = 2_000_000  # race indices drawn per chunk (16 bytes each in flight)
BAND_EDGES = np.concatenate([[0.0], np.linspace(0.025, 0.5, 19)[:-1], [0.6, 1.0]])


def race_losses(races: Races, p: F64) -> F64:
    """Per race with a winner: minus the log-probability given to its winner."""
    return races.race_losses(np.log(np.maximum(p, 1e-300)))


def race_log_loss(races: Races, p: F64) -> float:
    return float(race_losses(races, p).mean())


def uniform_race_losses(races: Races) -> F64:
    """Per race with a winner: log(field size), the loss of 1/field size for everyone."""
    field = np.bincount(races.index).astype(np.float64)
    return np.asarray(np.log(field[races.has_winner]), dtype=np.float64)


def uniform_log_loss(races: Races) -> float:
    return float(uniform_race_losses(races).mean())


def pseudo_r2(races: Races, p: F64) -> float:
    return 1.0 - race_log_loss(races, p) / uniform_log_loss(races)


def brier(races: Races, won: F64, p: F64) -> float:
    live = races.has_winner[races.index]
    return float(np.mean((p[live] - won[live]) ** 2))


def calibration(races: Races, won: F64, p: F64) -> tuple[float, list[dict[str, float]]]:
    """ECE over fixed probability bands (finer where most runners are) and the band table."""
    live = races.has_winner[races.index]
    p, y = p[live], won[live]
    band = np.clip(np.searchsorted(BAND_EDGES, p, side="right") - 1, 0, N_BANDS - 1)
    n = np.bincount(band, minlength=N_BANDS).astype(np.float64)
    sp = np.bincount(band, weights=p, minlength=N_BANDS)
    sy = np.bincount(band, weights=y, minlength=N_BANDS)
    table: list[dict[str, float]] = []
    for b in np.flatnonzero(n):
        table.append({"lo": float(BAND_EDGES[b]), "hi": float(BAND_EDGES[b + 1]),
                      "n": int(n[b]), "mean_p": float(sp[b] / n[b]),
                      "win_rate": float(sy[b] / n[b])})
    ece = float(np.sum(np.abs(sp - sy)) / max(p.size, 1))
    return ece, table


def score(races: Races, won: F64, p: F64) -> dict[str, Any]:
    ece, table = calibration(races, won, p)
    return {"log_loss": race_log_loss(races, p), "brier": brier(races, won, p),
            "pseudo_r2": pseudo_r2(races, p), "ece": ece, "calibration": table}


def bootstrap_pseudo_r2(losses: dict[str, F64], uniform: F64, seed: int,
                        diffs: tuple[tuple[str, str], ...] = (), resamples: int = BOOT_RESAMPLES,
                        level: float = BOOT_LEVEL) -> dict[str, Any]:
    """Percentile intervals of pseudo-R^2 = 1 - sum loss / sum uniform for each per-race loss
    vector (all over the same races), and of the differences ``a - b`` for (a, b) in diffs.

    Every resample draws the races with replacement once and applies the draw to all sources,
    so a difference's interval keeps the pairing. Draws are made in chunks of at most
    BOOT_CELLS race indices, so memory stays bounded on a large test window.
    """
    names = list(losses)
    cols = np.vstack([losses[k] for k in names] + [uniform])  # [sources + 1, races]
    n = cols.shape[1]
    rng = np.random.default_rng(seed)
    sums = np.empty((resamples, cols.shape[0]))
    step = max(1, BOOT_CELLS // max(n, 1))
    for lo in range(0, resamples, step):
        rows = min(step, resamples - lo)
        draw = rng.integers(0, n, size=(rows, n))
        for j, col in enumerate(cols):  # one gather per source keeps the chunk 2-D
            sums[lo:lo + rows, j] = np.take(col, draw).sum(axis=1)
    r2 = {k: 1.0 - sums[:, j] / sums[:, -1] for j, k in enumerate(names)}
    point = {k: 1.0 - float(losses[k].sum() / uniform.sum()) for k in names}
    for a, b in diffs:
        r2[f"{a}_minus_{b}"] = r2[a] - r2[b]
        point[f"{a}_minus_{b}"] = point[a] - point[b]
    tail = 100.0 * (1.0 - level) / 2.0
    out: dict[str, Any] = {"resamples": resamples, "seed": seed, "level": level, "races": n}
    for k, v in r2.items():
        lo_q, hi_q = np.percentile(v, [tail, 100.0 - tail])
        out[k] = {"pseudo_r2": point[k], "lo": float(lo_q), "hi": float(hi_q)}
    return out


def reference_rows(day: I64, days: int = REFERENCE_DAYS) -> npt.NDArray[np.bool_]:
    """The rows of the last `days` days of a window (day = days since 1970-01-01)."""
    if not day.size:
        return np.zeros(0, dtype=bool)
    return np.asarray(day > day.max() - days, dtype=bool)


def feature_reference(names: list[str], x: F64) -> dict[str, Any]:
    """Per feature: decile edges, counts between them, null share, mean and sd (for drift)."""
    out: dict[str, Any] = {}
    for j, name in enumerate(names):
        col = x[:, j]
        ok = col[np.isfinite(col)]
        entry: dict[str, Any] = {"n": int(col.size), "null_share": 1.0 - ok.size / col.size}
        if ok.size:
            edges = np.unique(np.quantile(ok, np.linspace(0.1, 0.9, 9)))
            counts = np.bincount(np.searchsorted(edges, ok, side="right"),
                                 minlength=edges.size + 1)
            entry.update(edges=edges.tolist(), counts=counts.tolist(), mean=float(ok.mean()),
                         sd=float(ok.std()), min=float(ok.min()), max=float(ok.max()))
        out[name] = entry
    return out


def decile_table(races: Races, won: F64, p: F64) -> list[dict[str, float]]:
    """Runners of races with a winner cut into ten equal-count groups by predicted
    probability: per group its range, runners, mean prediction and observed win rate (the
    points of a calibration curve; ties may leave a group empty, which is skipped)."""
    live = races.has_winner[races.index]
    p, y = p[live], won[live]
    order = np.argsort(p, kind="stable")
    table: list[dict[str, float]] = []
    for part in np.array_split(order, 10):
        if part.size:
            table.append({"lo": float(p[part].min()), "hi": float(p[part].max()),
                          "n": int(part.size), "mean_p": float(p[part].mean()),
                          "win_rate": float(y[part].mean())})
    return table
