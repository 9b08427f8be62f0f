"""Empty day, a future day without results, and a model on another feature version."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from tests.conftest import ServerHandle
from tests.db.scoring.world import TEST_TO, install, score, signals, trained


def test_empty_day_logs_a_run(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    assert score(synth_conn, day=dt.date(2018, 6, 1)) == 0
    run = synth_conn.execute("SELECT status, rows_in, rows_out, races_published FROM "
                             "modeling.runs WHERE kind = 'score_day'").fetchone()
    assert run == ("ok", 0, 0, 0)


def test_future_day_without_results(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    synth_conn.execute(
        "UPDATE racing.runners SET finish_pos = NULL, status = NULL, beaten_lengths = NULL, "
        "sp_decimal = NULL, dead_heat = false WHERE race_id IN "
        "(SELECT race_id FROM racing.races WHERE race_date = %s)", (TEST_TO,))
    synth_conn.commit()
    n = score(synth_conn, day=TEST_TO, as_of="2019-05-30 06:00+00")
    declared = synth_conn.execute(
        "SELECT count(*) FROM racing.runners r JOIN racing.races USING (race_id) "
        "WHERE race_date = %s AND NOT non_runner", (TEST_TO,)).fetchone()
    assert declared is not None and n == declared[0] > 0
    assert len(signals(synth_conn, day=TEST_TO, as_of="2019-05-30 06:00+00")) == n


def test_feature_version_mismatch_refused(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    model_id = install(synth_conn, trained(server, synth_template))
    synth_conn.execute("UPDATE modeling.models SET feature_version = 'f00dfeedf00dfeed' "
                       "WHERE model_id = %s", (model_id,))
    synth_conn.commit()
    current = synth_conn.execute("SELECT modeling.feature_version()").fetchone()
    assert current is not None
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as err:
        score(synth_conn)
    synth_conn.rollback()
    text = str(err.value.diag.message_primary)
    assert "f00dfeedf00dfeed" in text and current[0] in text
    assert "Retrain" in str(err.value.diag.message_hint)
    assert "roll" in str(err.value.diag.message_hint)
    assert synth_conn.execute("SELECT count(*) FROM modeling.signals").fetchone() == (0,)
    assert synth_conn.execute("SELECT count(*) FROM modeling.runs").fetchone() == (0,)
