"""Exported ONNX reproduces LightGBM exactly, including rows on split thresholds and NaNs."""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import pytest
from hrdpg_pl.onnx_check import check_artifact

from hrdpg.trainer.onnx_export import booster_to_onnx, run_onnx


def thresholds(tree: dict[str, Any], out: list[tuple[int, float]]) -> None:
    if "threshold" in tree:
        out.append((tree["split_feature"], tree["threshold"]))
        thresholds(tree["left_child"], out)
        thresholds(tree["right_child"], out)


@pytest.fixture(scope="module")
def booster() -> lgb.Booster:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5000, 5))
    x[rng.random(x.shape) < 0.2] = np.nan
    x[:, 4] = rng.integers(0, 4, 5000)  # never missing in training: missing_type None
    y = np.nan_to_num(x[:, 0]) + 0.3 * x[:, 4] + rng.normal(size=5000)
    return lgb.train({"objective": "regression", "verbosity": -1, "num_threads": 1,
                      "deterministic": True}, lgb.Dataset(x, y), 60)


def test_parity_on_thresholds_neighbours_and_nan(booster: lgb.Booster) -> None:
    splits: list[tuple[int, float]] = []
    for t in booster.dump_model()["tree_info"]:
        thresholds(t["tree_structure"], splits)
    rng = np.random.default_rng(1)
    rows = []
    for f, v in splits:  # exactly on, just above and just below each threshold
        for val in (v, np.nextafter(v, np.inf), np.nextafter(v, -np.inf),
                    float(np.float32(v))):
            r = rng.normal(size=5)
            r[f] = val
            rows.append(r)
    x = np.array(rows)
    x[::7, 4] = np.nan  # NaN in a feature that had none in training
    x[::5, 1] = np.nan
    onnx_out = run_onnx(booster_to_onnx(booster, 5, 1.3, 60), x)
    ref = 1.3 * booster.predict(x, raw_score=True)
    assert np.max(np.abs(onnx_out - ref)) <= 1e-12


def test_check_artifact(booster: lgb.Booster) -> None:
    blob = booster_to_onnx(booster, 5, 1.0, 60)
    names = [f"f{i}" for i in range(5)]
    assert check_artifact(blob, names, "features", "log_strength") is None
    assert "does not match" in str(check_artifact(blob, names[:4], "features", "log_strength"))
    assert "named" in str(check_artifact(blob, names, "x", "log_strength"))
    assert "cannot load" in str(check_artifact(blob[:100], names, "features", "log_strength"))
