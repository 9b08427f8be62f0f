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
