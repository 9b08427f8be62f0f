"""An abandoned 'running' run whose backend pid now belongs to a newer backend (pids are reused
after a crash restart) is still recognised as abandoned: the live backend started after it."""

from __future__ import annotations

import psycopg


def test_reused_pid_does_not_keep_a_dead_run_running(conn: psycopg.Connection) -> None:
    with psycopg.connect(conn.info.dsn, autocommit=True) as newer:
        pid = newer.info.backend_pid  # alive, but born after the run below
        conn.execute("INSERT INTO modeling.runs (kind, backend_pid, started_at) "
                     "VALUES ('score_range', %s, now() - interval '1 hour')", (pid,))
        conn.execute("INSERT INTO modeling.runs (kind, backend_pid) "
                     "VALUES ('score_range', pg_backend_pid())")  # this backend: really live
        conn.commit()
        out = conn.execute("SELECT modeling.housekeeping(now())").fetchone()
        conn.commit()
        assert out is not None and out[0]["stale_runs_failed"] == 1
        rows = conn.execute("SELECT backend_pid, status, error FROM modeling.runs "
                            "ORDER BY run_id").fetchall()
    assert rows[0] == (pid, "failed", f"abandoned: backend {pid} is gone")
    assert rows[1][1] == "running"
