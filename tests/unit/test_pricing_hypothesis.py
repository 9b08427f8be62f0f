"""Random fields, messy odds and degenerate inputs: finite outputs where they should be, stakes
within caps, and bad inputs refused with the culprit named."""

from __future__ import annotations

import numpy as np
import pytest
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
    fraction = rng.choice([0.0, 0.2, 0.25, 1 / 3, 1.0], n_races)  # 0: no each-way offered
    perm = rng.permutation(p.size)
    ri, p, odds = ri[perm], p[perm], odds[perm]

    out = price(ri, p, places, fraction, odds, mult, cap, race_cap)

    usable = np.isfinite(odds) & (odds > 1.0)
    assert (out.odds_valid == usable).all()
    assert len(out.problems) == int(np.sum(np.isfinite(odds) & (odds <= 1.0)))
    assert np.isfinite(out.p_place).all() and np.isfinite(out.fair_place_odds).all()
    assert (out.p_place >= p - 1e-12).all()
    ew = ((places >= 2) & (fraction > 0))[ri]
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


# Degenerate inputs: exact 0/1 probabilities, NaN/inf, odds <= 1 and absurd prices, big fields.
SPECIAL_P = [0.0, 1.0, np.nan, np.inf, -0.25, 1.5, 5e-324]
SPECIAL_ODDS = [np.nan, 0.0, 1.0, -3.0, np.inf, -np.inf, 1.0 + 1e-15, 1e300, 5e-324]


def _valid(ri: np.ndarray, p: np.ndarray, places: np.ndarray, fraction: np.ndarray) -> bool:
    """Independent statement of what price() accepts."""
    n = np.bincount(ri, minlength=places.size)
    if not (np.isfinite(p) & (p > 0) & (p <= 1)).all() or (places < 0).any():
        return False
    if (np.abs(np.bincount(ri, weights=p, minlength=places.size) - 1) > 1e-9)[n > 0].any():
        return False
    ew = places >= 2
    if not ((fraction >= 0) & (fraction <= 1))[ew].all():
        return False
    return not (ew & (places < n) & (places > 6)).any()


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    sizes=st.lists(st.integers(1, 60), min_size=1, max_size=4),
    places_pick=st.lists(st.integers(-1, 8), min_size=4, max_size=4),
    fraction_pick=st.lists(st.sampled_from([0.0, 0.2, 0.25, 1.0, 1.5, np.nan]),
                           min_size=4, max_size=4),
    p_special=st.one_of(st.none(), st.sampled_from(SPECIAL_P)),
    certain=st.booleans(),
    odds_special=st.lists(st.sampled_from(SPECIAL_ODDS), max_size=6),
)
def test_degenerate_inputs_raise_clearly_or_price_sanely(
    seed: int, sizes: list[int], places_pick: list[int], fraction_pick: list[float],
    p_special: float | None, certain: bool, odds_special: list[float]
) -> None:
    rng = np.random.default_rng(seed)
    n_races = len(sizes)
    sizes_a = np.array(sizes)
    # Deep place terms only on small fields: the exact sum costs n^(places-1).
    places = np.array(places_pick[:n_races])
    places = np.where((places > 3) & (sizes_a > 12), 3, places)
    fraction = np.array(fraction_pick[:n_races], dtype=np.float64)
    ri = np.repeat(np.arange(n_races), sizes_a)
    parts = []
    for s in sizes:
        q = rng.dirichlet(np.ones(s))
        if certain:  # a near-certain winner: one runner at 1, the rest vanishingly small
            q = np.full(s, 1e-300)
            q[0] = 1.0
        parts.append(q)
    p = np.concatenate(parts)
    if p_special is not None:
        p[rng.integers(p.size)] = p_special
    odds = 1 / np.clip(p, 1e-6, 1) * rng.uniform(0.8, 1.3, p.size)
    odds = np.nan_to_num(odds, nan=3.0, posinf=3.0)
    for value in odds_special:
        odds[rng.integers(p.size)] = value

    if not _valid(ri, p, places, fraction):
        with pytest.raises(ValueError, match=r"(runner|race) \d+"):
            price(ri, p, places, fraction, odds)
        return
    out = price(ri, p, places, fraction, odds)
    usable = np.isfinite(odds) & (odds > 1.0)
    assert (out.odds_valid == usable).all()
    assert {pr.runner for pr in out.problems} == set(np.flatnonzero(~usable & ~np.isnan(odds)))
    assert np.isfinite(out.p_place).all()
    assert (out.p_place >= p * (1 - 1e-9)).all() and (out.p_place <= 1 + 1e-9).all()
    k = np.where(places >= 2, np.minimum(places, sizes_a), 1)
    np.testing.assert_allclose(np.bincount(ri, weights=out.p_place), k, rtol=1e-9)
    assert (out.fair_win_odds >= 1 - 1e-12).all()
    for name in ("ev_win", "kelly_win", "stake_win"):
        assert (np.isfinite(getattr(out, name)) == usable).all(), name
    for stake in (out.stake_win, out.stake_each_way):
        s = np.nan_to_num(stake)
        assert (s >= 0).all() and (s <= 0.02 + 1e-15).all()
        assert (np.bincount(ri, weights=s, minlength=n_races) <= 0.05 + 1e-12).all()
