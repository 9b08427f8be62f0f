"""LightGBM booster -> ONNX with exact double thresholds, and the parity gate.

onnxmltools' LightGBM converter writes split thresholds as float32, so a row whose feature lies
between the float32 and the float64 threshold takes the other branch. We rebuild the ensemble
from the booster's own dump as one ai.onnx.ml TreeEnsemble (opset 5) node whose input, splits,
leaf weights and output are all double, then multiply by the calibration temperature: the graph
maps a feature row to a calibrated log-strength; racenorm does the per-race softmax.
"""

from __future__ import annotations

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
        me = len(self.feature)
        self.feature.append(int(node["split_feature"]))
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
