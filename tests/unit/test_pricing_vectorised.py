"""Pricing many interleaved races at once equals pricing each race on its own."""

from __future__ import annotations

import numpy as np
from hrdpg_pl.pricing import price


def test_batch_equals_one_by_one() -> None:
    rng = np.random.default_rng(41)
    n_races = 150
    sizes = rng.integers(1, 30, n_races)
    ri = np.repeat(np.arange(n_races), sizes)
    p = np.concatenate([rng.dirichlet(np.ones(s)) for s in sizes])
    odds = np.where(rng.random(p.size) < 0.1, np.nan, 1 / p * rng.uniform(0.8, 1.3, p.size))
    places = rng.integers(0, 5, n_races)
    fraction = rng.choice([0.2, 0.25], n_races)
    perm = rng.permutation(p.size)  # races interleaved, not contiguous
    ri, p, odds = ri[perm], p[perm], odds[perm]
    batch = price(ri, p, places, fraction, odds, 0.5, 0.03, 0.06)

    for race in range(n_races):
        sel = np.flatnonzero(ri == race)
        one = price(
            np.zeros(sel.size, dtype=np.int64),
            p[sel],
            places[race : race + 1],
            fraction[race : race + 1],
            odds[sel],
            0.5,
            0.03,
            0.06,
        )
        for name in (
            "p_place",
            "place_odds",
            "ev_each_way",
            "kelly_each_way",
            "stake_win",
            "stake_each_way",
        ):
            np.testing.assert_allclose(
                getattr(batch, name)[sel], getattr(one, name), rtol=1e-12, atol=1e-15, err_msg=name
            )


def test_large_batch_uses_fine_buckets_consistently() -> None:
    # Above the coarse-bucket threshold padding differs; results must not.
    rng = np.random.default_rng(42)
    n_races = 2500
    sizes = rng.integers(2, 17, n_races)
    ri = np.repeat(np.arange(n_races), sizes)
    p = np.concatenate([rng.dirichlet(np.ones(s)) for s in sizes])
    places = np.full(n_races, 3)
    fraction = np.full(n_races, 0.2)
    big = price(ri, p, places, fraction, np.full(p.size, np.nan))
    assert p.size > 20_000
    head = ri < 100
    small = price(ri[head], p[head], places[:100], fraction[:100], np.full(head.sum(), np.nan))
    np.testing.assert_allclose(big.p_place[head], small.p_place, rtol=1e-12)
