"""Place probabilities against brute-force enumeration of finishing orders."""

from __future__ import annotations

import itertools

import numpy as np
from hrdpg_pl.place import place_probabilities


def top_k_by_enumeration(p: np.ndarray, k: int, lams: tuple[float, ...]) -> np.ndarray:
    """Sum P(order) over every ordered top-k; stage s draws with weights p^lam_s among the rest."""
    n = p.size
    exps = (1.0,) + tuple(lams[min(s, len(lams) - 1)] for s in range(n))
    out = np.zeros(n)
    for order in itertools.permutations(range(n), min(k, n)):
        prob = 1.0
        for stage, runner in enumerate(order):
            rest = [m for m in range(n) if m not in order[:stage]]
            weights = p ** exps[stage]
            prob *= weights[runner] / weights[rest].sum()
        out[list(order)] += prob
    return out


def harville_by_enumeration(p: np.ndarray, k: int) -> np.ndarray:
    """Plain Harville: each next finisher is drawn with p_j / (1 - mass already placed)."""
    out = np.zeros(p.size)
    for order in itertools.permutations(range(p.size), min(k, p.size)):
        prob, placed = 1.0, 0.0
        for runner in order:
            prob *= p[runner] / (1.0 - placed)
            placed += p[runner]
        out[list(order)] += prob
    return out


def test_matches_enumeration_for_small_fields() -> None:
    rng = np.random.default_rng(11)
    lams = (0.76, 0.62)
    for n in range(2, 8):
        for k in range(1, 5):
            p = rng.dirichlet(np.full(n, 0.8))
            got = place_probabilities(np.zeros(n, dtype=np.int64), p, np.array([k]), lams)
            np.testing.assert_allclose(got, top_k_by_enumeration(p, k, lams), atol=1e-12)


def test_fourth_stage_discount_and_extra_places() -> None:
    rng = np.random.default_rng(12)
    lams = (0.8, 0.7, 0.55)
    for k in (4, 5):
        p = rng.dirichlet(np.ones(7))
        got = place_probabilities(np.zeros(7, dtype=np.int64), p, np.array([k]), lams)
        np.testing.assert_allclose(got, top_k_by_enumeration(p, k, lams), atol=1e-12)


def test_unit_discounts_recover_harville() -> None:
    rng = np.random.default_rng(13)
    for n, k in ((5, 2), (6, 3), (7, 4)):
        p = rng.dirichlet(np.ones(n))
        got = place_probabilities(np.zeros(n, dtype=np.int64), p, np.array([k]), (1.0,))
        np.testing.assert_allclose(got, harville_by_enumeration(p, k), atol=1e-12)


def test_near_certain_winner_matches_enumeration() -> None:
    """One runner holding (nearly) all the mass: the rest share the remaining places in
    proportion, with no cancellation left in the mass-left and without-i sums."""
    lams = (0.76, 0.62)
    for p in (np.array([1.0, 1e-300, 3e-300, 2e-300]),
              np.array([1 - 3e-13, 1e-13, 2e-13, 1e-20, 5e-30]),
              np.array([0.5, 0.5 - 1e-200, 1e-200, 2e-200])):
        for k in (2, 3, 4):
            got = place_probabilities(np.zeros(p.size, dtype=np.int64), p, np.array([k]), lams)
            want = top_k_by_enumeration(p, k, lams)
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-15)
