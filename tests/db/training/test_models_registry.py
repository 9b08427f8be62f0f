"""Registry: validated registration, promote, rollback (of a rollback), refusals."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import lightgbm as lgb
import numpy as np
import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings
from hrdpg.errors import HrdpgError
from hrdpg.registry import store
from hrdpg.trainer.onnx_export import INPUT_NAME, OUTPUT_NAME, booster_to_onnx


def names(conn: psycopg.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM modeling.feature_catalog ORDER BY position").fetchall()]


def artifact(width: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(500, width))
    booster = lgb.train({"objective": "regression", "verbosity": -1, "num_threads": 1},
                        lgb.Dataset(x, x[:, 0] + rng.normal(size=500)), 5)
    return booster_to_onnx(booster, width, 1.0, 5)


def reg(conn: psycopg.Connection, blob: bytes, feats: list[str], version: int | None = None,
        name: str = "win") -> int:
    fv = conn.execute("SELECT modeling.feature_version()").fetchone()
    assert fv is not None
    d = dt.date(2019, 1, 1)
    conn.commit()  # so register's own transaction is a real commit, not a savepoint
    return store.register(conn, store.Registration(
        name=name, version=version, artifact=blob, feature_names=feats, feature_version=fv[0],
        input_name=INPUT_NAME, output_name=OUTPUT_NAME, metrics={"a": 1}, params={},
        feature_reference={}, train_from=d, train_to=d, test_from=d, test_to=d,
        data_hash="x", code_version="test"))


def count(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM modeling.models").fetchone()
    return int(row[0]) if row else -1


def test_register_computes_sha_and_versions(conn: psycopg.Connection) -> None:
    feats = names(conn)
    blob = artifact(len(feats))
    first, second = reg(conn, blob, feats), reg(conn, blob, feats)
    rows = conn.execute("SELECT model_id, version, artifact_sha256 FROM modeling.models "
                        "ORDER BY model_id").fetchall()
    assert [(r[0], r[1]) for r in rows] == [(first, 1), (second, 2)]
    assert rows[0][2] == hashlib.sha256(blob).hexdigest()


def test_duplicate_version_is_refused(conn: psycopg.Connection) -> None:
    feats = names(conn)
    reg(conn, artifact(len(feats)), feats, version=1)
    with pytest.raises(HrdpgError, match="already registered.*register version 2"):
        reg(conn, artifact(len(feats)), feats, version=1)
    assert count(conn) == 1


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[: len(b) // 2], "cannot load"),
    (lambda b: b"", "empty"),
    (lambda b: bytes(x ^ 0x5A for x in b[:64]) + b[64:], "cannot load"),
])
def test_corrupted_artifacts_are_refused(conn: psycopg.Connection, damage, message) -> None:  # type: ignore[no-untyped-def]
    feats = names(conn)
    with pytest.raises(HrdpgError, match=message):
        reg(conn, damage(artifact(len(feats))), feats)
    assert count(conn) == 0


def test_wrong_width_is_refused(conn: psycopg.Connection) -> None:
    feats = names(conn)
    with pytest.raises(HrdpgError, match=f"does not match {len(feats)} feature names"):
        reg(conn, artifact(len(feats) - 2), feats)
    assert count(conn) == 0


def test_stale_feature_version_is_refused(conn: psycopg.Connection) -> None:
    feats = names(conn)
    with pytest.raises(HrdpgError, match="feature"):
        store.register(conn, store.Registration(
            name="win", version=None, artifact=artifact(len(feats)), feature_names=feats,
            feature_version="0000", input_name=INPUT_NAME, output_name=OUTPUT_NAME,
            metrics={}, params={}, feature_reference={}, train_from=dt.date(2019, 1, 1),
            train_to=dt.date(2019, 1, 1), test_from=dt.date(2019, 1, 2),
            test_to=dt.date(2019, 1, 2), data_hash="x", code_version="t"))
    assert count(conn) == 0


def alias_of(conn: psycopg.Connection, alias: str = "production") -> int | None:
    row = conn.execute("SELECT model_id FROM modeling.model_aliases WHERE alias = %s",
                       (alias,)).fetchone()
    return None if row is None else int(row[0])


def test_promote_rollback_and_rollback_of_rollback(conn: psycopg.Connection) -> None:
    feats = names(conn)
    a, b, c = (reg(conn, artifact(len(feats), s), feats) for s in range(3))
    with pytest.raises(HrdpgError, match="no history"):
        store.rollback(conn, "production")
    store.promote(conn, a, "production")
    with pytest.raises(HrdpgError, match="one model only"):
        store.rollback(conn, "production")
    store.promote(conn, b, "production")
    store.promote(conn, c, "production")
    assert store.rollback(conn, "production") == b
    assert alias_of(conn) == b
    assert store.rollback(conn, "production", "undo the undo") == c  # rollback of a rollback
    assert alias_of(conn) == c
    hist = conn.execute("SELECT action, from_model_id, to_model_id, changed_by IS NOT NULL "
                        "FROM modeling.model_alias_history ORDER BY change_id").fetchall()
    assert hist == [("promote", None, a, True), ("promote", a, b, True),
                    ("promote", b, c, True), ("rollback", c, b, True),
                    ("rollback", b, c, True)]


def test_promote_refuses_model_of_other_feature_version(conn: psycopg.Connection) -> None:
    feats = names(conn)
    m = reg(conn, artifact(len(feats)), feats)
    # simulate a feature change after registration (as the table owner, as a migration would)
    conn.execute("UPDATE modeling.models SET feature_version = 'old' WHERE model_id = %s", (m,))
    conn.commit()
    with pytest.raises(HrdpgError, match="feature version old"):
        store.promote(conn, m, "production")
    assert alias_of(conn) is None


def test_registry_functions_are_definer_and_private(conn: psycopg.Connection) -> None:
    rows = conn.execute(
        "SELECT p.proname, p.prosecdef, p.proacl::text FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'modeling' "
        "AND p.proname IN ('register_model', 'promote_model', 'rollback_model')").fetchall()
    assert len(rows) == 3
    for _name, definer, acl in rows:
        grants = (acl or "").strip("{}").split(",")
        assert definer and not any(g.startswith("=") for g in grants)  # nothing for PUBLIC


def test_cli_list_show_promote_rollback_export(db: Settings, conn: psycopg.Connection,
                                               tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    feats = names(conn)
    blob = artifact(len(feats))
    a, b = reg(conn, blob, feats), reg(conn, artifact(len(feats), 1), feats)
    dsn = ["--dsn", db.conninfo()]
    assert main([*dsn, "models", "promote", str(a)]) == 0
    assert main([*dsn, "models", "promote", str(b), "--alias", "production"]) == 0
    assert main([*dsn, "models", "rollback"]) == 0
    assert alias_of(conn) == a
    assert main([*dsn, "models", "list"]) == 0
    assert main([*dsn, "models", "show", str(a)]) == 0
    out = tmp_path / "m.onnx"
    assert main([*dsn, "models", "export-file", str(a), str(out)]) == 0
    assert out.read_bytes() == blob
    assert main([*dsn, "models", "show", "999999"]) == 1
    assert "does not exist" in capsys.readouterr().err
