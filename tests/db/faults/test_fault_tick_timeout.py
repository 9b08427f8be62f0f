"""A statement_timeout (or cancel) hitting the scheduled morning run inside a tick: the tick
records the attempt as failed (slot, failed run row, critical alert) instead of vanishing
without a trace, and the retry after retry_minutes runs it once."""

from __future__ import annotations

import datetime as dt

import psycopg
from psycopg.conninfo import make_conninfo

from hrdpg.config import Settings
from tests.db.scheduling.stubs import add_races, calls, local, tick, use_stub

DAY = dt.date(2026, 6, 15)
GATE = 4243
BLOCKING_STUB = """
CREATE FUNCTION public.stub_block(race_date date, as_of timestamptz,
                                  alias text DEFAULT 'production', wait boolean DEFAULT true,
                                  triggered_by text DEFAULT 'manual')
RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.stub_calls VALUES (race_date, as_of, alias, triggered_by);
    PERFORM pg_advisory_lock_shared(4243);  -- blocks while the test holds the gate
    PERFORM pg_advisory_unlock_shared(4243);
    RETURN 1;
END
$$;
"""


def test_timeout_in_morning_run_is_recorded_and_retried(db: Settings,
                                                        conn: psycopg.Connection) -> None:
    use_stub(conn, "public.stub_block")
    conn.execute(BLOCKING_STUB)
    conn.commit()
    add_races(conn, DAY, ["20:00"])
    limited = make_conninfo(db.conninfo(), options="-c statement_timeout=300")
    with psycopg.connect(db.conninfo(), autocommit=True) as gate:
        gate.execute("SELECT pg_advisory_lock(%s)", (GATE,))
        with psycopg.connect(limited) as cron:
            out = tick(cron, local(DAY, "08:00"))
        gate.execute("SELECT pg_advisory_unlock(%s)", (GATE,))
    morning = {d["job"]: d for d in out["decisions"]}["morning"]
    assert morning["decision"] == "failed" and "statement timeout" in morning["error"]
    slot = conn.execute("SELECT status, attempts, error FROM modeling.schedule_runs "
                        "WHERE job = 'morning'").fetchone()
    assert slot is not None and slot[:2] == ("failed", 1) and "statement timeout" in slot[2]
    failed = conn.execute("SELECT count(*) FROM modeling.runs WHERE status = 'failed' "
                          "AND triggered_by = 'schedule:morning'").fetchone()
    alerts = conn.execute("SELECT count(*) FROM modeling.alerts WHERE category = 'schedule' "
                          "AND severity = 'critical'").fetchone()
    assert failed == (1,) and alerts == (1,)
    assert calls(conn, "morning") == []  # the timed-out call's insert rolled back with it

    assert {d["job"]: d["decision"] for d in tick(conn, local(DAY, "08:05"))["decisions"]
            }["morning"] == "retry_later"
    assert {d["job"]: d["decision"] for d in tick(conn, local(DAY, "08:10"))["decisions"]
            }["morning"] == "ran"
    assert len(calls(conn, "morning")) == 1
