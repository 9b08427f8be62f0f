"""EV and Kelly staking worked by hand, and each-way Kelly against numeric maximisation."""

from __future__ import annotations

import numpy as np
from hrdpg_pl.pricing import price
from hrdpg_pl.staking import kelly_each_way, kelly_win
from scipy.optimize import minimize_scalar


def test_win_bet_by_hand() -> None:
    # p = 0.25 at 5.0: EV = 0.25*5 - 1 = 0.25; full Kelly = 0.25 / 4 = 0.0625.
    # Quarter Kelly = 0.015625, under the 0.02 runner cap and the 0.05 race cap.
    out = price(
        np.array([0, 0]),
        np.array([0.25, 0.75]),
        np.array([0]),
        np.array([0.0]),
        np.array([5.0, 1.2]),
        kelly_multiplier=0.25,
        max_stake_fraction=0.02,
        max_race_fraction=0.05,
    )
    np.testing.assert_allclose(out.ev_win, [0.25, 0.75 * 1.2 - 1])
    np.testing.assert_allclose(out.kelly_win, [0.0625, 0.0])  # negative edge -> no bet
    np.testing.assert_allclose(out.stake_win, [0.015625, 0.0])
    np.testing.assert_allclose(out.fair_win_odds, [4.0, 1 / 0.75])
    assert np.isnan(out.place_odds).all() and np.isnan(out.ev_each_way).all()


def test_runner_cap_then_race_cap_by_hand() -> None:
    # Two runners at p = 0.4, odds 4.0: full Kelly (1.6 - 1)/3 = 0.2, half Kelly 0.1, capped at
    # 0.08 each; together 0.16 > 0.1 race cap, so both scale to 0.05.
    out = price(
        np.zeros(3, dtype=np.int64),
        np.array([0.4, 0.4, 0.2]),
        np.array([0]),
        np.array([0.0]),
        np.array([4.0, 4.0, np.nan]),
        kelly_multiplier=0.5,
        max_stake_fraction=0.08,
        max_race_fraction=0.1,
    )
    np.testing.assert_allclose(out.kelly_win[:2], [0.2, 0.2])
    np.testing.assert_allclose(out.stake_win[:2], [0.05, 0.05])
    assert np.isnan(out.stake_win[2])


def test_each_way_terms_by_hand() -> None:
    # 1/5 odds, 3 places, win odds 11.0: place odds 1 + 10/5 = 3.0.
    p = np.array([0.1, 0.2, 0.3, 0.4])
    out = price(
        np.zeros(4, dtype=np.int64),
        p,
        np.array([3]),
        np.array([0.2]),
        np.array([11.0, np.nan, np.nan, np.nan]),
    )
    assert out.place_odds[0] == 3.0
    expected = 0.5 * (0.1 * 11 - 1) + 0.5 * (out.p_place[0] * 3.0 - 1)
    np.testing.assert_allclose(out.ev_each_way[0], expected)
    np.testing.assert_allclose(out.fair_place_odds, 1 / out.p_place)


def _neg_log_growth(x: float, pw: float, pp: float, o: float, op: float) -> float:
    win = 1 + x / 2 * (o - 1) + x / 2 * (op - 1)
    place_only = 1 - x / 2 + x / 2 * (op - 1)
    lose = 1 - x
    return -float(pw * np.log(win) + (pp - pw) * np.log(place_only) + (1 - pp) * np.log(lose))


def test_each_way_kelly_maximises_expected_log_wealth() -> None:
    rng = np.random.default_rng(31)
    checked = 0
    for _ in range(300):
        pw = rng.uniform(0.02, 0.5)
        pp = min(pw + rng.uniform(0.0, 0.5), 0.99)
        o = rng.uniform(1.2, 40.0)
        op = 1 + (o - 1) * rng.choice([0.2, 0.25, 1 / 3])
        got = float(
            kelly_each_way(np.array([pw]), np.array([pp]), np.array([o]), np.array([op]))[0]
        )
        if 0.5 * (pw * o - 1) + 0.5 * (pp * op - 1) <= 0:
            assert got == 0.0
            continue
        best = minimize_scalar(
            _neg_log_growth,
            bounds=(0.0, 1 - 1e-12),
            method="bounded",
            args=(pw, pp, o, op),
            options={"xatol": 1e-12},
        )
        assert abs(got - best.x) < 1e-6, (pw, pp, o, op, got, best.x)
        checked += 1
    assert checked > 50


def test_win_kelly_maximises_expected_log_wealth() -> None:
    p, o = 0.3, 4.5
    best = minimize_scalar(
        lambda x: -(p * np.log(1 + x * (o - 1)) + (1 - p) * np.log(1 - x)),
        bounds=(0, 0.999),
        method="bounded",
        options={"xatol": 1e-12},
    )
    np.testing.assert_allclose(kelly_win(np.array([p]), np.array([o])), [best.x], atol=1e-7)
