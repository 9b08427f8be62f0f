"""hrdpg_pl.explain: Saabas contributions from the ONNX metadata are exact and faithful."""

from __future__ import annotations

import json
import math
from typing import Any

import lightgbm as lgb
import numpy as np
import onnxruntime as ort
import pytest
from hrdpg_pl.explain import (
    METADATA_KEY,
    Explainer,
    _all_trees,
    _check_tree,
    load_explainer,
    parse_explainer,
    reasons_json,
    top_reasons,
)

from hrdpg.trainer.onnx_export import booster_to_onnx, explainer_metadata, run_onnx

F = 6
CONST = 5  # a constant column: never split on
TEMPERATURE = 0.8


def make_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, F))
    x[rng.random(x.shape) < 0.2] = np.nan
    x[:, 4] = rng.integers(0, 4, n)  # never missing in training: missing_type None
    x[:, CONST] = 1.0
    y = (np.nan_to_num(x[:, 0]) + 0.3 * x[:, 4] + np.nan_to_num(x[:, 1] * x[:, 2])
         + rng.normal(size=n))
    return x, y


@pytest.fixture(scope="module")
def booster() -> lgb.Booster:
    x, y = make_data(4000, 0)
    return lgb.train({"objective": "regression", "verbosity": -1, "num_threads": 1,
                      "num_leaves": 15, "deterministic": True, "min_data_in_leaf": 20},
                     lgb.Dataset(x, y), 40)


@pytest.fixture(scope="module")
def artifact(booster: lgb.Booster) -> bytes:
    return booster_to_onnx(booster, F, TEMPERATURE, 40)


@pytest.fixture(scope="module")
def explainer(artifact: bytes) -> Explainer:
    sess = ort.InferenceSession(artifact, providers=["CPUExecutionProvider"])
    ex = load_explainer(sess.get_modelmeta().custom_metadata_map)
    assert ex is not None
    return ex


def splits(node: dict[str, Any], out: list[tuple[int, float]]) -> None:
    if "threshold" in node:
        out.append((node["split_feature"], node["threshold"]))
        splits(node["left_child"], out)
        splits(node["right_child"], out)


def probe_rows(booster: lgb.Booster, seed: int) -> np.ndarray:
    """Random rows with NaNs plus rows exactly on, just above and just below every threshold."""
    found: list[tuple[int, float]] = []
    for t in booster.dump_model()["tree_info"]:
        splits(t["tree_structure"], found)
    rng = np.random.default_rng(seed)
    rows = []
    for f, v in found:
        for val in (v, np.nextafter(v, np.inf), np.nextafter(v, -np.inf)):
            r = rng.normal(size=F)
            r[f] = val
            rows.append(r)
    x = np.vstack([np.array(rows), make_data(500, seed)[0]])
    x[::7, 4] = np.nan  # NaN in a feature that had none in training
    x[::5, 1] = np.nan
    x[::11] = np.nan  # whole rows missing
    x[3::13, 0] = np.inf
    x[4::13, 2] = -np.inf
    return x


# --- an independent, deliberately naive reference on LightGBM's own dump -----------------

def leaves(node: dict[str, Any]) -> list[dict[str, Any]]:
    if "leaf_value" in node:
        return [node]
    return leaves(node["left_child"]) + leaves(node["right_child"])


def naive_expected(node: dict[str, Any]) -> float:
    ls = leaves(node)
    return sum(lf["leaf_count"] * lf["leaf_value"] for lf in ls) / sum(
        lf["leaf_count"] for lf in ls)


def naive_tree(node: dict[str, Any], row: np.ndarray, contrib: np.ndarray) -> None:
    if "leaf_value" in node:
        return
    v = float(row[node["split_feature"]])
    if math.isnan(v) and node["missing_type"] == "NaN":
        left = bool(node["default_left"])
    else:
        if math.isnan(v):  # missing_type None: LightGBM reads NaN as 0
            v = 0.0
        left = v <= node["threshold"]
    child = node["left_child"] if left else node["right_child"]
    contrib[node["split_feature"]] += naive_expected(child) - naive_expected(node)
    naive_tree(child, row, contrib)


def naive(tree: dict[str, Any], x: np.ndarray) -> tuple[np.ndarray, float]:
    out = np.zeros(x.shape)
    for i in range(x.shape[0]):
        naive_tree(tree, x[i], out[i])
    return out, naive_expected(tree)


# --- tests ---------------------------------------------------------------------------------

def test_contributions_sum_to_onnxruntime_output(
    booster: lgb.Booster, artifact: bytes, explainer: Explainer
) -> None:
    x = probe_rows(booster, 1)
    assert x.shape[0] > 1000
    out = run_onnx(artifact, x)
    c, bias = explainer.contributions(x)
    assert c.shape == x.shape and bias.shape == (x.shape[0],)
    assert np.max(np.abs(c.sum(axis=1) + bias - out)) <= 1e-9
    assert np.all(bias == bias[0])


def test_matches_naive_recursive_reference_per_tree(
    booster: lgb.Booster, explainer: Explainer
) -> None:
    x = probe_rows(booster, 2)[::3]
    trees = booster.dump_model()["tree_info"]
    assert explainer.n_trees == len(trees)
    total = np.zeros(x.shape)
    for i, t in enumerate(trees):
        ref, root = naive(t["tree_structure"], x)
        total += ref
        got, bias = explainer.select_trees([i]).contributions(x)
        np.testing.assert_allclose(got, TEMPERATURE * ref, rtol=0, atol=1e-12)
        assert bias[0] == pytest.approx(TEMPERATURE * root, abs=1e-12)
    got, _ = explainer.contributions(x)
    np.testing.assert_allclose(got, TEMPERATURE * total, rtol=0, atol=1e-11)


def test_unused_feature_gets_exactly_zero(booster: lgb.Booster, explainer: Explainer) -> None:
    used: list[tuple[int, float]] = []
    for t in booster.dump_model()["tree_info"]:
        splits(t["tree_structure"], used)
    assert CONST not in {f for f, _ in used}
    x = probe_rows(booster, 3)
    x[::2, CONST] = np.nan
    c, _ = explainer.contributions(x)
    assert np.all(c[:, CONST] == 0.0)


def test_sign_follows_a_monotone_feature() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3000, 4))
    x[rng.random(x.shape) < 0.1] = np.nan
    y = 2.0 * np.nan_to_num(x[:, 2]) + 0.3 * rng.normal(size=3000)
    b = lgb.train({"objective": "regression", "verbosity": -1, "num_threads": 1,
                   "deterministic": True}, lgb.Dataset(x, y), 50)
    blob = booster_to_onnx(b, 4, 1.0, 50)
    sess = ort.InferenceSession(blob, providers=["CPUExecutionProvider"])
    ex = load_explainer(sess.get_modelmeta().custom_metadata_map)
    assert ex is not None
    xt = rng.normal(size=(2000, 4))
    c, bias = ex.contributions(xt)
    assert np.corrcoef(xt[:, 2], c[:, 2])[0, 1] > 0.95
    hi, lo = xt[:, 2] > 1.0, xt[:, 2] < -1.0
    assert np.all(c[hi, 2] > 0) and np.all(c[lo, 2] < 0)
    assert np.max(np.abs(c.sum(1) + bias - run_onnx(blob, xt))) <= 1e-9


def test_top_reasons(booster: lgb.Booster, explainer: Explainer) -> None:
    x = probe_rows(booster, 5)[:200]
    c, _ = explainer.contributions(x)
    names = [f"f{j}" for j in range(F)]
    reasons = top_reasons(c, names, x, k=3)
    assert len(reasons) == x.shape[0]
    for i, row in enumerate(reasons):
        assert len(row) == 3
        mags = [abs(float(str(r["contribution"]))) for r in row]
        assert mags == sorted(mags, reverse=True)
        best = int(np.argmax(np.abs(c[i])))
        assert row[0]["feature"] == names[best]
        assert row[0]["contribution"] == round(float(c[i, best]), 6)
        for r in row:
            j = names.index(str(r["feature"]))
            assert r["value"] is None if np.isnan(x[i, j]) else r["value"] == x[i, j]
    assert json.dumps(reasons)  # plain JSON-able Python values
    assert [len(r) for r in top_reasons(c, names, x, k=50)] == [F] * x.shape[0]
    nan_row = top_reasons(c[11:12], names, x[11:12])  # x[11] is all NaN
    assert len(nan_row[0]) == 5 and all(r["value"] is None for r in nan_row[0])
    with pytest.raises(ValueError):
        top_reasons(c, names[:-1], x)


def dumps_per_row(rows: list[list[dict[str, object]]]) -> list[str]:
    """The reference: top_reasons' dicts through json.dumps, non-finite numbers as null."""
    return [json.dumps([{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                         for k, v in item.items()} for item in row]) for row in rows]


@pytest.mark.parametrize("k", [0, 1, 3, 5, 50])
def test_reasons_json_is_json_dumps_of_top_reasons(k: int) -> None:
    rng = np.random.default_rng(k)
    c = rng.normal(scale=0.3, size=(300, F)) * 10.0 ** rng.integers(-9, 2, size=(300, F))
    c[0, :] = 0.0
    c[1, 0] = -0.0
    c[2, 1] = np.inf
    c[3, :] = 1e-7  # ties, and contributions that round to 0
    x = rng.normal(size=(300, F))
    x[rng.random(x.shape) < 0.2] = np.nan
    x[4, 2] = -np.inf
    x[5, :] = np.round(x[5, :])  # integral values stay floats ("2.0")
    names = ["weight_rel", "j_win_rate_365", 'quote"d', "ünï", "x%sy", "f5"]
    got = reasons_json(c, names, x, k=k)
    assert got == dumps_per_row(top_reasons(c, names, x, k=k))
    assert all(isinstance(json.loads(r), list) for r in got)
    assert reasons_json(c[:0], names, x[:0], k=k) == []
    with pytest.raises(ValueError):
        reasons_json(c, names[:-1], x, k=k)


def test_load_explainer_absent_or_malformed(booster: lgb.Booster) -> None:
    assert load_explainer({}) is None
    assert load_explainer({"other": "x"}) is None
    with pytest.raises(ValueError, match="not valid JSON"):
        load_explainer({METADATA_KEY: "{not json"})
    good = json.loads(explainer_metadata(booster.dump_model(), F, 1.0))

    def broken(**change: Any) -> dict[str, str]:
        return {METADATA_KEY: json.dumps({**good, **change})}

    assert load_explainer(broken()) is not None
    for change in ({"format": 99}, {"n_features": 0}, {"scale": "x"},
                   {"threshold": good["threshold"][:-1]},
                   {"feature": [F] + good["feature"][1:]},
                   {"left": [10**6] + good["left"][1:]},
                   {"right": [good["left"][0]] + good["right"][1:]},  # a node reached twice
                   {"nan_left": [2] + good["nan_left"][1:]},
                   {"tree_leaves": [1] + good["tree_leaves"][1:]},
                   {"expected": ["a"] + good["expected"][1:]}):
        with pytest.raises(ValueError, match=METADATA_KEY):
            load_explainer(broken(**change))
    with pytest.raises(ValueError, match=METADATA_KEY):
        load_explainer({METADATA_KEY: "[1, 2]"})


def test_metadata_round_trips_the_graph_doubles(booster: lgb.Booster) -> None:
    doc = json.loads(explainer_metadata(booster.dump_model(), F, TEMPERATURE))
    found: list[tuple[int, float]] = []
    for t in booster.dump_model()["tree_info"]:
        splits(t["tree_structure"], found)
    assert doc["threshold"] == [v for _, v in found]  # depth first, bit-identical floats
    assert doc["feature"] == [f for f, _ in found]
    assert doc["scale"] == TEMPERATURE and doc["offset"] == 0.0


def test_single_leaf_trees_and_offset() -> None:
    """A tree without splits only moves the bias; offset and scale apply as documented."""
    doc = {"format": 1, "method": "saabas", "n_features": 2, "scale": 2.0, "offset": 0.5,
           "tree_nodes": [0, 1], "tree_leaves": [1, 2],
           "feature": [1], "threshold": [0.25], "nan_left": [0], "left": [-1], "right": [-2],
           "expected": [0.1], "leaf_value": [0.3, -0.2, 0.4]}
    ex = load_explainer({METADATA_KEY: json.dumps(doc)})
    assert ex is not None
    x = np.array([[np.nan, 0.25], [7.0, 0.3], [0.0, np.nan]])
    c, bias = ex.contributions(x)
    assert np.all(c[:, 0] == 0.0)
    np.testing.assert_allclose(c[:, 1], 2.0 * np.array([-0.3, 0.3, 0.3]), atol=1e-15)
    np.testing.assert_allclose(bias, 0.5 + 2.0 * (0.3 + 0.1), atol=1e-15)
    raw = np.array([0.3 - 0.2, 0.3 + 0.4, 0.3 + 0.4])
    np.testing.assert_allclose(c.sum(1) + bias, 0.5 + 2.0 * raw, atol=1e-15)
    assert ex.contributions(np.zeros((0, 2)))[0].shape == (0, 2)
    with pytest.raises(ValueError, match="2 features"):
        ex.contributions(np.zeros((3, 3)))


def test_vectorised_tree_check_agrees_with_the_per_tree_walk(booster: lgb.Booster) -> None:
    """parse_explainer checks every tree at once; on random damage it must accept and reject
    exactly what the per-tree walk (_check_tree, which names the problem) does."""
    doc = json.loads(explainer_metadata(booster.dump_model(), F, TEMPERATURE))
    nodes, leaves = np.array(doc["tree_nodes"]), np.array(doc["tree_leaves"])
    rng = np.random.default_rng(7)
    verdicts = set()
    for trial in range(300):
        left, right = np.array(doc["left"]), np.array(doc["right"])
        for _ in range(1 + trial % 3):
            side = left if rng.random() < 0.5 else right
            i = int(rng.integers(side.size))
            # a node index, a leaf code or an out-of-range value of the same tree
            side[i] = int(rng.integers(-nodes.max() - 3, nodes.max() + 3))
        walk_ok = True
        a = 0
        for t, (k, nl) in enumerate(zip(nodes.tolist(), leaves.tolist(), strict=True)):
            try:
                _check_tree(t, k, nl, left[a:a + k].tolist(), right[a:a + k].tolist())
            except ValueError:
                walk_ok = False
            a += k
        assert _all_trees(nodes, leaves, left, right) == walk_ok
        verdicts.add(walk_ok)
        if not walk_ok:
            with pytest.raises(ValueError, match=METADATA_KEY):
                parse_explainer(json.dumps({**doc, "left": left.tolist(),
                                            "right": right.tolist()}))
    assert verdicts == {True, False}
