"""Odds and staking of the in-database scorer: each-way place odds, full-Kelly fractions for
win and each-way bets, and per-race stake caps. Vectorised; see docs/pricing.md."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def each_way_place_odds(win_odds: ArrayLike, fraction: ArrayLike) -> FloatArray:
    """Decimal odds of the place part of an each-way bet: 1 + (O - 1) * fraction."""
    o = np.asarray(win_odds, dtype=np.float64)
    return 1.0 + (o - 1.0) * np.asarray(fraction, dtype=np.float64)


def net_odds(odds: ArrayLike, commission: ArrayLike) -> FloatArray:
    """Decimal odds after an exchange's commission on the winnings: 1 + (O - 1) * (1 - c)."""
    o = np.asarray(odds, dtype=np.float64)
    out: FloatArray = 1.0 + (o - 1.0) * (1.0 - np.asarray(commission, dtype=np.float64))
    return out


def kelly_win(p: ArrayLike, odds: ArrayLike) -> FloatArray:
    """Full-Kelly bankroll fraction for a win bet: max((p*O - 1) / (O - 1), 0)."""
    pp = np.asarray(p, dtype=np.float64)
    o = np.asarray(odds, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        f: FloatArray = np.maximum((pp * o - 1.0) / (o - 1.0), 0.0)
    return f


def kelly_each_way(
    p_win: ArrayLike, p_place: ArrayLike, odds: ArrayLike, place_odds: ArrayLike
) -> FloatArray:
    """Full-Kelly bankroll fraction x staked each way (x/2 win at O, x/2 place at O_p).

    Log growth G(x) = pw log(1 + a x) + (pp - pw) log(1 + b x) + (1 - pp) log(1 - x) with
    a = (O + O_p - 2)/2 (winner: both parts pay) and b = (O_p - 2)/2 (placed only). G is
    concave; G'(x) times its positive denominators is the quadratic -ab x^2 + c1 x + c0 with
    c0 = the each-way EV, so the optimum is its smallest positive root (0 when EV <= 0).
    Capped at 1: with no losing outcome (places >= field) the optimum would be leverage.
    """
    pw = np.asarray(p_win, dtype=np.float64)
    pp = np.asarray(p_place, dtype=np.float64)
    o = np.asarray(odds, dtype=np.float64)
    op = np.asarray(place_odds, dtype=np.float64)
    q = np.maximum(pp - pw, 0.0)
    r = np.maximum(1.0 - pp, 0.0)
    a = (o + op - 2.0) / 2.0
    b = (op - 2.0) / 2.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # odds up to 1e300
        c0 = pw * a + q * b - r
        c1 = pw * a * (b - 1.0) + q * b * (a - 1.0) - r * (a + b)
        c2 = -a * b
        disc = c1 * c1 - 4.0 * c2 * c0
        sq = np.sqrt(np.where(disc >= 0.0, disc, np.nan))
        # Numerically stable pair of roots; t == 0 cannot happen when c0 > 0 and disc >= 0.
        t = -0.5 * (c1 + np.copysign(sq, c1))
        quad_1 = t / c2
        quad_2 = c0 / t
        lin = np.where(c1 < 0.0, -c0 / c1, np.inf)
        root_1 = np.where(c2 == 0.0, lin, quad_1)
        root_2 = np.where(c2 == 0.0, np.inf, quad_2)
        pos_1 = np.where(root_1 > 0.0, root_1, np.inf)
        pos_2 = np.where(root_2 > 0.0, root_2, np.inf)
        best = np.fmin(pos_1, pos_2)  # NaN roots (no real root) fall through to inf
        best = np.where(np.isnan(best), np.inf, best)
        f: FloatArray = np.where(c0 > 0.0, np.minimum(best, 1.0), 0.0)
    nan_in = np.isnan(pw) | np.isnan(pp) | np.isnan(o) | np.isnan(op)
    f[nan_in] = np.nan
    return f


def cap_race_stakes(
    race_index: ArrayLike, stakes: ArrayLike, max_race_fraction: float, n_races: int
) -> FloatArray:
    """Scale each race's stakes down proportionally so they add up to at most the cap."""
    ri = np.asarray(race_index, dtype=np.int64)
    s = np.asarray(stakes, dtype=np.float64)
    total = np.bincount(ri, weights=np.nan_to_num(s), minlength=n_races)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        scale = np.where(total > max_race_fraction, max_race_fraction / total, 1.0)
    capped: FloatArray = s * scale[ri]
    return capped


# --------------------------------------------------------------------------- validation, entry
