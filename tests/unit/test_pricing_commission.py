"""An exchange's commission on net winnings: edges and Kelly on the net price, worked by hand,
and the Kelly stake maximises log growth of the net payoff."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hrdpg_pl.bets_risk import Signal, full_kelly
from hrdpg_pl.pricing import price
from scipy.optimize import minimize_scalar


def test_win_edge_by_hand() -> None:
    # p 0.25 at 5.0 with 7 % on winnings: net odds 1 + 4 * 0.93 = 4.72, EV 0.25*4.72 - 1 = 0.18,
    # full Kelly 0.18 / 3.72.
    out = price(np.array([0, 0]), np.array([0.25, 0.75]), np.array([0]), np.array([0.0]),
                np.array([5.0, 1.2]), commission=np.array([0.07, 0.07]))
    assert out.ev_win[0] == pytest.approx(0.18)
    assert out.kelly_win[0] == pytest.approx(0.18 / 3.72)
    assert out.fair_win_odds[0] == pytest.approx(4.0)  # fair odds know nothing of commission


def test_kelly_maximises_growth_of_the_net_payoff() -> None:
    p, o, c = 0.3, 4.2, 0.07
    s = Signal(race_id=1, p_win=p, p_place=None, odds=o, ew_places=None, ew_fraction=None,
               edge_win=None, edge_each_way=None, volume=None, commission=c)
    growth = minimize_scalar(lambda x: -(p * np.log(1 + x * (o - 1) * (1 - c))
                                         + (1 - p) * np.log(1 - x)),
                             bounds=(0, 0.99), method="bounded", options={"xatol": 1e-10})
    assert full_kelly(s, "win") == pytest.approx(growth.x, abs=1e-6)
    assert full_kelly(replace(s, commission=0.0), "win") > full_kelly(s, "win")


def test_commission_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="commission"):
        price(np.array([0]), np.array([1.0]), np.array([0]), np.array([0.0]), np.array([2.0]),
              commission=np.array([1.0]))
