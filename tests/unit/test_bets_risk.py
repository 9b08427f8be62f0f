"""Sizing and the risk manager of propose_bets, worked by hand."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
from hrdpg_pl.bets_risk import RiskLimits, Signal, Usage, choose, decide, size
from scipy.optimize import minimize_scalar

LIM = RiskLimits(bankroll=Decimal(10000), kelly_multiplier=0.25, min_edge=0.02,
             max_stake_fraction=0.02, max_stake_per_bet=Decimal(1000),
             max_stake_per_race=Decimal(1000), max_stake_per_day=Decimal(5000),
             max_bets_per_race=10, max_bets_per_day=100, max_pending_exposure=Decimal(5000),
             daily_loss_limit=Decimal(10000), min_liquidity=0.0, realised_today=Decimal(0),
             halted=False)


def win(p: float, odds: float, race: int = 1, volume: float | None = None) -> Signal:
    return Signal(race_id=race, p_win=p, p_place=None, odds=odds, ew_places=None,
                  ew_fraction=None, edge_win=p * odds - 1, edge_each_way=None, volume=volume)


def test_win_stake_by_hand() -> None:
    # p 0.22 at 5.0: EV 0.10, full Kelly 0.10 / 4 = 0.025, quarter = 0.00625 -> 62.50 of 10000.
    s = size(win(0.22, 5.0), LIM)
    assert s is not None and s.bet_type == "win"
    assert s.kelly == pytest.approx(0.025)
    assert s.stake == Decimal("62.50")
    # A big edge is capped at max_stake_fraction: 0.02 * 10000.
    big = size(win(0.5, 5.0), LIM)
    assert big is not None and big.stake == Decimal("200.00")
    # max_stake_per_bet caps the stake instead of rejecting the bet.
    capped = size(win(0.5, 5.0), replace(LIM, max_stake_per_bet=Decimal("150.00")))
    assert capped is not None and capped.stake == Decimal("150.00")


def test_below_min_edge_is_no_candidate() -> None:
    assert size(win(0.203, 5.0), LIM) is None  # EV 0.015 < 0.02
    assert size(win(0.1, 5.0), LIM) is None


def test_each_way_when_its_edge_is_better_and_kelly_maximises_growth() -> None:
    p, pp, o, f = 0.12, 0.45, 11.0, 0.2
    op = 1 + (o - 1) * f
    ev_ew = 0.5 * (p * o - 1) + 0.5 * (pp * op - 1)
    s = Signal(race_id=1, p_win=p, p_place=pp, odds=o, ew_places=3, ew_fraction=f,
               edge_win=p * o - 1, edge_each_way=ev_ew, volume=None)
    assert choose(s) == ("each_way", pytest.approx(ev_ew))
    sized = size(s, LIM)
    assert sized is not None

    def growth(x: float) -> float:
        win_ret = x / 2 * (o - 1) + x / 2 * (op - 1)
        place_ret = -x / 2 + x / 2 * (op - 1)
        return -(p * np.log1p(win_ret) + (pp - p) * np.log1p(place_ret)
                 + (1 - pp) * np.log1p(-x))

    best = minimize_scalar(growth, bounds=(0, 0.99), method="bounded",
                           options={"xatol": 1e-10}).x
    assert sized.kelly == pytest.approx(best, abs=1e-6)
    # No terms: win, whatever the each-way edge says.
    assert choose(replace(s, ew_places=None)) == ("win", pytest.approx(p * o - 1))


RULES = [
    ("halted", dict(halted=True)),
    ("daily_loss_limit", dict(realised_today=Decimal(-10000))),
    # Nothing lost yet, but 2 x 200 open and a third would put 600 at risk against 500.
    ("daily_loss_limit_at_risk", dict(daily_loss_limit=Decimal(500))),
    ("max_bets_per_race", dict(max_bets_per_race=1)),
    ("max_stake_per_race", dict(max_stake_per_race=Decimal(399))),
    ("max_bets_per_day", dict(max_bets_per_day=2)),
    ("max_stake_per_day", dict(max_stake_per_day=Decimal(599))),
    ("max_pending_exposure", dict(max_pending_exposure=Decimal(599))),
]


@pytest.mark.parametrize(("rule", "change"), RULES)
def test_each_rule(rule: str, change: dict[str, object]) -> None:
    """Two 200 bets in race 1 then one in race 2; the tightened rule rejects the first bet that
    would breach it and rejected bets use nothing."""
    sigs = [win(0.5, 5.0), win(0.5, 5.0), win(0.5, 5.0, race=2)]
    out = decide(sigs, replace(LIM, **change), Usage())
    reasons = [d.reject[0] if d.reject else None for d in out]
    first = {"halted": 0, "daily_loss_limit": 0, "daily_loss_limit_at_risk": 2,
             "max_bets_per_race": 1, "max_stake_per_race": 1, "max_bets_per_day": 2,
             "max_stake_per_day": 2, "max_pending_exposure": 2}[rule]
    assert reasons[first] == rule.removesuffix("_at_risk")
    assert all(r is None for r in reasons[:first])
    if rule in ("max_bets_per_race", "max_stake_per_race"):
        assert reasons[2] is None  # race 2 has its own allowance


def test_liquidity_and_existing_usage() -> None:
    out = decide([win(0.5, 5.0, volume=100.0), win(0.5, 5.0, race=2)],
                 replace(LIM, min_liquidity=500.0),
                 Usage(pending=Decimal(4900)))
    assert [d.reject[0] if d.reject else None for d in out] == [
        "liquidity", "max_pending_exposure"]
    assert out[1].reject is not None and out[1].reject[1]["used"] == "4900"
