"""explain_ort: the explainer's trees as one onnxruntime regressor give the numpy walk's
contributions, and an ensemble it cannot carry exactly is left to the numpy walk."""

from __future__ import annotations

import json
from typing import cast

import lightgbm as lgb
import numpy as np
import onnx
import pytest
from hrdpg_pl import explain_ort, model_cache
from hrdpg_pl.explain import METADATA_KEY, Explainer, load_explainer

from hrdpg.trainer.onnx_export import booster_to_onnx, run_onnx

F = 7
TEMPERATURE = 0.9
TREES = 120


def rows(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, F))
    x[rng.random(x.shape) < 0.15] = np.nan
    x[:, 5] = rng.integers(0, 3, n)  # never missing in training: LightGBM's missing_type None
    return x


@pytest.fixture(scope="module")
def artifact() -> bytes:
    x = rows(5000, 0)
    y = np.nan_to_num(x[:, 0]) - 0.5 * x[:, 5] + np.nan_to_num(x[:, 1] * x[:, 3])
    y += np.random.default_rng(1).normal(size=y.size)
    booster = lgb.train({"objective": "regression", "verbosity": -1, "num_threads": 1,
                         "num_leaves": 7, "deterministic": True, "min_data_in_leaf": 20},
                        lgb.Dataset(x, y), TREES)
    return booster_to_onnx(booster, F, TEMPERATURE, TREES)


@pytest.fixture(scope="module")
def explainer(artifact: bytes) -> Explainer:
    """As the scorer loads it: the server's session settings, the model's metadata."""
    meta = model_cache.make_session(artifact).get_modelmeta().custom_metadata_map
    return cast(Explainer, load_explainer(dict(meta)))


def test_written_model_is_valid_onnx(explainer: Explainer) -> None:
    blob = explain_ort.model_bytes(explainer)
    assert blob is not None
    model = onnx.load_from_string(blob)
    onnx.checker.check_model(model, full_check=True)
    node = model.graph.node[0]
    assert (node.op_type, node.domain) == ("TreeEnsembleRegressor", "ai.onnx.ml")


def test_matches_the_numpy_walk_and_the_model(artifact: bytes, explainer: Explainer) -> None:
    x = rows(20000, 2)
    x[:50] = np.nan  # every split's NaN branch
    fast = explain_ort.build(explainer, model_cache.make_session)
    assert fast is not None
    got, bias = fast.contributions(x)
    want, want_bias = explainer.contributions(x)
    assert np.max(np.abs(got - want)) <= 1e-10
    assert np.array_equal(bias, want_bias)
    assert np.max(np.abs(got.sum(axis=1) + bias - run_onnx(artifact, x))) <= 1e-9


def single_split(leaf: float) -> Explainer:
    doc = {"format": 1, "method": "saabas", "n_features": 2, "scale": 1.0, "offset": 0.0,
           "tree_nodes": [0, 1], "tree_leaves": [1, 2], "feature": [1], "threshold": [0.25],
           "nan_left": [1], "left": [-1], "right": [-2], "expected": [0.0],
           "leaf_value": [0.3, -leaf, leaf]}
    ex = load_explainer({METADATA_KEY: json.dumps(doc)})
    assert ex is not None
    return ex


def test_single_leaf_tree_and_nan_routing() -> None:
    ex = single_split(0.2)
    fast = explain_ort.build(ex, model_cache.make_session)
    assert fast is not None
    x = np.array([[0.0, np.nan], [0.0, 0.25], [9.0, 0.26]])
    got, _ = fast.contributions(x)
    np.testing.assert_allclose(got, ex.contributions(x)[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got[:, 1], [-0.2, -0.2, 0.2], rtol=0, atol=1e-12)
    assert np.all(got[:, 0] == 0.0)


def test_weights_beyond_exact_float32_are_left_to_numpy() -> None:
    ex = single_split(explain_ort.HI_LIMIT)
    assert explain_ort.build(ex, model_cache.make_session) is None
    loaded = model_cache.LoadedModel(info=None, session=None,  # type: ignore[arg-type]
                                     input_float32=False, explainer=ex)
    assert loaded.explainer_for(explain_ort.MIN_ROWS) is ex
    assert loaded.explainer_for(explain_ort.MIN_ROWS - 1) is ex


def test_big_batches_get_the_compiled_explainer(explainer: Explainer) -> None:
    loaded = model_cache.LoadedModel(info=None, session=None,  # type: ignore[arg-type]
                                     input_float32=False, explainer=explainer)
    assert loaded.explainer_for(explain_ort.MIN_ROWS - 1) is explainer
    fast = loaded.explainer_for(explain_ort.MIN_ROWS)
    assert isinstance(fast, explain_ort.OrtExplainer)
    assert loaded.explainer_for(10 * explain_ort.MIN_ROWS) is fast  # built once
