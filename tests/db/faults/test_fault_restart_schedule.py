"""Server restart during the scheduled window: the cluster goes down while the 08:00 morning
run is in flight (its tick rolls back whole: no slot, no run row, no published call) and
stays down past 08:00; the first tick after the restart catches the morning run up, exactly
once, and later ticks see it done."""

from __future__ import annotations

import datetime as dt

import psycopg

from hrdpg.cluster import Cluster
from tests.db.faults.util import Background, scratch_migrated, wait_until, waits_on_lock
from tests.db.scheduling.stubs import UTC, add_races, calls, local, minutes, tick, use_stub

DAY = dt.date(2026, 6, 15)
GATE = 4242  # advisory lock key the blocking stub waits on
BLOCKING_STUB = """
CREATE FUNCTION public.stub_block(race_date date, as_of timestamptz,
                                  alias text DEFAULT 'production', wait boolean DEFAULT true,
                                  triggered_by text DEFAULT 'manual')
RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.stub_calls VALUES (race_date, as_of, alias, triggered_by);
    PERFORM pg_advisory_xact_lock(4242);
    RETURN 1;
END
$$;
"""


def test_restart_mid_morning_run_catches_up_once(scratch_cluster: Cluster) -> None:
    conninfo = scratch_migrated(scratch_cluster).conninfo()
    with psycopg.connect(conninfo) as conn:
        use_stub(conn, "public.stub_block")
        conn.execute(BLOCKING_STUB)
        conn.commit()
        add_races(conn, DAY, ["20:00"])
        before = tick(conn, local(DAY, "07:59"))
        assert {d["job"]: d["decision"] for d in before["decisions"]}["morning"] == "not_yet"

        gate = psycopg.connect(conninfo)
        gate.execute("SELECT pg_advisory_xact_lock(%s)", (GATE,))
        job = Background(conninfo, "SELECT modeling.tick(%s)", (local(DAY, "08:00"),)).start()
        wait_until("the morning run to be in flight",
                   lambda: waits_on_lock(conn, job.pid, "advisory"))
    scratch_cluster.stop()  # fast shutdown: every backend is terminated mid-transaction
    job.join()
    assert isinstance(job.error, psycopg.OperationalError)
    gate.close()
    assert scratch_cluster.start() is True

    with psycopg.connect(conninfo) as conn:
        assert calls(conn, "morning") == []  # the interrupted run left nothing behind
        slots = conn.execute("SELECT count(*) FROM modeling.schedule_runs "
                             "WHERE job = 'morning'").fetchone()
        assert slots == (0,)
        # Back at 09:12 local: a tick every minute to 10:00, as the cron job would.
        for at in minutes(local(DAY, "09:12"), local(DAY, "10:00")):
            tick(conn, at)
        assert calls(conn, "morning") == [local(DAY, "09:12").astimezone(UTC)]
        slot = conn.execute("SELECT status, attempts FROM modeling.schedule_runs "
                            "WHERE job = 'morning'").fetchone()
        assert slot == ("ok", 1)
        later = tick(conn, local(DAY, "10:01"))
        assert {d["job"]: d["decision"] for d in later["decisions"]}["morning"] == "done"
