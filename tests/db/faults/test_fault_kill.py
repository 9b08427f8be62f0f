"""kill -9 of the backend in the middle of score_range: the chunk in flight is lost whole
(nothing of it is published), the run log shows the failure once housekeeping has seen the
backend gone, and the next run completes. A SIGKILLed backend makes the postmaster restart
every backend, so this runs on a cluster of its own."""

from __future__ import annotations

import os
import signal

import psycopg

from hrdpg.cluster import Cluster
from tests.conftest import ServerHandle
from tests.db.faults.util import (
    Background,
    day_coverage,
    hold_date_lock,
    scratch_engine,
    wait_until,
    waits_on_lock,
)
from tests.db.scoring.world import trained

CALL = "CALL modeling.score_range(%s, %s, chunk_days => 2)"


def _signal_rows(conn: psycopg.Connection) -> list[tuple[object, ...]]:
    rows = conn.execute("SELECT race_id, horse_id, as_of, model_id, run_id, p_win "
                        "FROM modeling.signals ORDER BY 1, 2, 3").fetchall()
    conn.commit()
    return rows


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another OS user's
        return False
    return False


def _connect(conninfo: str) -> psycopg.Connection | None:
    try:
        return psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError:
        return None


def test_sigkill_mid_chunk_publishes_nothing_of_it(
        scratch_cluster: Cluster, server: ServerHandle, synth_template: str) -> None:
    settings = scratch_engine(scratch_cluster, trained(server, synth_template))
    conninfo = settings.conninfo()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        days = [r[0] for r in conn.execute(
            "SELECT DISTINCT race_date FROM modeling.src_races ORDER BY 1 LIMIT 8")]
        first, last = days[0], days[-1]
        # Chunk 1 (days 0-1) runs and commits; chunk 2 waits for its first day's lock.
        day_holder, table_holder = psycopg.connect(conninfo), psycopg.connect(conninfo)
        # The crash restart ends every backend: once these are gone it has begun, and a
        # connection made after that is not itself cut by it.
        before_crash = [day_holder.info.backend_pid, table_holder.info.backend_pid]
        try:
            hold_date_lock(day_holder, days[2])
            job = Background(conninfo, CALL, (first, last)).start()
            wait_until("chunk 2 waiting for its date lock",
                       lambda: waits_on_lock(conn, job.pid, "advisory"))
            committed = _signal_rows(conn)
            assert {d for d in day_coverage(conn)} == set(days[:2])
            # Let chunk 2 compute (features, DQ rows) but stop it at its signals upsert.
            table_holder.execute("LOCK TABLE modeling.signals IN SHARE MODE")
            day_holder.commit()
            wait_until("chunk 2 blocked at the signals upsert",
                       lambda: waits_on_lock(conn, job.pid, "relation"))
            run = conn.execute("SELECT run_id, backend_pid FROM modeling.runs "
                               "WHERE kind = 'score_range'").fetchone()
            assert run is not None and run[1] == job.pid
            # The test runs as root or as the server's own OS user: SIGKILL is allowed.
            os.kill(job.pid, signal.SIGKILL)
            job.join()
            assert isinstance(job.error, psycopg.OperationalError)
        finally:  # close, not commit: the crash restart ends these sessions too
            day_holder.close()
            table_holder.close()

    wait_until("the crash restart to end the sessions of before it",
               lambda: all(_gone(pid) for pid in before_crash))
    after = wait_until("the server to accept connections after the crash restart",
                       lambda: _connect(conninfo))
    with after as conn:
        assert _signal_rows(conn) == committed
        assert {d for d in day_coverage(conn)} == set(days[:2])
        dq_days = conn.execute("SELECT count(DISTINCT r.race_date) FROM modeling.dq_results q "
                               "JOIN modeling.src_races r USING (race_id) WHERE q.run_id = %s",
                               (run[0],)).fetchone()
        assert dq_days == (2,)  # chunk 2's DQ rows died with it
        status = conn.execute("SELECT status, params #>> '{progress,chunks_done}' "
                              "FROM modeling.runs WHERE run_id = %s", (run[0],)).fetchone()
        assert status == ("running", "1")  # nothing ran to close it: the backend was killed

        swept = conn.execute("SELECT modeling.housekeeping(now())").fetchone()
        assert swept is not None and swept[0]["stale_runs_failed"] == 1
        failed = conn.execute("SELECT status, error FROM modeling.runs WHERE run_id = %s",
                              (run[0],)).fetchone()
        assert failed is not None and failed[0] == "failed"
        assert f"backend {job.pid} is gone" in failed[1]

        conn.execute(CALL, (first, last))
        rerun = conn.execute("SELECT status, params #>> '{progress,days_done}' "
                             "FROM modeling.runs WHERE kind = 'score_range' AND run_id <> %s",
                             (run[0],)).fetchone()
        assert rerun == ("ok", str(len(days)))
        assert set(day_coverage(conn)) == set(days)
        # Replaying the committed chunk (same per-race as_of) rewrote it in place.
        redone = [r for r in _signal_rows(conn) if (r[0], r[1], r[2]) in
                  {(c[0], c[1], c[2]) for c in committed}]
        assert [r[:4] for r in redone] == [c[:4] for c in committed]
