"""`hrdpg schedule install` puts one pg_cron job in the engine database (the SQL script a psql
user runs): every minute, SELECT modeling.tick(); installing twice updates the same job; remove
unschedules it. That pg_cron really runs the tick and it publishes is
test_schedule_cron_signals.py (one minute-boundary wait for both)."""

from __future__ import annotations

import psycopg

from hrdpg.cli import schedule
from tests.conftest import ServerHandle


def test_install_is_one_idempotent_job_and_remove_unschedules(server: ServerHandle) -> None:
    with psycopg.connect(server.engine.conninfo()) as conn:
        job_id = schedule.install(conn)
        try:
            assert schedule.install(conn) == job_id  # idempotent: same job, updated
            row = conn.execute(
                "SELECT schedule, command, database = current_database(), active FROM cron.job "
                "WHERE jobname = %s", (schedule.JOB_NAME,)).fetchall()
            conn.commit()
            assert row == [("* * * * *", "SELECT modeling.tick()", True, True)]
        finally:
            assert schedule.remove(conn) is True
        assert conn.execute("SELECT count(*) FROM cron.job WHERE jobname = %s",
                            (schedule.JOB_NAME,)).fetchone() == (0,)
        assert schedule.remove(conn) is False
