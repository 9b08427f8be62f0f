"""Pricing of the in-database scorer, vectorised over the runners of many races at once:
validates the scorer's probabilities and the odds, then place probabilities (place.py), fair
odds, each-way place odds, expected values and fractional Kelly stakes with per-runner and
per-race caps (staking.py). See docs/pricing.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hrdpg_pl.place import DEFAULT_DISCOUNTS, place_probabilities
from hrdpg_pl.risk_defaults import DEFAULT_CAPS
from hrdpg_pl.staking import (
    cap_race_stakes,
    each_way_place_odds,
    kelly_each_way,
    kelly_win,
    net_odds,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

PROB_SUM_TOL = 1e-9


@dataclass(frozen=True)
class PricingProblem:
    """A runner whose odds could not be used; it is priced as if it had no odds."""

    runner: int
    race: int
    value: float
    message: str


@dataclass(frozen=True)
class PricedRunners:
    """Per-runner outputs, aligned with the input arrays (NaN where an input was missing).

    ``stake_win`` and ``stake_each_way`` are alternative plans (each capped per race on its
    own); ``stake_each_way`` is the total outlay, half on the win part and half on the place.
    """

    p_place: FloatArray
    fair_win_odds: FloatArray
    fair_place_odds: FloatArray
    place_odds: FloatArray
    ev_win: FloatArray
    ev_each_way: FloatArray
    kelly_win: FloatArray
    kelly_each_way: FloatArray
    stake_win: FloatArray
    stake_each_way: FloatArray
    odds_valid: BoolArray
    problems: list[PricingProblem] = field(default_factory=list)



def _validate(
    ri: IntArray, p: FloatArray, places: IntArray, fraction: FloatArray, odds: FloatArray
) -> None:
    n_races = places.size
    if not (ri.ndim == p.ndim == odds.ndim == places.ndim == fraction.ndim == 1):
        raise ValueError("race_index, p_win, best_odds, places and fraction must be 1-D arrays")
    if not (ri.size == p.size == odds.size):
        raise ValueError(
            f"race_index ({ri.size}), p_win ({p.size}) and best_odds ({odds.size}) are per "
            "runner and must have the same length"
        )
    if fraction.size != n_races:
        raise ValueError(
            f"places ({n_races}) and fraction ({fraction.size}) are per race and must have "
            "the same length"
        )
    if ri.size and (ri.min() < 0 or ri.max() >= n_races):
        bad = int(np.flatnonzero((ri < 0) | (ri >= n_races))[0])
        raise ValueError(
            f"runner {bad}: race_index {int(ri[bad])} is outside 0..{n_races - 1}; "
            "places/fraction need one entry per race"
        )
    bad_p = ~(np.isfinite(p) & (p > 0.0) & (p <= 1.0))
    if bad_p.any():
        i = int(np.flatnonzero(bad_p)[0])
        raise ValueError(
            f"runner {i} (race {int(ri[i])}): p_win = {p[i]!r} must be finite and in (0, 1]; "
            "fix the scorer output or drop the runner before pricing"
        )
    sums = np.bincount(ri, weights=p, minlength=n_races)
    has_runners = np.bincount(ri, minlength=n_races) > 0
    off = has_runners & (np.abs(sums - 1.0) > PROB_SUM_TOL)
    if off.any():
        race = int(np.flatnonzero(off)[0])
        raise ValueError(
            f"race {race}: p_win sums to {sums[race]!r}, not 1 within {PROB_SUM_TOL}; "
            "normalise the probabilities per race before pricing"
        )
    if (places < 0).any():
        race = int(np.flatnonzero(places < 0)[0])
        raise ValueError(f"race {race}: places = {int(places[race])} must be >= 0")
    each_way = places >= 2
    bad_f = each_way & ~((fraction >= 0.0) & (fraction <= 1.0))
    if bad_f.any():
        race = int(np.flatnonzero(bad_f)[0])
        raise ValueError(
            f"race {race}: each-way fraction = {fraction[race]!r} must be in [0, 1] when "
            f"places = {int(places[race])} (0 = a place market without each-way); set places "
            "to 0 for a win-only race"
        )


def _check_cap(name: str, value: float, upper: float | None) -> None:
    if not np.isfinite(value) or value < 0.0 or (upper is not None and value > upper):
        bound = f"[0, {upper}]" if upper is not None else ">= 0"
        raise ValueError(f"{name} = {value!r} must be finite and {bound}")


def price(
    race_index: ArrayLike,
    p_win: ArrayLike,
    places: ArrayLike,
    fraction: ArrayLike,
    best_odds: ArrayLike,
    kelly_multiplier: float = DEFAULT_CAPS.kelly_multiplier,
    max_stake_fraction: float = DEFAULT_CAPS.max_stake_fraction,
    max_race_fraction: float = DEFAULT_CAPS.max_race_fraction,
    discounts: Sequence[float] = DEFAULT_DISCOUNTS,
    commission: ArrayLike | None = None,
) -> PricedRunners:
    """Price every runner of many races at once.

    Per runner: ``race_index`` (0..R-1, any order), ``p_win`` (sums to 1 per race) and
    ``best_odds`` (decimal, NaN = none). Per race: ``places`` (0/1 = win only) and each-way
    ``fraction`` (ignored for win-only races). Odds that are not > 1 (or infinite) are reported
    in ``problems`` and priced as missing; bad probabilities or terms raise ValueError.
    ``commission`` (per runner, share of net winnings; default 0) is the exchange's charge on
    the price's source: edges and Kelly use the odds net of it, fair odds do not.
    """
    ri = np.asarray(race_index)
    if ri.size and not np.issubdtype(ri.dtype, np.integer):
        raise ValueError(f"race_index must be integers, got dtype {ri.dtype}")
    ri = ri.astype(np.int64)
    p = np.asarray(p_win, dtype=np.float64)
    places_r = np.asarray(places)
    if places_r.size and not np.issubdtype(places_r.dtype, np.integer):
        raise ValueError(f"places must be integers, got dtype {places_r.dtype}")
    places_r = places_r.astype(np.int64)
    frac_r = np.asarray(fraction, dtype=np.float64)
    raw_odds = np.asarray(best_odds, dtype=np.float64)
    _validate(ri, p, places_r, frac_r, raw_odds)
    _check_cap("kelly_multiplier", kelly_multiplier, None)
    _check_cap("max_stake_fraction", max_stake_fraction, 1.0)
    _check_cap("max_race_fraction", max_race_fraction, 1.0)

    invalid = ~np.isnan(raw_odds) & ~(np.isfinite(raw_odds) & (raw_odds > 1.0))
    problems = [
        PricingProblem(
            runner=int(i),
            race=int(ri[i]),
            value=float(raw_odds[i]),
            message=(
                f"runner {int(i)} (race {int(ri[i])}): best_odds {raw_odds[i]!r} is not a "
                "decimal price > 1; priced as no odds - check the odds feed"
            ),
        )
        for i in np.flatnonzero(invalid)
    ]
    odds = np.where(invalid, np.nan, raw_odds)
    odds_valid = ~np.isnan(odds)

    p_place = place_probabilities(ri, p, places_r, discounts)
    # A place market without each-way (fraction 0: a tote's place pool) gets place
    # probabilities but no each-way price, edge or stake: that bet does not exist there.
    each_way = ((places_r >= 2) & (frac_r > 0))[ri]
    place_odds = np.where(each_way, each_way_place_odds(odds, frac_r[ri]), np.nan)

    c = np.zeros_like(p) if commission is None else np.asarray(commission, dtype=np.float64)
    if c.shape != p.shape or not ((c >= 0.0) & (c < 1.0)).all():
        raise ValueError("commission must hold one share in [0, 1) per runner")
    win_net, place_net = net_odds(odds, c), net_odds(place_odds, c)
    ev_win = p * win_net - 1.0
    ev_each_way = 0.5 * (p * win_net - 1.0) + 0.5 * (p_place * place_net - 1.0)
    k_win = kelly_win(p, win_net)
    k_ew = kelly_each_way(p, p_place, win_net, place_net)
    n_races = places_r.size
    stake_win = cap_race_stakes(
        ri, np.minimum(kelly_multiplier * k_win, max_stake_fraction), max_race_fraction, n_races
    )
    stake_ew = cap_race_stakes(
        ri, np.minimum(kelly_multiplier * k_ew, max_stake_fraction), max_race_fraction, n_races
    )
    with np.errstate(over="ignore"):  # a subnormal probability has infinite fair odds
        fair_win_odds, fair_place_odds = 1.0 / p, 1.0 / p_place
    return PricedRunners(
        p_place=p_place,
        fair_win_odds=fair_win_odds,
        fair_place_odds=fair_place_odds,
        place_odds=place_odds,
        ev_win=ev_win,
        ev_each_way=ev_each_way,
        kelly_win=k_win,
        kelly_each_way=k_ew,
        stake_win=stake_win,
        stake_each_way=stake_ew,
        odds_valid=odds_valid,
        problems=problems,
    )
