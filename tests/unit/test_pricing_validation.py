"""Bad odds are reported and priced as missing; bad probabilities and terms raise."""

from __future__ import annotations

import numpy as np
import pytest
from hrdpg_pl.pricing import price

RI = np.zeros(4, dtype=np.int64)
P = np.array([0.4, 0.3, 0.2, 0.1])


def test_odds_of_one_and_zero_are_invalid_not_fatal() -> None:
    out = price(RI, P, np.array([3]), np.array([0.25]), np.array([1.0, 0.0, np.nan, 12.0]))
    assert out.odds_valid.tolist() == [False, False, False, True]
    assert [(pr.runner, pr.race) for pr in out.problems] == [(0, 0), (1, 0)]
    assert "best_odds" in out.problems[0].message
    for field in (
        "place_odds",
        "ev_win",
        "ev_each_way",
        "kelly_win",
        "kelly_each_way",
        "stake_win",
        "stake_each_way",
    ):
        values = getattr(out, field)
        assert np.isnan(values[:3]).all() and np.isfinite(values[3]), field
    assert np.isfinite(out.p_place).all() and np.isfinite(out.fair_place_odds).all()


def test_race_without_any_odds_still_gets_probabilities() -> None:
    out = price(RI, P, np.array([2]), np.array([0.25]), np.full(4, np.nan))
    assert out.problems == []
    np.testing.assert_allclose(out.fair_win_odds, 1 / P)
    assert abs(out.p_place.sum() - 2) < 1e-12
    assert np.isnan(out.ev_win).all() and np.isnan(out.stake_each_way).all()


@pytest.mark.parametrize(
    ("p", "places", "fraction", "match"),
    [
        (np.array([0.4, np.nan, 0.2, 0.1]), 3, 0.25, r"runner 1 \(race 0\): p_win"),
        (np.array([0.4, 0.3, 0.2, 0.0]), 3, 0.25, "runner 3"),
        (np.array([0.4, 0.3, 0.2, 0.2]), 3, 0.25, "race 0: p_win sums to"),
        (P, 3, -0.1, "race 0: each-way fraction"),
        (P, 3, 1.5, "race 0: each-way fraction"),
        (P, -1, 0.25, "race 0: places"),
    ],
)
def test_bad_inputs_raise_with_the_culprit(
    p: np.ndarray, places: int, fraction: float, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        price(RI, p, np.array([places]), np.array([fraction]), np.full(4, 5.0))


def test_win_only_race_ignores_fraction() -> None:
    out = price(RI, P, np.array([0]), np.array([np.nan]), np.full(4, 5.0))
    np.testing.assert_allclose(out.p_place, P)
    assert np.isnan(out.place_odds).all()


def test_place_market_without_each_way_prices_places_only() -> None:
    """fraction 0 (a tote's place pool): place probabilities, no each-way price or stake."""
    out = price(np.zeros(4, dtype=np.int64), P, np.array([3]), np.array([0.0]),
                np.array([3.0, 4.0, 5.0, 9.0]), 0.25, 0.05, 0.1)
    assert out.p_place.sum() == pytest.approx(3.0)
    assert np.isnan(out.place_odds).all() and np.isnan(out.ev_each_way).all()
    assert np.nan_to_num(out.stake_each_way).sum() == 0
    assert np.isfinite(out.ev_win).all()
