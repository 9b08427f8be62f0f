"""score_range: one run row, a COMMIT per chunk, as_of = off - 1 minute, abandoned runs closed."""

from __future__ import annotations

import datetime as dt

import psycopg

from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.test_score_common import TEST_FROM, install, trained

DAYS = 17


def test_score_range_commits_per_chunk(
        synth_db: Settings, synth_conn: psycopg.Connection, server: ServerHandle,
        synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    synth_conn.execute("INSERT INTO modeling.runs (kind, backend_pid) "
                       "VALUES ('score_range', 2147483000)")  # a run whose backend died
    synth_conn.commit()
    to = TEST_FROM + dt.timedelta(days=DAYS - 1)
    with psycopg.connect(synth_db.conninfo(), autocommit=True) as conn:
        conn.execute("CALL modeling.score_range(%s, %s, 7)", (TEST_FROM, to))
    runs = synth_conn.execute(
        "SELECT status, error, rows_out, params -> 'progress' FROM modeling.runs "
        "ORDER BY run_id").fetchall()
    assert runs[0][0] == "failed" and runs[0][1].startswith("abandoned")
    status, _, rows_out, progress = runs[1]
    assert status == "ok"
    assert progress["days_done"] == DAYS and progress["chunks_done"] == 3
    expected = synth_conn.execute(
        "SELECT count(*) FROM modeling.runner_features WHERE race_date BETWEEN %s AND %s",
        (TEST_FROM, to)).fetchone()
    assert expected is not None and rows_out == expected[0]
    per_chunk = synth_conn.execute(
        "SELECT count(DISTINCT xmin::text), count(*), "
        "bool_and(as_of = off_time - interval '1 minute') FROM modeling.signals").fetchone()
    assert per_chunk == (3, rows_out, True)  # three transactions, one per chunk
