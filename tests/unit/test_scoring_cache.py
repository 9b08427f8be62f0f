"""model_cache with a fake plpy: artifact bytes fetched only on a miss, keyed by sha256."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hrdpg_pl import model_cache
from onnx import TensorProto, helper


def artifact(scale: float) -> bytes:
    w = helper.make_tensor("w", TensorProto.DOUBLE, [2, 1], [scale, -scale])
    shape = helper.make_tensor("s", TensorProto.INT64, [1], [-1])
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["features", "w"], ["m"]),
         helper.make_node("Reshape", ["m", "s"], ["log_strength"])], "g",
        [helper.make_tensor_value_info("features", TensorProto.DOUBLE, [None, 2])],
        [helper.make_tensor_value_info("log_strength", TensorProto.DOUBLE, [None])],
        initializer=[w, shape])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9
    return bytes(model.SerializeToString())


class FakePlpy:
    """Answers the two registry queries of model_cache from an in-memory registry."""

    def __init__(self) -> None:
        self.models: dict[int, bytes] = {}
        self.alias: dict[str, int] = {}
        self.artifact_reads = 0

    def prepare(self, query: str, types: list[str]) -> str:
        return query

    def execute(self, plan: str, args: list[Any]) -> list[dict[str, Any]]:
        if "FROM modeling.model_aliases" in plan:
            out = []
            for alias, mid in sorted(self.alias.items()):
                if alias == args[0] or args[1]:
                    out.append({"alias": alias, "model_id": mid, "name": "m", "version": mid,
                                "artifact_sha256": hashlib.sha256(self.models[mid]).hexdigest(),
                                "feature_names": ["a", "b"], "feature_version": "v",
                                "input_name": "features", "output_name": "log_strength",
                                "params": json.dumps({})})
            return sorted(out, key=lambda r: (r["alias"] != args[0], r["alias"]))
        self.artifact_reads += 1
        return [{"artifact": self.models[args[0]]}]


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    model_cache.clear()
    yield
    model_cache.clear()


def test_cache_hit_miss_and_promote() -> None:
    plpy = FakePlpy()
    plpy.models = {1: artifact(1.0), 2: artifact(2.0)}
    plpy.alias = {"production": 1, "staging": 2}
    main, others = model_cache.resolve(plpy, "production", True)
    assert main.model_id == 1 and [o.model_id for o in others] == [2]
    m1, hit = model_cache.load(plpy, main)
    assert not hit and plpy.artifact_reads == 1
    x = np.array([[1.0, 0.5]])
    out = m1.session.run(["log_strength"], {"features": x})[0]
    assert out.tolist() == [0.5]
    again, hit = model_cache.load(plpy, model_cache.resolve(plpy, "production", False)[0])
    assert hit and again is m1 and plpy.artifact_reads == 1
    plpy.alias["production"] = 2  # a promote: the next resolve sees the new model
    main2, _ = model_cache.resolve(plpy, "production", True)
    m2, hit = model_cache.load(plpy, main2)
    assert not hit and main2.model_id == 2 and plpy.artifact_reads == 2
    assert m2.session.run(["log_strength"], {"features": x})[0].tolist() == [1.0]


def test_sha_mismatch_and_missing_alias() -> None:
    plpy = FakePlpy()
    plpy.models = {1: artifact(1.0)}
    plpy.alias = {"production": 1}
    info, _ = model_cache.resolve(plpy, "production", False)
    plpy.models[1] = artifact(3.0)  # bytes changed under the registered hash
    with pytest.raises(ValueError, match="artifact_sha256"):
        model_cache.load(plpy, info)
    with pytest.raises(ValueError, match="does not point"):
        model_cache.resolve(plpy, "staging", False)
