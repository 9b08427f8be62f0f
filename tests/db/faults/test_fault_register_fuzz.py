"""Model registration fuzzed with random and truncated ONNX bytes: refused with a clear error
and nothing written. The only truncations onnxruntime accepts drop trailing metadata; those
are registered only because they compute exactly what the whole artifact computes."""

from __future__ import annotations

import functools
import re

import numpy as np
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hrdpg.errors import HrdpgError
from hrdpg.trainer.onnx_export import run_onnx
from tests.db.training.test_models_registry import artifact, count, names, reg

CLEAR = r"register_model: (the artifact is empty|artifact rejected: .+)"
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@functools.cache
def _whole(width: int) -> bytes:
    return artifact(width)


def _refused_or_equivalent(conn: psycopg.Connection, blob: bytes, feats: list[str]) -> None:
    before = count(conn)
    try:
        model_id = reg(conn, blob, feats)
    except HrdpgError as exc:
        assert count(conn) == before
        assert re.search(CLEAR, str(exc)), str(exc)
        return
    x = np.random.default_rng(1).normal(size=(16, len(feats)))
    np.testing.assert_array_equal(run_onnx(blob, x), run_onnx(_whole(len(feats)), x))
    conn.execute("DELETE FROM modeling.models WHERE model_id = %s", (model_id,))
    conn.commit()


@FUZZ
@given(blob=st.binary(min_size=0, max_size=4096))
def test_random_bytes_are_refused(conn: psycopg.Connection, blob: bytes) -> None:
    feats = names(conn)
    before = count(conn)
    with pytest.raises(HrdpgError, match=CLEAR):
        reg(conn, blob, feats)
    assert count(conn) == before


@FUZZ
@given(share=st.floats(0.0, 1.0, exclude_max=True))
def test_truncated_artifacts_are_refused(conn: psycopg.Connection, share: float) -> None:
    feats = names(conn)
    whole = _whole(len(feats))
    _refused_or_equivalent(conn, whole[: int(share * len(whole))], feats)
