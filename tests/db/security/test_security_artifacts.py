"""A model artifact is untrusted input: a trainer cannot read server files through it, register
control flow that no cancel can stop, or oversize it; a broken challenger never stops the
production publication."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from hrdpg.config import Settings
from hrdpg.errors import HrdpgError
from tests import onnx_crafted
from tests.conftest import ServerHandle
from tests.db.scoring.world import install, score, trained
from tests.db.security.roles import login_as
from tests.db.training.test_models_registry import count, names, reg


def test_trainer_cannot_read_server_files_through_external_data(
        server: ServerHandle, db: Settings, conn: psycopg.Connection) -> None:
    feats = names(conn)
    secret = conn.execute("SELECT pg_read_file('pg_hba.conf')").fetchone()
    assert secret is not None
    lines = [ln.strip() for ln in str(secret[0]).splitlines() if len(ln.strip()) > 8]
    with login_as(server, db, "hrdpg_trainer") as trainer:
        for target in ("pg_hba.conf", "global/pg_control", "../../etc/passwd", "/etc/passwd"):
            with pytest.raises(HrdpgError) as info:
                reg(trainer, onnx_crafted.external_weights(len(feats), target), feats)
            message = str(info.value)
            assert "outside the artifact" in message
            assert not [ln for ln in lines if ln in message]
    assert count(conn) == 0


@pytest.mark.parametrize(("build", "reason"), [
    (onnx_crafted.endless_loop, "operator Loop"),
    (onnx_crafted.local_function, "model-local functions"),
    (lambda w: onnx_crafted.oversized(w, 40), "over the"),
], ids=["loop", "local-function", "oversized"])
def test_trainer_cannot_register_unbounded_models(server: ServerHandle, db: Settings,
                                                  conn: psycopg.Connection,
                                                  build: Callable[[int], bytes],
                                                  reason: str) -> None:
    feats = names(conn)
    with login_as(server, db, "hrdpg_trainer") as trainer, \
            pytest.raises(HrdpgError, match=reason):
        reg(trainer, build(len(feats)), feats)
    assert count(conn) == 0


def test_register_refuses_feature_names_outside_the_catalogue(conn: psycopg.Connection) -> None:
    feats = names(conn)
    blob = onnx_crafted.plain_linear(len(feats))
    for bad in ([*feats[:-1], "no_such_feature"], [*feats[:-1], feats[0]]):
        with pytest.raises(HrdpgError, match="not computed by this database"):
            reg(conn, blob, bad)
    assert count(conn) == 0


BREAKAGES = {
    "artifact-bytes": "UPDATE modeling.models SET artifact = artifact || '\\x00'::bytea "
                      "WHERE model_id = %s",
    "unknown-feature": "UPDATE modeling.models SET feature_names[1] = 'no_such_feature' "
                       "WHERE model_id = %s",
    "feature-version": "UPDATE modeling.models SET feature_version = 'old' WHERE model_id = %s",
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_broken_challenger_is_skipped_and_production_publishes(
        server: ServerHandle, synth_template: str, synth_conn: psycopg.Connection,
        breakage: str) -> None:
    result = trained(server, synth_template)
    production = install(synth_conn, result)
    challenger = install(synth_conn, result, alias="challenger", name="win_ch")
    synth_conn.execute("SET session_replication_role = replica")  # past the registry's guards
    synth_conn.execute(BREAKAGES[breakage].encode(), (challenger,))
    synth_conn.execute("RESET session_replication_role")
    synth_conn.commit()
    assert score(synth_conn) > 0
    published = synth_conn.execute(
        "SELECT array_agg(DISTINCT model_id) FROM modeling.signals").fetchone()
    assert published == ([production],)
    run = synth_conn.execute(
        "SELECT params -> 'models' -> 'challenger' ->> 'skipped' FROM modeling.runs "
        "WHERE kind = 'score_day' AND status = 'ok'").fetchone()
    assert run is not None and run[0]
    alert = synth_conn.execute(
        "SELECT severity, message FROM modeling.alerts WHERE category = 'model' "
        "AND dedup_key = %s", (f"model:{challenger}:skipped",)).fetchone()
    assert alert is not None and alert[0] == "warning" and "not scored" in alert[1]
