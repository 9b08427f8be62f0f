"""The trainer registers models through modeling.register_model only: no direct writes to
modeling.models, no untrusted PL/Python, no objects in modeling, no promote, no scoring."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.security.roles import denied, login_as
from tests.db.training.test_models_registry import artifact, count, names, reg

EVIL_PYTHON = "CREATE FUNCTION mine.shell() RETURNS text LANGUAGE plpython3u " \
              "AS $$import os; return os.popen('id').read()$$"


def test_trainer_registers_through_the_function(
        server: ServerHandle, db: Settings, conn: psycopg.Connection) -> None:
    feats = names(conn)
    blob = artifact(len(feats))
    with login_as(server, db, "hrdpg_trainer") as trainer:
        model_id = reg(trainer, blob, feats)
        login = trainer.info.user
        assert trainer.execute("SELECT count(*) FROM modeling.runner_features").fetchone() == (0,)
    row = conn.execute("SELECT name, octet_length(artifact), created_by FROM modeling.models"
                       " WHERE model_id = %s", (model_id,)).fetchone()
    # Audited as the login, not as the SECURITY DEFINER function's owner.
    assert row == ("win", len(blob), login)


def test_trainer_cannot_write_models_or_install_code(
        server: ServerHandle, db: Settings, conn: psycopg.Connection) -> None:
    feats = names(conn)
    model_id = reg(conn, artifact(len(feats)), feats)
    before = count(conn)
    conn.commit()
    with login_as(server, db, "hrdpg_trainer", create_schema=True) as trainer:
        denied(trainer, "INSERT INTO modeling.models (name, version, artifact, artifact_sha256,"
                        " input_name, output_name, feature_names, feature_version)"
                        " VALUES ('x', 1, '\\x00', 'x', 'i', 'o', '{a}', 'v')")
        denied(trainer, "UPDATE modeling.models SET artifact = '\\x00'")
        denied(trainer, "DELETE FROM modeling.models")
        denied(trainer, "CREATE TABLE modeling.mine (x int)")
        denied(trainer, "CREATE FUNCTION modeling.mine() RETURNS int LANGUAGE sql RETURN 1")
        denied(trainer, "CREATE OR REPLACE FUNCTION modeling.onnx_check(bytea, text[], text,"
                        " text) RETURNS text LANGUAGE sql RETURN NULL")
        trainer.execute("CREATE SCHEMA mine")
        assert "language plpython3u" in denied(trainer, EVIL_PYTHON)
        with pytest.raises(errors.WrongObjectType, match="only superusers"):
            trainer.execute("GRANT USAGE ON LANGUAGE plpython3u TO CURRENT_USER")
        denied(trainer, "SELECT modeling.onnx_check('\\x00', '{a}', 'i', 'o')")
        denied(trainer, "SELECT modeling.promote_model(%s, 'production')", (model_id,))
        denied(trainer, "SELECT modeling.score_day(current_date)")
    assert count(conn) == before
    assert conn.execute("SELECT count(*) FROM pg_proc WHERE proname = 'shell'").fetchone() == (0,)
