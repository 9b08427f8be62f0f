"""Pricing math of the in-database scorer, vectorised over the runners of many races at once.

Place probabilities use the discounted Harville model (Lo & Bacon-Shone): the winner is drawn
with probability p_i, the s-th finisher among those left with probability w_s,i / sum(w_s,left)
where w_s = p ** lambda_s. lambda = 1 everywhere is plain Harville, which overstates a beaten
favourite's chance of still filling a place. Each race's P(top k) is the exact sum over ordered
top-(k-1) prefixes, computed with prefix tensors in O(n^(k-1)) per race, races batched by size.

On top: fair odds, each-way place odds, expected values and fractional Kelly stakes with
per-runner and per-race caps. See docs/pricing.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# Exponents for the 2nd, 3rd, ... finisher; later stages reuse the last one.
DEFAULT_DISCOUNTS: tuple[float, ...] = (0.76, 0.62)
PROB_SUM_TOL = 1e-9
# Cost and memory grow as n^(places-1); UK extra-place offers stop well short of this.
MAX_PLACES = 6
# Prefix tensors are chunked so one array stays near this many float64s (2 MB, cache-sized).
_CHUNK_ELEMENTS = 1 << 18
# Races are padded with zero-probability runners to a bucket size so races of different sizes
# share numpy calls. Small batches are dominated by per-call overhead, so they use a few coarse
# buckets; big batches are dominated by arithmetic, so they use fine ones (< 2x padding waste).
_FINE_BUCKETS = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 18, 20, 22, 24, 28, 32, 36, 40)
_COARSE_BUCKETS = (4, 8, 12, 16, 20, 24, 32, 40)
_COARSE_BELOW_RUNNERS = 20_000


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


# --------------------------------------------------------------------------- place probabilities


@cache
def _distinct_mask(n: int, dims: int) -> BoolArray:
    """Boolean tensor of shape (n,)*dims: True where all indices differ (cached, read-only)."""
    mask = np.ones((n,) * dims, dtype=bool)
    for a in range(dims):
        for b in range(a + 1, dims):
            shape_a = [1] * dims
            shape_b = [1] * dims
            shape_a[a] = n
            shape_b[b] = n
            mask &= np.arange(n).reshape(shape_a) != np.arange(n).reshape(shape_b)
    mask.flags.writeable = False
    return mask


def _top_k_block(p: FloatArray, k: int, discounts: Sequence[float]) -> FloatArray:
    """P(top k) for a (G, n) block of equal-size races (zero entries are padding, 2 <= k < n)."""
    g, n = p.shape
    out = p.copy()
    # (G, n, ..., n): P(these runners filled the first places in this order). Entries that
    # repeat a runner are garbage here and zeroed by the masked divide below.
    prefix = p
    for stage in range(2, k + 1):
        depth = stage - 1  # prefix length
        lam = discounts[min(stage - 2, len(discounts) - 1)]
        w = p**lam  # 0 ** lam == 0, so padding is never drawn
        # Mass left after the prefix: (total - w_first) - (w_second + ...), built small first
        # so the full-size tensor costs one pass.
        head = (w.sum(axis=1, keepdims=True) - w).reshape((g, n) + (1,) * (depth - 1))
        rest = np.zeros((g, 1) + (n,) * (depth - 1))
        for axis in range(2, depth + 1):
            shape = [g] + [1] * depth
            shape[axis] = n
            rest = rest + w.reshape(shape)
        distinct = _distinct_mask(n, depth)
        left = _mass_left(w, head - rest, distinct)
        ratio = np.divide(prefix, left, out=np.zeros(left.shape), where=distinct & (left > 0))
        # P(i drawn at this stage) = w_i * sum over prefixes without i of P(prefix) / left.
        with_i = np.zeros((g, n))
        grand = np.zeros(g)
        for axis in range(depth):
            other = tuple(a + 1 for a in range(depth) if a != axis)
            marginal = ratio.sum(axis=other) if other else ratio
            with_i += marginal
            if axis == 0:
                grand = marginal.sum(axis=1)
        out += w * _without(ratio, grand[:, None] - with_i, grand)
        if stage < k:
            prefix = ratio[..., None] * w.reshape((g,) + (1,) * depth + (n,))
    return out


# A difference of sums below this share of its larger term has lost most of its digits (one
# runner holds nearly all the mass): such entries are summed again term by term.
_CANCELLATION = 1e-6


def _mass_left(w: FloatArray, left: FloatArray, distinct: BoolArray) -> FloatArray:
    """left = total w minus the prefix's w, recomputed as a plain sum of the runners outside
    the prefix where the subtraction cancelled (a near-certain runner in the prefix)."""
    g, depth = w.shape[0], left.ndim - 1
    total = w.sum(axis=1).reshape((g,) + (1,) * depth)
    idx = np.nonzero((left <= total * _CANCELLATION) & distinct)
    if idx[0].size:
        rest = w[idx[0]]  # fancy indexing copies
        rows = np.arange(rest.shape[0])
        for runner in idx[1:]:
            rest[rows, runner] = 0.0
        left[idx] = rest.sum(axis=1)
    return left


def _without(ratio: FloatArray, approx: FloatArray, grand: FloatArray) -> FloatArray:
    """Per (race, runner i): the sum of ratio over prefixes that do not contain i, given
    approx = grand - (sum over prefixes containing i); recomputed term by term where that
    difference cancelled (i is the near-certain runner the big prefixes contain)."""
    depth = ratio.ndim - 1
    fragile = np.nonzero(approx <= grand[:, None] * _CANCELLATION)
    for race, runner in zip(*fragile, strict=True):
        r = ratio[race].copy()
        for axis in range(depth):
            index = [slice(None)] * depth
            index[axis] = runner
            r[tuple(index)] = 0.0
        approx[race, runner] = r.sum()
    return approx


def _bucket(n: int, buckets: tuple[int, ...]) -> int:
    for size in buckets:
        if n <= size:
            return size
    return -(-n // 8) * 8


def place_probabilities(
    race_index: ArrayLike,
    p_win: ArrayLike,
    places: ArrayLike,
    discounts: Sequence[float] = DEFAULT_DISCOUNTS,
) -> FloatArray:
    """P(finish in the first ``places[race]``) per runner under discounted Harville.

    ``race_index`` need not be sorted or contiguous. ``places`` is per race; 0 or 1 gives
    P(win); places >= field size gives 1. Inputs are assumed valid (see ``price``).
    """
    ri = np.asarray(race_index, dtype=np.int64)
    p = np.asarray(p_win, dtype=np.float64)
    k_race = np.maximum(np.asarray(places, dtype=np.int64), 1)
    if any(not (np.isfinite(d) and d > 0) for d in discounts) or len(discounts) == 0:
        raise ValueError(f"discounts must be finite and > 0, got {tuple(discounts)}")
    out = p.copy()
    if ri.size == 0:
        return out
    size = np.bincount(ri, minlength=k_race.size)
    k = k_race[ri]
    n = size[ri]
    out[k >= n] = 1.0
    todo = (k >= 2) & (k < n)
    if not todo.any():
        return out
    # Group races by (padded size, k); order runners race by race within each group.
    buckets = _COARSE_BUCKETS if ri.size < _COARSE_BELOW_RUNNERS else _FINE_BUCKETS
    bucket = np.array([_bucket(s, buckets) for s in range(int(size.max()) + 1)], dtype=np.int64)
    race_todo = (k_race >= 2) & (k_race < size)
    too_deep = race_todo & (k_race > MAX_PLACES)
    if too_deep.any():
        race = int(np.flatnonzero(too_deep)[0])
        raise ValueError(
            f"race {race}: places = {int(k_race[race])} with {int(size[race])} runners; at most "
            f"{MAX_PLACES} places are supported (cost grows as n^(places-1))"
        )
    race_key = np.where(race_todo, bucket[size] * (MAX_PLACES + 1) + k_race, -1)
    races = np.argsort(race_key, kind="stable")
    races = races[race_key[races] >= 0]
    rank = np.full(k_race.size, -1, dtype=np.int64)
    rank[races] = np.arange(races.size)
    runners = np.flatnonzero(todo)
    order = runners[np.argsort(rank[ri[runners]], kind="stable")]
    race_of = rank[ri[order]]  # position of each ordered runner's race in ``races``
    first = np.concatenate(([0], np.cumsum(size[races])))
    slot = np.arange(order.size) - first[race_of]
    cuts = np.flatnonzero(np.diff(race_key[races])) + 1
    for lo_race, hi_race in zip(
        np.concatenate(([0], cuts)), np.concatenate((cuts, [races.size])), strict=True
    ):
        lo, hi = first[lo_race], first[hi_race]
        width = int(bucket[size[races[lo_race]]])
        kk = int(k_race[races[lo_race]])
        row = race_of[lo:hi] - lo_race
        block = np.zeros((hi_race - lo_race, width))
        block[row, slot[lo:hi]] = p[order[lo:hi]]
        per_chunk = max(1, _CHUNK_ELEMENTS // width ** (kk - 1))
        result = np.empty_like(block)
        for c in range(0, block.shape[0], per_chunk):
            result[c : c + per_chunk] = _top_k_block(block[c : c + per_chunk], kk, discounts)
        out[order[lo:hi]] = result[row, slot[lo:hi]]
    return out


# --------------------------------------------------------------------------- odds, EV, Kelly


def each_way_place_odds(win_odds: ArrayLike, fraction: ArrayLike) -> FloatArray:
    """Decimal odds of the place part of an each-way bet: 1 + (O - 1) * fraction."""
    o = np.asarray(win_odds, dtype=np.float64)
    return 1.0 + (o - 1.0) * np.asarray(fraction, dtype=np.float64)


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
    c0 = pw * a + q * b - r
    c1 = pw * a * (b - 1.0) + q * b * (a - 1.0) - r * (a + b)
    c2 = -a * b
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
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
    bad_f = each_way & ~((fraction > 0.0) & (fraction <= 1.0))
    if bad_f.any():
        race = int(np.flatnonzero(bad_f)[0])
        raise ValueError(
            f"race {race}: each-way fraction = {fraction[race]!r} must be in (0, 1] when "
            f"places = {int(places[race])}; set places to 0 for a win-only race"
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
    kelly_multiplier: float = 0.25,
    max_stake_fraction: float = 0.02,
    max_race_fraction: float = 0.05,
    discounts: Sequence[float] = DEFAULT_DISCOUNTS,
) -> PricedRunners:
    """Price every runner of many races at once.

    Per runner: ``race_index`` (0..R-1, any order), ``p_win`` (sums to 1 per race) and
    ``best_odds`` (decimal, NaN = none). Per race: ``places`` (0/1 = win only) and each-way
    ``fraction`` (ignored for win-only races). Odds that are not > 1 (or infinite) are reported
    in ``problems`` and priced as missing; bad probabilities or terms raise ValueError.
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
    each_way = (places_r >= 2)[ri]
    place_odds = np.where(each_way, each_way_place_odds(odds, frac_r[ri]), np.nan)

    ev_win = p * odds - 1.0
    ev_each_way = 0.5 * (p * odds - 1.0) + 0.5 * (p_place * place_odds - 1.0)
    k_win = kelly_win(p, odds)
    k_ew = kelly_each_way(p, p_place, odds, place_odds)
    n_races = places_r.size
    stake_win = cap_race_stakes(
        ri, np.minimum(kelly_multiplier * k_win, max_stake_fraction), max_race_fraction, n_races
    )
    stake_ew = cap_race_stakes(
        ri, np.minimum(kelly_multiplier * k_ew, max_stake_fraction), max_race_fraction, n_races
    )
    return PricedRunners(
        p_place=p_place,
        fair_win_odds=1.0 / p,
        fair_place_odds=1.0 / p_place,
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
