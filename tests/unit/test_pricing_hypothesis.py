"""Random fields and messy odds: outputs finite where they should be, stakes within caps."""

from __future__ import annotations

import numpy as np
from hrdpg_pl.pricing import price
from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_races=st.integers(1, 6),
    mult=st.floats(0.0, 1.0),
    cap=st.floats(0.0, 0.2),
    race_cap=st.floats(0.0, 0.3),
)
def test_outputs_and_caps(
    seed: int, n_races: int, mult: float, cap: float, race_cap: float
) -> None:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 21, n_races)
    ri = np.repeat(np.arange(n_races), sizes)
    p = np.concatenate([rng.dirichlet(np.full(s, rng.uniform(0.5, 3.0))) for s in sizes])
    p = np.maximum(p, 1e-12)
    p /= np.bincount(ri, weights=p)[ri]
    odds = 1 / p * rng.uniform(0.7, 1.5, p.size)
    kind = rng.integers(0, 5, p.size)  # sprinkle missing and invalid prices
    odds = np.select([kind == 0, kind == 1, kind == 2], [np.nan, 1.0, 0.0], odds)
    places = rng.integers(0, 5, n_races)
    fraction = rng.choice([0.2, 0.25, 1 / 3, 1.0], n_races)
    perm = rng.permutation(p.size)
    ri, p, odds = ri[perm], p[perm], odds[perm]

    out = price(ri, p, places, fraction, odds, mult, cap, race_cap)

    usable = np.isfinite(odds) & (odds > 1.0)
    assert (out.odds_valid == usable).all()
    assert len(out.problems) == int(np.sum(np.isfinite(odds) & (odds <= 1.0)))
    assert np.isfinite(out.p_place).all() and np.isfinite(out.fair_place_odds).all()
    assert (out.p_place >= p - 1e-12).all()
    ew = (places >= 2)[ri]
    for name in ("ev_win", "kelly_win", "stake_win"):
        values = getattr(out, name)
        assert (np.isfinite(values) == usable).all(), name
    for name in ("place_odds", "ev_each_way", "kelly_each_way", "stake_each_way"):
        values = getattr(out, name)
        assert (np.isfinite(values) == (usable & ew)).all(), name
    for stake, kelly in ((out.stake_win, out.kelly_win), (out.stake_each_way, out.kelly_each_way)):
        s = np.nan_to_num(stake)
        assert (s >= 0).all() and (s <= cap + 1e-15).all()
        assert (s <= mult * np.nan_to_num(kelly) + 1e-15).all()
        assert (np.bincount(ri, weights=s, minlength=n_races) <= race_cap + 1e-12).all()
