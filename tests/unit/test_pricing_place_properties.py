"""Structural properties of discounted-Harville place probabilities."""

from __future__ import annotations

import numpy as np
from hrdpg_pl.place import place_probabilities


def _random_races(rng: np.random.Generator, n_races: int) -> tuple[np.ndarray, ...]:
    sizes = rng.integers(2, 25, n_races)
    ri = np.repeat(np.arange(n_races), sizes)
    p = np.concatenate([rng.dirichlet(np.ones(s)) for s in sizes])
    places = rng.integers(0, 5, n_races)
    return ri, p, places, sizes


def test_sums_to_k_and_at_least_p_win() -> None:
    ri, p, places, sizes = _random_races(np.random.default_rng(21), 300)
    got = place_probabilities(ri, p, places)
    sums = np.bincount(ri, weights=got)
    np.testing.assert_allclose(sums, np.minimum(np.maximum(places, 1), sizes), atol=1e-9)
    assert (got >= p - 1e-12).all() and (got <= 1 + 1e-12).all()


def test_k_at_least_field_size_is_certain_and_win_only_is_p_win() -> None:
    p = np.array([0.5, 0.3, 0.2, 0.6, 0.4])
    ri = np.array([0, 0, 0, 1, 1])
    got = place_probabilities(ri, p, np.array([3, 0]))
    np.testing.assert_allclose(got, [1, 1, 1, 0.6, 0.4])
    np.testing.assert_allclose(place_probabilities(ri, p, np.array([1, 5])), [0.5, 0.3, 0.2, 1, 1])


def test_monotone_in_p_win_within_a_race() -> None:
    ri, p, places, _ = _random_races(np.random.default_rng(22), 200)
    got = place_probabilities(ri, p, places)
    for race in range(200):
        sel = ri == race
        order = np.argsort(p[sel])
        assert (np.diff(got[sel][order]) >= -1e-12).all()


def test_discount_lowers_the_favourite_versus_harville() -> None:
    ri, p, places, sizes = _random_races(np.random.default_rng(23), 200)
    places = np.full(200, 3)
    disc = place_probabilities(ri, p, places)
    harv = place_probabilities(ri, p, places, (1.0,))
    for race in np.flatnonzero(sizes > 3):
        sel = np.flatnonzero(ri == race)
        fav = sel[np.argmax(p[sel])]
        longest = sel[np.argmin(p[sel])]
        assert disc[fav] < harv[fav]
        assert disc[longest] > harv[longest]
