"""PL/Python inside the server sees numpy and onnxruntime from the server venv, and runs ONNX."""

from __future__ import annotations

import importlib.metadata

import numpy as np
import onnx
import psycopg
from onnx import TensorProto, helper


def tiny_affine_model() -> bytes:
    """y = x @ W + b, built with the onnx helpers so the test owns the expected answer."""
    weights = np.array([[0.5], [-2.0], [1.25]], dtype=np.float32)
    bias = np.array([0.1], dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["xw"]),
         helper.make_node("Add", ["xw", "b"], ["y"])],
        "affine",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 1])],
        initializer=[helper.make_tensor("W", TensorProto.FLOAT, [3, 1], weights.ravel()),
                     helper.make_tensor("b", TensorProto.FLOAT, [1], bias)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def test_engine_info_reports_server_libraries(conn: psycopg.Connection) -> None:
    info = conn.execute("SELECT modeling.engine_info()").fetchone()[0]
    assert info["python_executable"] == "/usr/bin/python3"
    assert info["numpy"] == importlib.metadata.version("numpy")
    assert info["onnxruntime"] == importlib.metadata.version("onnxruntime")
    assert info["openblas_num_threads"] == "1"
    assert "server-venv" in info["hrdpg_pl_path"]


def test_onnxruntime_runs_inside_the_server(conn: psycopg.Connection) -> None:
    conn.execute(
        """CREATE FUNCTION pg_temp.run_onnx(model bytea, xs float8[]) RETURNS float8[]
           LANGUAGE plpython3u AS $$
import numpy as np
import onnxruntime as ort
opts = ort.SessionOptions()
opts.intra_op_num_threads = 1
opts.inter_op_num_threads = 1
session = ort.InferenceSession(bytes(model), opts, providers=["CPUExecutionProvider"])
x = np.asarray(xs, dtype=np.float32).reshape(-1, 3)
return session.run(None, {"x": x})[0].ravel().astype(float).tolist()
$$""")
    rows = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]])
    got = conn.execute("SELECT pg_temp.run_onnx(%s, %s)",
                       (tiny_affine_model(), rows.ravel().tolist())).fetchone()[0]
    expected = rows @ np.array([0.5, -2.0, 1.25]) + 0.1
    np.testing.assert_allclose(got, expected, rtol=1e-6)
