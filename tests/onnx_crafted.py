"""Hostile ONNX artifacts, built the way an attacker with the trainer role would build them
(no tests here): each is a well-formed model with the engine's input and output names that
onnxruntime would load, and each breaks one rule of hrdpg_pl.onnx_guard."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from hrdpg.trainer.onnx_export import INPUT_NAME, OUTPUT_NAME


def _model(nodes: list[onnx.NodeProto], width: int, initializers: list[onnx.TensorProto],
           functions: list[onnx.FunctionProto] | None = None) -> bytes:
    graph = helper.make_graph(
        nodes, "crafted",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.DOUBLE, [None, width])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.DOUBLE, [None])],
        initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              functions=functions or [])
    model.ir_version = 8
    return model.SerializeToString()


def linear(width: int) -> list[onnx.NodeProto]:
    return [helper.make_node("MatMul", [INPUT_NAME, "w"], ["s"]),
            helper.make_node("Reshape", ["s", "flat"], [OUTPUT_NAME])]


def flat() -> onnx.TensorProto:
    return numpy_helper.from_array(np.array([-1], dtype=np.int64), "flat")


def plain_linear(width: int) -> bytes:
    """A harmless linear model: the control that every guard lets through."""
    w = numpy_helper.from_array(np.ones((width, 1)), "w")
    return _model(linear(width), width, [w, flat()])


def external_weights(width: int, location: str) -> bytes:
    """The weights 'live' in a file next to the server's working directory (PGDATA)."""
    w = TensorProto(name="w", data_type=TensorProto.DOUBLE, dims=[width, 1])
    w.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", str(8 * width))):
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    return _model(linear(width), width, [w, flat()])


def endless_loop(width: int) -> bytes:
    """A Loop with a huge trip count around the linear model: unstoppable once it runs."""
    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]),
         helper.make_node("Identity", ["acc_in"], ["acc_out"])], "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("acc_in", TensorProto.DOUBLE, None)],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("acc_out", TensorProto.DOUBLE, None)])
    trips = numpy_helper.from_array(np.array(2**62, dtype=np.int64), "trips")
    cond = numpy_helper.from_array(np.array(True), "cond")
    w = numpy_helper.from_array(np.ones((width, 1)), "w")
    nodes = [helper.make_node("MatMul", [INPUT_NAME, "w"], ["s"]),
             helper.make_node("Loop", ["trips", "cond", "s"], ["looped"], body=body),
             helper.make_node("Reshape", ["looped", "flat"], [OUTPUT_NAME])]
    return _model(nodes, width, [w, trips, cond, flat()])


def oversized(width: int, megabytes: int) -> bytes:
    """A valid model carrying a dead initializer of ``megabytes`` MB."""
    w = numpy_helper.from_array(np.ones((width, 1)), "w")
    ballast = numpy_helper.from_array(np.zeros(megabytes * 131072), "ballast")
    return _model(linear(width), width, [w, flat(), ballast])


def local_function(width: int) -> bytes:
    """The linear model with its MatMul hidden in a model-local function."""
    fn = helper.make_function("evil.local", "Dot", ["a", "b"], ["c"],
                              [helper.make_node("MatMul", ["a", "b"], ["c"])],
                              [helper.make_opsetid("", 17)])
    w = numpy_helper.from_array(np.ones((width, 1)), "w")
    nodes = [helper.make_node("Dot", [INPUT_NAME, "w"], ["s"], domain="evil.local"),
             helper.make_node("Reshape", ["s", "flat"], [OUTPUT_NAME])]
    return _model(nodes, width, [w, flat()], functions=[fn])
