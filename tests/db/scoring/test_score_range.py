"""score_range: one run row, a COMMIT per chunk, as_of = off - 1 minute, abandoned runs closed."""

from __future__ import annotations

import datetime as dt

import psycopg

from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.scoring.world import TEST_FROM, install, trained

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


def test_score_range_sums_stage_timings(
        synth_db: Settings, synth_conn: psycopg.Connection, server: ServerHandle,
        synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    to = TEST_FROM + dt.timedelta(days=5)
    with psycopg.connect(synth_db.conninfo(), autocommit=True) as conn:
        # A backend's first PL/Python call imports numpy and onnxruntime (about 0.2 s, more on
        # a slow machine) before any stage is timed: warm it on another day first, so the run
        # measured is all chunk work.
        conn.execute("CALL modeling.score_range(%s, %s)", (to + dt.timedelta(days=1),) * 2)
        conn.execute("CALL modeling.score_range(%s, %s, 2)", (TEST_FROM, to))
    row = synth_conn.execute(
        "SELECT timings_ms, extract(epoch FROM finished_at - started_at) * 1000 "
        "FROM modeling.runs WHERE kind = 'score_range' ORDER BY run_id DESC LIMIT 1").fetchone()
    assert row is not None
    timings, wall_ms = row
    assert {"features", "fetch", "infer", "copy", "total"} <= set(timings)  # a new range: COPY
    # Summed over the three chunks: nearly the run's wall time, not one chunk's third of it.
    assert 0.6 * float(wall_ms) < timings["total"] <= float(wall_ms)


def test_score_range_without_feature_refresh_reads_the_store(
        synth_db: Settings, synth_conn: psycopg.Connection, server: ServerHandle,
        synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    to = TEST_FROM + dt.timedelta(days=3)
    synth_conn.execute("SELECT modeling.refresh_features(%s, %s)", (TEST_FROM, to))
    # The store lacks one day: a run that does not refresh must not recompute it.
    gone = synth_conn.execute("DELETE FROM modeling.feature_store WHERE race_date = %s",
                              (to,)).rowcount
    synth_conn.commit()
    assert gone > 0
    call = "CALL modeling.score_range(%s, %s, 2, refresh_features => %s)"
    with psycopg.connect(synth_db.conninfo(), autocommit=True) as conn:
        conn.execute(call, (TEST_FROM, to, False))
        skipped = conn.execute(
            "SELECT count(*) FILTER (WHERE race_date = %s), count(*) FROM modeling.signals",
            (to,)).fetchone()
        timings = conn.execute("SELECT timings_ms FROM modeling.runs "
                               "WHERE kind = 'score_range' ORDER BY run_id DESC").fetchone()
        conn.execute(call, (TEST_FROM, to, True))
        refreshed = conn.execute("SELECT count(*) FROM modeling.signals WHERE race_date = %s",
                                 (to,)).fetchone()
    assert skipped is not None and skipped[0] == 0 and skipped[1] > 0
    assert timings is not None and "features" not in timings[0]
    assert refreshed == (gone,)
