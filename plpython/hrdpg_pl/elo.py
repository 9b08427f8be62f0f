"""Sequential multi-runner Elo: every race is a round robin of pairwise results.

Runner i's expected score against j is 1 / (1 + 10^((r_j - r_i) / 400)); the actual score is
1 if i finished ahead, 0.5 for a dead heat (equal rank), 0 behind. The rating moves by
K times the mean pairwise surprise, so a race changes the sum of ratings by exactly zero.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

INITIAL_RATING = 1500.0
K_FACTOR = 32.0

FloatArray = NDArray[np.float64]


def race_update(ratings: FloatArray, ranks: NDArray[np.int64], k: float = K_FACTOR) -> FloatArray:
    """Ratings after one race; ``ranks`` are finishing ranks (1 = winner, ties allowed)."""
    n = ratings.shape[0]
    if n < 2:
        return ratings.copy()
    expected = 1.0 / (1.0 + 10.0 ** ((ratings[None, :] - ratings[:, None]) / 400.0))
    ahead = (ranks[:, None] < ranks[None, :]).astype(np.float64)
    tied = (ranks[:, None] == ranks[None, :]).astype(np.float64)
    actual = ahead + 0.5 * tied
    np.fill_diagonal(expected, 0.0)
    np.fill_diagonal(actual, 0.0)
    updated: FloatArray = ratings + k * (actual - expected).sum(axis=1) / (n - 1)
    return updated


def rate_races(
    races: Iterable[tuple[list[int], list[int]]],
    current: dict[int, float],
    k: float = K_FACTOR,
) -> tuple[list[int], list[float], list[float]]:
    """Rate races in the given (off-time) order.

    ``races`` yields (horse_ids, ranks) per race; ``current`` maps horse -> latest rating and is
    updated in place. Returns flat lists (horse_ids, rating_before, rating_after) in input order.
    """
    horses_out: list[int] = []
    before_out: list[float] = []
    after_out: list[float] = []
    for horse_ids, ranks in races:
        before = np.array([current.get(h, INITIAL_RATING) for h in horse_ids], dtype=np.float64)
        after = race_update(before, np.asarray(ranks, dtype=np.int64), k)
        for horse, value in zip(horse_ids, after.tolist(), strict=True):
            current[horse] = value
        horses_out.extend(horse_ids)
        before_out.extend(before.tolist())
        after_out.extend(after.tolist())
    return horses_out, before_out, after_out


def rate_in_batches(
    race_of_row: NDArray[np.int64],
    batch_of_race: NDArray[np.int64],
    horse: NDArray[np.int64],
    rank: NDArray[np.int64],
    current: dict[int, float],
    k: float = K_FACTOR,
) -> tuple[FloatArray, FloatArray]:
    """The same ratings as `rate_races`, vectorised over batches of races.

    Rows are runners ordered by race (races in off-time order, ``race_of_row`` = 0, 1, 2 ...
    non-decreasing). Races within one batch must not share a horse (e.g. one batch per day,
    split where a horse runs twice), so each race of a batch sees the ratings from before
    the batch, exactly as in sequential order. Returns (rating_before, rating_after) per row.
    """
    horses, dense = np.unique(horse, return_inverse=True)
    rating = np.array([current.get(int(h), INITIAL_RATING) for h in horses], dtype=np.float64)
    before = np.empty(horse.shape[0], dtype=np.float64)
    after = np.empty(horse.shape[0], dtype=np.float64)
    race_start = np.searchsorted(race_of_row, np.arange(race_of_row[-1] + 2)) \
        if horse.shape[0] else np.zeros(1, dtype=np.int64)
    batch_start = np.flatnonzero(np.diff(batch_of_race, prepend=-1)) if batch_of_race.size \
        else np.zeros(0, dtype=np.int64)
    batch_end = np.append(batch_start[1:], batch_of_race.shape[0])
    for first_race, end_race in zip(batch_start.tolist(), batch_end.tolist(), strict=True):
        starts = race_start[first_race:end_race]
        sizes = race_start[first_race + 1:end_race + 1] - starts
        width = int(sizes.max())
        slot = np.arange(width)
        valid = slot[None, :] < sizes[:, None]
        rows = np.where(valid, starts[:, None] + slot[None, :], 0)
        r = np.where(valid, rating[dense[rows]], 0.0)
        rk = np.where(valid, rank[rows], 0)
        pair = valid[:, :, None] & valid[:, None, :]
        pair &= ~np.eye(width, dtype=bool)[None, :, :]
        expected = 1.0 / (1.0 + 10.0 ** ((r[:, None, :] - r[:, :, None]) / 400.0))
        actual = (rk[:, :, None] < rk[:, None, :]) + 0.5 * (rk[:, :, None] == rk[:, None, :])
        surprise = np.where(pair, actual - expected, 0.0).sum(axis=2)
        updated = r + k * surprise / np.maximum(sizes - 1, 1)[:, None]
        updated = np.where((sizes > 1)[:, None], updated, r)
        flat_rows = rows[valid]
        before[flat_rows] = r[valid]
        after[flat_rows] = updated[valid]
        rating[dense[flat_rows]] = updated[valid]
    return before, after
