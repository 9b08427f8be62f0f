"""Place probabilities of the in-database scorer, vectorised over the runners of many races.

Discounted Harville (Lo & Bacon-Shone): the winner is drawn with probability p_i, the s-th
finisher among those left with probability w_s,i / sum(w_s,left) where w_s = p ** lambda_s.
lambda = 1 everywhere is plain Harville, which overstates a beaten favourite's chance of still
filling a place. Each race's P(top k) is the exact sum over ordered top-(k-1) prefixes, computed
with prefix tensors in O(n^(k-1)) per race, races batched by size. See docs/pricing.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# Exponents for the 2nd, 3rd, ... finisher; later stages reuse the last one.
DEFAULT_DISCOUNTS: tuple[float, ...] = (0.76, 0.62)
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

