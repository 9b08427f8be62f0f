"""Multi-runner Elo against a plain double loop over pairs."""

from __future__ import annotations

import numpy as np
from hrdpg_pl.elo import INITIAL_RATING, race_update, rate_in_batches, rate_races


def elo_by_pairs(ratings: list[float], ranks: list[int], k: float) -> list[float]:
    n = len(ratings)
    out = []
    for i in range(n):
        surprise = 0.0
        for j in range(n):
            if i == j:
                continue
            expected = 1.0 / (1.0 + 10 ** ((ratings[j] - ratings[i]) / 400.0))
            actual = 1.0 if ranks[i] < ranks[j] else 0.5 if ranks[i] == ranks[j] else 0.0
            surprise += actual - expected
        out.append(ratings[i] + k * surprise / (n - 1))
    return out


def test_matches_pairwise_loop_and_is_zero_sum() -> None:
    rng = np.random.default_rng(3)
    for n in (2, 5, 13):
        ratings = rng.normal(1500, 120, n)
        ranks = rng.permutation(n) + 1
        ranks[0] = ranks[1]  # a dead heat somewhere
        got = race_update(ratings, ranks.astype(np.int64), 24.0)
        np.testing.assert_allclose(got, elo_by_pairs(list(ratings), list(ranks), 24.0))
        assert abs(got.sum() - ratings.sum()) < 1e-9


def test_dead_heat_between_equals_changes_nothing() -> None:
    ratings = np.array([1500.0, 1500.0])
    np.testing.assert_allclose(race_update(ratings, np.array([1, 1])), ratings)


def test_rate_races_carries_ratings_forward() -> None:
    current: dict[int, float] = {}
    horses, before, after = rate_races([([1, 2, 3], [1, 2, 3]), ([3, 1], [1, 2])], current)
    assert horses == [1, 2, 3, 3, 1]
    assert before[:3] == [INITIAL_RATING] * 3
    assert before[3] == after[2] and before[4] == after[0]
    assert current[1] == after[4] and current[3] == after[3]


def test_batched_equals_sequential() -> None:
    rng = np.random.default_rng(5)
    races, race_day = [], []
    for day in range(40):
        for _ in range(int(rng.integers(3, 8))):
            n = int(rng.integers(1, 12))
            horses = rng.choice(60, size=n, replace=False).tolist()
            ranks = (rng.permutation(n) + 1).tolist()
            if n > 2:
                ranks[1] = ranks[2]  # dead heats too
            races.append((horses, ranks))
            race_day.append(day)
    # One batch per day, split wherever a horse would run twice in a batch.
    batch, seen, batch_of_race = 0, set(), []
    for i, (horses, _) in enumerate(races):
        if i and (race_day[i] != race_day[i - 1] or seen & set(horses)):
            batch, seen = batch + 1, set()
        seen |= set(horses)
        batch_of_race.append(batch)
    start = {7: 1600.0, 8: 1400.0}
    _, seq_before, seq_after = rate_races(races, dict(start))
    race_of_row = np.repeat(np.arange(len(races)), [len(h) for h, _ in races])
    got_before, got_after = rate_in_batches(
        race_of_row, np.array(batch_of_race), np.concatenate([h for h, _ in races]),
        np.concatenate([r for _, r in races]), dict(start))
    np.testing.assert_allclose(got_before, seq_before, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got_after, seq_after, rtol=0, atol=1e-9)
