"""The structural guard refuses hostile artifacts before onnxruntime parses them, and lets the
trainer's real exports through."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest
from hrdpg_pl.onnx_check import check_artifact
from hrdpg_pl.onnx_guard import MAX_ARTIFACT_BYTES, Refused, check_structure

from hrdpg.trainer.onnx_export import INPUT_NAME, OUTPUT_NAME, booster_to_onnx
from tests import onnx_crafted

WIDTH = 4


def feature_names() -> list[str]:
    return [f"f{i}" for i in range(WIDTH)]


def test_trainer_export_and_plain_model_pass() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, WIDTH))
    booster = lgb.train({"objective": "regression", "verbosity": -1, "num_threads": 1},
                        lgb.Dataset(x, x[:, 0]), 5)
    exported = booster_to_onnx(booster, WIDTH, 1.0, 5)
    check_structure(exported)
    assert check_artifact(exported, feature_names(), INPUT_NAME, OUTPUT_NAME) is None
    check_structure(onnx_crafted.plain_linear(WIDTH))  # the control of the crafted ones


@pytest.mark.parametrize(("blob", "reason"), [
    (onnx_crafted.external_weights(WIDTH, "pg_hba.conf"), "outside the artifact"),
    (onnx_crafted.endless_loop(WIDTH), "operator Loop"),
    (onnx_crafted.local_function(WIDTH), "model-local functions"),
    (onnx_crafted.oversized(WIDTH, MAX_ARTIFACT_BYTES // 2**20 + 1), "over the"),
], ids=["external-data", "loop", "local-function", "oversized"])
def test_hostile_artifacts_are_refused(blob: bytes, reason: str) -> None:
    with pytest.raises(Refused, match=reason):
        check_structure(blob)
    assert reason in (check_artifact(blob, feature_names(), INPUT_NAME, OUTPUT_NAME) or "")


@pytest.mark.parametrize("cut", [1, 7, 100, -3])
def test_truncated_or_garbage_bytes_never_quote_onnxruntime(cut: int) -> None:
    blob = onnx_crafted.plain_linear(WIDTH)
    for bad in (blob[:cut], b"\xff" * 64, bytes(range(256))):
        problem = check_artifact(bad, feature_names(), INPUT_NAME, OUTPUT_NAME)
        assert problem is not None
        assert "cannot load" in problem or "no operators" in problem, problem
