"""pg_cron in the test cluster really runs a job in the engine database."""

from __future__ import annotations

import time

import psycopg

from tests.conftest import CRON_PROBE_JOB, ServerHandle

CRON_WAIT_S = 150  # minute granularity: the job fires at the next minute boundary


def test_pg_cron_runs_a_job(server: ServerHandle) -> None:
    with psycopg.connect(server.engine.conninfo(), autocommit=True) as conn:
        job_id = conn.execute(
            "SELECT jobid FROM cron.job WHERE jobname = %s", (CRON_PROBE_JOB,)).fetchone()[0]
        deadline = time.monotonic() + CRON_WAIT_S
        status = None
        while status is None and time.monotonic() < deadline:
            row = conn.execute(
                "SELECT status FROM cron.job_run_details WHERE jobid = %s "
                "AND status IN ('succeeded', 'failed') ORDER BY runid DESC LIMIT 1",
                (job_id,)).fetchone()
            if row:
                status = row[0]
            else:
                time.sleep(0.5)  # polling interval while waiting for the job to finish
        assert status == "succeeded"
        assert conn.execute("SELECT count(*) FROM public.cron_probe").fetchone()[0] >= 1
        conn.execute("SELECT cron.unschedule(%s)", (job_id,))
