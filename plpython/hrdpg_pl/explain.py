"""Per-runner reasons: exact per-feature contributions of a tree-ensemble model's log-strength.

Pure numpy, runs inside PostgreSQL (PL/Python) next to onnxruntime. The trainer writes the
trees of the exported model as JSON into the ONNX metadata (key ``hrdpg.explainer``, see
hrdpg.trainer.onnx_export); ``load_explainer`` takes onnxruntime's
``session.get_modelmeta().custom_metadata_map``.

Attribution is Saabas' path attribution: in every tree a row walks from the root to a leaf and
each split it passes credits (expected value of the child taken - expected value of the node)
to the split's feature; a node's expected value is the training-cover-weighted mean of the
leaf values below it. Per tree the credits telescope to (leaf value - root expected value), so

    contributions.sum(axis=1) + bias == log_strength          (up to float rounding)

with bias = offset + scale * (sum of the roots' expected values), the same for every row.
Routing is the graph's: left iff x <= threshold, NaN goes left iff the node's nan_left flag.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
IDX = npt.NDArray[np.intp]

METADATA_KEY = "hrdpg.explainer"
FORMAT = 1
# (row, tree) pairs walked together: bounds memory for big batches, and keeps the walk's
# arrays (a few of 2^15 int64/float64) in L2 cache: 2^18 measured ~2x slower on 4k rows.
CHUNK_ENTRIES = 1 << 15
COMPACT_BELOW = 0.6  # drop finished walks once fewer than this share are still in a tree


@dataclass(frozen=True)
class _Tree:
    """One tree; child code c >= 0 is internal node c, c < 0 is leaf -c - 1; root is node 0
    (or leaf 0 for a tree without splits)."""

    feature: IDX
    threshold: F64
    nan_left: npt.NDArray[np.bool_]
    left: IDX
    right: IDX
    expected: F64
    leaf_value: F64

    @property
    def root_value(self) -> float:
        return float(self.expected[0] if self.feature.size else self.leaf_value[0])


class Explainer:
    """Saabas contributions for the model described by one ``hrdpg.explainer`` document."""

    def __init__(self, trees: Sequence[_Tree], n_features: int, scale: float,
                 offset: float) -> None:
        self.trees = tuple(trees)
        self.n_features = n_features
        self.scale = scale
        self.offset = offset
        self._compile()

    @property
    def n_trees(self) -> int:
        return len(self.trees)

    def select_trees(self, indices: Sequence[int]) -> Explainer:
        """An explainer of the sum of some trees only (same scale, no offset)."""
        return Explainer([self.trees[i] for i in indices], self.n_features, self.scale, 0.0)

    def _compile(self) -> None:
        """Edge-indexed arrays over the internal nodes of all trees, for the level-by-level walk.

        A walk state is 2 * (global node index); edge = state + went_right indexes the split's
        column and threshold (stored twice), the child's state and the credit of the edge. A
        leaf is the absorbing state ``_done`` (credit 0, threshold +inf). Splits read a widened
        row [x with NaN -> -inf | x with NaN -> +inf]: a node whose NaN goes left reads the
        first half (-inf <= any finite threshold), the others the second (+inf > any finite
        threshold), so the walk needs no NaN test.
        """
        # One pass over all trees' concatenated arrays (a per-tree loop cost ~15 ms of a cold
        # backend's first call for 300 trees).
        f = self.n_features
        trees = self.trees
        k = np.array([t.feature.size for t in trees], dtype=np.intp)
        nl = np.array([t.leaf_value.size for t in trees], dtype=np.intp)
        node_start = np.cumsum(k) - k
        leaf_start = np.cumsum(nl) - nl
        done = 2 * int(k.sum())

        def cat(name: str, dtype: type) -> npt.NDArray[Any]:
            parts = [getattr(t, name) for t in trees]
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

        feature, nan_left = cat("feature", np.intp), cat("nan_left", bool)
        expected, leaf_value = cat("expected", np.float64), cat("leaf_value", np.float64)
        kids = np.stack([cat("left", np.intp), cat("right", np.intp)], axis=1).reshape(-1)
        n_off = np.repeat(np.repeat(node_start, k), 2)  # per edge: its tree's first node
        l_off = np.repeat(np.repeat(leaf_start, k), 2)  # ... and first leaf
        value = np.where(kids >= 0, expected[np.maximum(kids, 0) + n_off] if kids.size else 0.0,
                         leaf_value[np.maximum(-kids - 1, 0) + l_off] if kids.size else 0.0)
        self._done = done
        self._feat2: IDX = np.concatenate(
            [np.repeat(feature + np.where(nan_left, 0, f), 2), np.zeros(2, dtype=np.intp)]
        ).astype(np.intp)
        self._thr: F64 = np.concatenate(
            [np.repeat(cat("threshold", np.float64), 2), np.full(2, np.inf)])
        self._child: IDX = np.concatenate(
            [np.where(kids >= 0, 2 * (kids + n_off), done), np.full(2, done)]).astype(np.intp)
        self._delta: F64 = np.concatenate(
            [value - np.repeat(expected, 2), np.zeros(2)]).astype(np.float64)
        self._roots: IDX = (2 * node_start[k > 0]).astype(np.intp)
        self._bias_raw = float(sum(t.root_value for t in trees))

    def bias(self) -> float:
        """The log-strength of a row on which no split is credited (same for every row)."""
        return self.offset + self.scale * self._bias_raw

    def contributions(self, x: npt.ArrayLike) -> tuple[F64, F64]:
        """(contributions [N, F], bias [N]) in log-strength units, vectorised over rows."""
        xa = np.asarray(x, dtype=np.float64)
        if xa.ndim != 2 or xa.shape[1] != self.n_features:
            raise ValueError(f"expected rows of {self.n_features} features, got shape "
                             f"{list(xa.shape)}")
        n, f = xa.shape
        out = np.zeros((n, f), dtype=np.float64)
        n_roots = max(int(self._roots.size), 1)
        step = max(1, CHUNK_ENTRIES // n_roots)
        for lo in range(0, n, step):
            out[lo:lo + step] = self._chunk(xa[lo:lo + step])
        return out, np.full(n, self.bias(), dtype=np.float64)

    def _chunk(self, x: F64) -> F64:
        n, f = x.shape
        if self._roots.size == 0 or n == 0:
            return np.zeros((n, f), dtype=np.float64)
        w = 2 * f
        nan = np.isnan(x)
        wide = np.empty((n, w), dtype=np.float64)
        np.copyto(wide[:, :f], np.where(nan, -np.inf, x))
        np.copyto(wide[:, f:], np.where(nan, np.inf, x))
        flat = wide.reshape(-1)
        acc = np.zeros(n * w, dtype=np.float64)
        state = np.tile(self._roots, n)
        base = np.repeat(np.arange(n, dtype=np.intp) * w, self._roots.size)
        while state.size:
            col = base + np.take(self._feat2, state)
            edge = state + (np.take(flat, col) > np.take(self._thr, state))
            acc += np.bincount(col, weights=np.take(self._delta, edge), minlength=n * w)
            state = np.take(self._child, edge)
            live = state != self._done
            if np.count_nonzero(live) < COMPACT_BELOW * state.size:
                state, base = state[live], base[live]
        both = acc.reshape(n, w)
        return np.asarray((both[:, :f] + both[:, f:]) * self.scale, dtype=np.float64)


def _array(doc: dict[str, Any], key: str, dtype: type, n: int) -> Any:
    raw = doc.get(key)
    if not isinstance(raw, list) or len(raw) != n:
        got = f"length {len(raw)}" if isinstance(raw, list) else type(raw).__name__
        raise ValueError(f"{METADATA_KEY}: {key!r} must be a list of {n} numbers, got {got}")
    try:
        arr: npt.NDArray[Any] = np.asarray(raw, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{METADATA_KEY}: {key!r} holds a non-number ({exc})") from None
    if arr.ndim != 1 or (arr.dtype.kind == "f" and not np.all(np.isfinite(arr))):
        raise ValueError(f"{METADATA_KEY}: {key!r} must hold finite numbers")
    if dtype is np.intp and not all(type(v) is int for v in raw):
        raise ValueError(f"{METADATA_KEY}: {key!r} must hold integers")
    return arr


def _number(doc: dict[str, Any], key: str, default: float | None) -> float:
    v = doc.get(key, default)
    if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
        raise ValueError(f"{METADATA_KEY}: {key} must be a finite number")
    return float(v)


def _check_tree(i: int, k: int, n_leaves: int, left: list[int], right: list[int]) -> None:
    """A proper binary tree: from the root every internal node and leaf is reached once."""
    if n_leaves != k + 1:
        raise ValueError(f"{METADATA_KEY}: tree {i} has {k} splits but {n_leaves} leaves")
    if k == 0:
        return
    seen_node, seen_leaf = [False] * k, [False] * n_leaves
    seen_node[0] = True
    stack = [0]
    while stack:
        j = stack.pop()
        for c in (left[j], right[j]):
            if c >= k or c < -n_leaves:
                raise ValueError(f"{METADATA_KEY}: tree {i} node {j} has child {c} out of range")
            seen = seen_node if c >= 0 else seen_leaf
            slot = c if c >= 0 else -c - 1
            if seen[slot]:
                raise ValueError(f"{METADATA_KEY}: tree {i} is not a tree (node {c} reached "
                                 "twice)")
            seen[slot] = True
            if c >= 0:
                stack.append(c)
    if not (all(seen_node) and all(seen_leaf)):
        raise ValueError(f"{METADATA_KEY}: tree {i} has unreachable nodes")


def _all_trees(nodes: IDX, leaves: IDX, left: IDX, right: IDX) -> bool:
    """_check_tree for every tree at once (numpy; the per-tree walk cost ~9 ms a cold load):
    leaves = splits + 1, children in range, every non-root node and every leaf the child of
    exactly one split, and every split reached from its root (so no detached cycles)."""
    if np.any(leaves != nodes + 1):
        return False
    m, n_leaf = int(nodes.sum()), int(leaves.sum())
    if m == 0:
        return True
    tree = np.repeat(np.arange(nodes.size), nodes)
    node_start, leaf_start = np.cumsum(nodes) - nodes, np.cumsum(leaves) - leaves
    kids = np.concatenate([left, right])
    k, nl, t2 = nodes[tree], leaves[tree], np.concatenate([tree, tree])
    if np.any((kids >= np.concatenate([k, k])) | (kids < -np.concatenate([nl, nl]))):
        return False
    inner = kids >= 0
    node_refs = np.bincount(kids[inner] + node_start[t2[inner]], minlength=m)
    leaf_refs = np.bincount(-kids[~inner] - 1 + leaf_start[t2[~inner]], minlength=n_leaf)
    is_root = np.zeros(m, dtype=bool)
    is_root[node_start[nodes > 0]] = True
    # (the one leaf of a tree without splits is nobody's child)
    if (np.any(node_refs != np.where(is_root, 0, 1))
            or np.any(leaf_refs != np.repeat(nodes > 0, leaves))):
        return False
    # One parent each: a walk from the roots visits every split at most once.
    seen = is_root.copy()
    frontier = np.flatnonzero(is_root)
    while frontier.size:
        ch = np.concatenate([left[frontier], right[frontier]])
        base = np.concatenate([node_start[tree[frontier]]] * 2)
        frontier = (ch + base)[ch >= 0]
        seen[frontier] = True
    return bool(seen.all())


def parse_explainer(text: str) -> Explainer:
    """Explainer from the JSON document; ValueError naming the problem if malformed."""
    try:
        doc = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{METADATA_KEY} metadata is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{METADATA_KEY} metadata must be a JSON object")
    if doc.get("format") != FORMAT:
        raise ValueError(f"{METADATA_KEY}: unsupported format {doc.get('format')!r} "
                         f"(this server reads format {FORMAT})")
    if doc.get("method", "saabas") != "saabas":
        raise ValueError(f"{METADATA_KEY}: unsupported method {doc.get('method')!r}")
    n_features = doc.get("n_features")
    if type(n_features) is not int or n_features < 1:
        raise ValueError(f"{METADATA_KEY}: n_features must be a positive integer")
    scale, offset = _number(doc, "scale", None), _number(doc, "offset", 0.0)
    sizes = doc.get("tree_nodes")
    n_trees = len(sizes) if isinstance(sizes, list) else -1
    if n_trees < 0:
        raise ValueError(f"{METADATA_KEY}: tree_nodes must be a list")
    nodes = _array(doc, "tree_nodes", np.intp, n_trees)
    leaves = _array(doc, "tree_leaves", np.intp, n_trees)
    if np.any(nodes < 0) or np.any(leaves < 1):
        raise ValueError(f"{METADATA_KEY}: negative node or leaf counts")
    m, n_leaf = int(nodes.sum()), int(leaves.sum())
    feature = _array(doc, "feature", np.intp, m)
    threshold = _array(doc, "threshold", np.float64, m)
    nan_left = _array(doc, "nan_left", np.intp, m)
    left = _array(doc, "left", np.intp, m)
    right = _array(doc, "right", np.intp, m)
    expected = _array(doc, "expected", np.float64, m)
    leaf_value = _array(doc, "leaf_value", np.float64, n_leaf)
    if np.any((feature < 0) | (feature >= n_features)):
        raise ValueError(f"{METADATA_KEY}: a split feature is outside 0..{n_features - 1}")
    if np.any((nan_left != 0) & (nan_left != 1)):
        raise ValueError(f"{METADATA_KEY}: nan_left must be 0 or 1")
    if not _all_trees(nodes, leaves, left, right):
        a = 0  # find the bad tree and say what is wrong with it
        for i, (k, nl) in enumerate(zip(nodes.tolist(), leaves.tolist(), strict=True)):
            _check_tree(i, k, nl, left[a:a + k].tolist(), right[a:a + k].tolist())
            a += k
        raise ValueError(f"{METADATA_KEY}: malformed trees")
    trees = []
    a = b = 0
    for k, nl in zip(nodes.tolist(), leaves.tolist(), strict=True):
        trees.append(_Tree(feature[a:a + k], threshold[a:a + k], nan_left[a:a + k] == 1,
                           left[a:a + k], right[a:a + k], expected[a:a + k],
                           leaf_value[b:b + nl]))
        a, b = a + k, b + nl
    return Explainer(trees, n_features, scale, offset)


def load_explainer(custom_metadata: dict[str, str]) -> Explainer | None:
    """From onnxruntime's ``get_modelmeta().custom_metadata_map``; None if the model carries
    no explainer, ValueError if it carries a malformed one."""
    text = custom_metadata.get(METADATA_KEY)
    if text is None:
        return None
    return parse_explainer(text)


def _top(contributions: npt.ArrayLike, feature_names: Sequence[str], x: npt.ArrayLike,
         k: int) -> tuple[F64, F64, IDX]:
    """(contributions, values, per row the column order of its top k by |contribution|)."""
    c = np.asarray(contributions, dtype=np.float64)
    xa = np.asarray(x, dtype=np.float64)
    if c.ndim != 2 or c.shape != xa.shape or c.shape[1] != len(feature_names):
        raise ValueError(f"contributions {list(c.shape)}, values {list(xa.shape)} and "
                         f"{len(feature_names)} feature names do not match")
    if k < 0:
        raise ValueError("k must be >= 0")
    kk = min(k, c.shape[1])
    return c, xa, np.argsort(-np.abs(c), axis=1, kind="stable")[:, :kk]


def top_reasons(
    contributions: npt.ArrayLike, feature_names: Sequence[str], x: npt.ArrayLike, k: int = 5
) -> list[list[dict[str, object]]]:
    """Per row the k features with the largest |contribution|, largest first (ties: feature
    order), as {"feature", "value" (None if NaN), "contribution" (6 dp)}."""
    c, xa, order = _top(contributions, feature_names, x, k)
    top_c = np.take_along_axis(c, order, axis=1).tolist()
    top_x = np.take_along_axis(xa, order, axis=1).tolist()
    names = list(feature_names)
    return [
        [{"feature": names[j], "value": v if v == v else None, "contribution": round(cv, 6)}
         for j, v, cv in zip(idx, vals, cons, strict=True)]
        for idx, vals, cons in zip(order.tolist(), top_x, top_c, strict=True)
    ]


_ENTRY = '{"feature": %s, "value": %s, "contribution": %s}'


def _json_numbers(values: list[float], finite: npt.NDArray[np.bool_]) -> list[str]:
    """json.dumps of each float (repr), null where not finite."""
    out = list(map(float.__repr__, values))
    for i in np.flatnonzero(~finite).tolist():
        out[i] = "null"
    return out


def reasons_json(
    contributions: npt.ArrayLike, feature_names: Sequence[str], x: npt.ArrayLike, k: int = 5
) -> list[str]:
    """Per row the JSON text of top_reasons with non-finite numbers as null, exactly what
    json.dumps writes for it, built with one string template per row: a backfill writes a
    million of these, and dicts plus json.dumps per row cost several times more."""
    c, xa, order = _top(contributions, feature_names, x, k)
    n, kk = order.shape
    if kk == 0:
        return ["[]"] * n
    vals = np.take_along_axis(xa, order, axis=1).reshape(-1)
    # Python's round (correctly rounded), as top_reasons; numpy's round can differ in the
    # last digit.
    cons = list(map(round, np.take_along_axis(c, order, axis=1).reshape(-1).tolist(),
                    itertools.repeat(6)))
    parts = np.empty((n, kk, 3), dtype=object)
    parts[:, :, 0] = np.array([json.dumps(name) for name in feature_names], dtype=object)[order]
    parts[:, :, 1] = np.array(_json_numbers(vals.tolist(), np.isfinite(vals)),
                              dtype=object).reshape(n, kk)
    parts[:, :, 2] = np.array(_json_numbers(cons, np.isfinite(np.asarray(cons))),
                              dtype=object).reshape(n, kk)
    template = "[" + ", ".join([_ENTRY] * kk) + "]"
    return [template % tuple(row) for row in parts.reshape(n, 3 * kk).tolist()]
