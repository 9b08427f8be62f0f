"""LightGBM booster -> ONNX with exact double thresholds, and the parity gate.

onnxmltools' LightGBM converter writes split thresholds as float32, so a row whose feature lies
between the float32 and the float64 threshold takes the other branch. We rebuild the ensemble
from the booster's own dump as one ai.onnx.ml TreeEnsemble (opset 5) node whose input, splits,
leaf weights and output are all double, then multiply by the calibration temperature: the graph
maps a feature row to a calibrated log-strength; racenorm does the per-race softmax.

The same trees, with each node's cover-weighted expected value, are also written as compact
JSON to the model's metadata (key ``hrdpg.explainer``) for hrdpg_pl.explain, which computes
per-feature contributions in the database without lightgbm or the onnx package.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper

INPUT_NAME = "features"
OUTPUT_NAME = "log_strength"
ML_OPSET = 5
BRANCH_LEQ = 0
EXPLAINER_KEY = "hrdpg.explainer"
EXPLAINER_FORMAT = 1


def _split_rule(node: dict[str, Any]) -> tuple[int, float, bool]:
    """(feature, threshold, NaN goes left) of a LightGBM split: go left iff x <= threshold,
    NaN follows the flag. The ONNX graph and the explainer metadata both use this."""
    if node.get("decision_type", "<=") != "<=":
        raise ValueError("categorical splits are not supported by the exporter")
    missing = node.get("missing_type", "None")
    thr = float(node["threshold"])
    if missing == "NaN":
        nan_left = bool(node["default_left"])
    elif missing == "None":
        nan_left = thr >= 0.0  # LightGBM maps NaN to 0 for such features
    else:
        raise ValueError(f"missing_type {missing!r} is not supported (zero_as_missing?)")
    return int(node["split_feature"]), thr, nan_left


@dataclass
class _Nodes:
    """Flat node arrays of a TreeEnsemble; a child is a node index or a leaf index."""

    feature: list[int] = field(default_factory=list)
    split: list[float] = field(default_factory=list)
    missing_true: list[int] = field(default_factory=list)
    true_id: list[int] = field(default_factory=list)
    true_leaf: list[int] = field(default_factory=list)
    false_id: list[int] = field(default_factory=list)
    false_leaf: list[int] = field(default_factory=list)
    leaf_weight: list[float] = field(default_factory=list)

    def leaf(self, value: float) -> int:
        self.leaf_weight.append(float(value))
        return len(self.leaf_weight) - 1

    def add(self, node: dict[str, Any]) -> int:
        """Append a split (depth first); returns its node index."""
        feature, thr, nan_left = _split_rule(node)
        me = len(self.feature)
        self.feature.append(feature)
        self.split.append(thr)
        self.missing_true.append(int(nan_left))
        for lst in (self.true_id, self.true_leaf, self.false_id, self.false_leaf):
            lst.append(0)
        for side, ids, leafs in (("left_child", self.true_id, self.true_leaf),
                                 ("right_child", self.false_id, self.false_leaf)):
            child = node[side]
            if "leaf_value" in child:
                ids[me], leafs[me] = self.leaf(child["leaf_value"]), 1
            else:
                ids[me], leafs[me] = self.add(child), 0
        return me

    def root(self, tree: dict[str, Any]) -> int:
        if "leaf_value" in tree:
            # A single-leaf tree: a dummy split whose both branches reach the leaf.
            me = len(self.feature)
            leaf = self.leaf(tree["leaf_value"])
            self.feature.append(0)
            self.split.append(0.0)
            self.missing_true.append(1)
            self.true_id.append(leaf)
            self.false_id.append(leaf)
            self.true_leaf.append(1)
            self.false_leaf.append(1)
            return me
        return self.add(tree)


@dataclass
class _Explained:
    """Trees for hrdpg_pl.explain, columnar over all trees. Per tree, internal nodes are
    numbered 0.. depth first from the root and leaves 0..; a child c >= 0 is internal node c,
    c < 0 is leaf -c - 1. ``expected`` is the cover-weighted mean of the leaf values below an
    internal node (LightGBM's training counts), the reference of a path attribution."""

    tree_nodes: list[int] = field(default_factory=list)
    tree_leaves: list[int] = field(default_factory=list)
    feature: list[int] = field(default_factory=list)
    threshold: list[float] = field(default_factory=list)
    nan_left: list[int] = field(default_factory=list)
    left: list[int] = field(default_factory=list)
    right: list[int] = field(default_factory=list)
    expected: list[float] = field(default_factory=list)
    leaf_value: list[float] = field(default_factory=list)

    def tree(self, root: dict[str, Any]) -> None:
        n0, l0 = len(self.feature), len(self.leaf_value)

        def walk(node: dict[str, Any]) -> tuple[int, float, float]:
            """(child code, expected value, cover) of a subtree."""
            if "leaf_value" in node:
                self.leaf_value.append(float(node["leaf_value"]))
                return (-(len(self.leaf_value) - l0), float(node["leaf_value"]),
                        float(node.get("leaf_count", 0)))
            feature, thr, nan_left = _split_rule(node)
            me = len(self.feature)
            self.feature.append(feature)
            self.threshold.append(thr)
            self.nan_left.append(int(nan_left))
            for lst in (self.left, self.right, self.expected):
                lst.append(0)
            lc, le, ln = walk(node["left_child"])
            rc, re_, rn = walk(node["right_child"])
            # Counts are exact integers; internal_value is printed with 6 digits and is the
            # regularised node output, not the mean of the leaves, so it is only a fallback.
            cover = ln + rn
            ev = (ln * le + rn * re_) / cover if cover > 0 else float(node["internal_value"])
            self.left[me], self.right[me], self.expected[me] = lc, rc, ev
            return me - n0, ev, cover

        walk(root)
        self.tree_nodes.append(len(self.feature) - n0)
        self.tree_leaves.append(len(self.leaf_value) - l0)


def explainer_metadata(
    dump: dict[str, Any], n_features: int, scale: float, offset: float = 0.0
) -> str:
    """JSON for ``hrdpg.explainer``: trees plus log_strength = offset + scale * sum(leaves).

    Floats are written with repr (shortest round-trip), so thresholds and leaf values are
    bit-identical to the ONNX graph's doubles."""
    ex = _Explained()
    for t in dump["tree_info"]:
        ex.tree(t["tree_structure"])
    doc = {
        "format": EXPLAINER_FORMAT,
        "method": "saabas",
        "decision": "left iff x <= threshold; NaN goes left iff nan_left",
        "n_features": int(n_features),
        "scale": float(scale),
        "offset": float(offset),
        "tree_nodes": ex.tree_nodes, "tree_leaves": ex.tree_leaves,
        "feature": ex.feature, "threshold": ex.threshold, "nan_left": ex.nan_left,
        "left": ex.left, "right": ex.right, "expected": ex.expected,
        "leaf_value": ex.leaf_value,
    }
    return json.dumps(doc, separators=(",", ":"), allow_nan=False)


def _f64(name: str, values: list[float]) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=np.float64), name)


def booster_to_onnx(
    booster: lgb.Booster, n_features: int, temperature: float, num_iteration: int
) -> bytes:
    """Serialized ONNX model: double[N, n_features] -> double[N] calibrated log-strength."""
    dump = booster.dump_model(num_iteration=num_iteration)
    if dump["num_class"] != 1:
        raise ValueError("only single-output boosters can be exported")
    nodes = _Nodes()
    roots = [nodes.root(t["tree_structure"]) for t in dump["tree_info"]]
    n_nodes = len(nodes.feature)
    tree = helper.make_node(
        "TreeEnsemble", [INPUT_NAME], ["raw"], domain="ai.onnx.ml",
        aggregate_function=1,  # SUM
        post_transform=0,
        n_targets=1,
        tree_roots=roots,
        nodes_featureids=nodes.feature,
        nodes_splits=_f64("nodes_splits", nodes.split),
        nodes_modes=numpy_helper.from_array(
            np.full(n_nodes, BRANCH_LEQ, dtype=np.uint8), "nodes_modes"),
        nodes_missing_value_tracks_true=nodes.missing_true,
        nodes_truenodeids=nodes.true_id,
        nodes_trueleafs=nodes.true_leaf,
        nodes_falsenodeids=nodes.false_id,
        nodes_falseleafs=nodes.false_leaf,
        leaf_targetids=[0] * len(nodes.leaf_weight),
        leaf_weights=_f64("leaf_weights", nodes.leaf_weight),
    )
    temp = numpy_helper.from_array(np.array([temperature], dtype=np.float64), "temperature")
    flat = numpy_helper.from_array(np.array([-1], dtype=np.int64), "flat")
    graph = helper.make_graph(
        [tree,
         helper.make_node("Mul", ["raw", "temperature"], ["scaled"]),
         helper.make_node("Reshape", ["scaled", "flat"], [OUTPUT_NAME])],
        "hrdpg_lightgbm",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.DOUBLE, [None, n_features])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.DOUBLE, [None])],
        initializer=[temp, flat],
    )
    model = helper.make_model(
        graph, producer_name="hrdpg",
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", ML_OPSET)])
    model.ir_version = 9
    helper.set_model_props(
        model, {EXPLAINER_KEY: explainer_metadata(dump, n_features, temperature)})
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


def run_onnx(artifact: bytes, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Log-strengths from onnxruntime, single-threaded like the server."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(artifact, opts, providers=["CPUExecutionProvider"])
    out = sess.run([OUTPUT_NAME], {INPUT_NAME: np.ascontiguousarray(x, dtype=np.float64)})[0]
    return np.asarray(out, dtype=np.float64).reshape(-1)
