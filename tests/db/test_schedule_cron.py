"""Integration: `hrdpg schedule install` makes pg_cron run modeling.tick in the engine
database; a tick row appears within a bounded wait; remove unschedules it."""

from __future__ import annotations

import time

import psycopg

from hrdpg.cli import schedule
from tests.conftest import ServerHandle

CRON_WAIT_S = 150  # minute granularity: the job fires at the next minute boundary


def test_installed_job_ticks(server: ServerHandle) -> None:
    with psycopg.connect(server.engine.conninfo()) as conn:
        job_id = schedule.install(conn)
        assert schedule.install(conn) == job_id  # idempotent: same job, updated
        try:
            installed_at = conn.execute("SELECT now()").fetchone()
            conn.commit()
            assert installed_at is not None
            deadline = time.monotonic() + CRON_WAIT_S
            tick_row = cron_status = None
            while (tick_row is None or cron_status is None) and time.monotonic() < deadline:
                tick_row = conn.execute(
                    "SELECT status, params -> 'decisions' FROM modeling.runs "
                    "WHERE kind = 'tick' AND started_at >= %s ORDER BY run_id LIMIT 1",
                    (installed_at[0],)).fetchone()
                row = conn.execute(
                    "SELECT status FROM cron.job_run_details WHERE jobid = %s "
                    "AND status IN ('succeeded', 'failed') ORDER BY runid LIMIT 1",
                    (job_id,)).fetchone()
                cron_status = row[0] if row else None
                conn.commit()
                if tick_row is None or cron_status is None:
                    time.sleep(0.5)  # polling interval while waiting for the minute boundary
            assert cron_status == "succeeded"
            assert tick_row is not None and tick_row[0] == "ok"
            assert {d["job"] for d in tick_row[1]} == {
                "morning", "refresh", "acceptance", "monitoring", "housekeeping"}
        finally:
            assert schedule.remove(conn) is True
        assert conn.execute("SELECT count(*) FROM cron.job WHERE jobname = %s",
                            (schedule.JOB_NAME,)).fetchone() == (0,)
        assert schedule.remove(conn) is False
