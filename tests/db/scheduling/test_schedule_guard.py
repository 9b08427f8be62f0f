"""Overlap guard, failure capture and the acceptance check of the tick."""

from __future__ import annotations

import datetime as dt

import psycopg

from hrdpg.config import Settings
from tests.db.scheduling.stubs import add_races, local, tick, use_stub

DAY = dt.date(2026, 6, 15)


def test_overlapping_tick_is_skipped(db: Settings, conn: psycopg.Connection) -> None:
    use_stub(conn)
    add_races(conn, DAY, ["20:00"])
    with psycopg.connect(db.conninfo(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtext('hrdpg.tick'), 0)")
        out = tick(conn, local(DAY, "09:00"))
        assert out["skipped"] is True
        row = conn.execute("SELECT kind, status, params ->> 'reason' FROM modeling.runs "
                           "WHERE run_id = %s", (out["run_id"],)).fetchone()
        assert row == ("tick", "skipped", "the previous tick is still running")
        assert conn.execute("SELECT count(*) FROM modeling.schedule_runs").fetchone() == (0,)
        other.execute("SELECT pg_advisory_unlock(hashtext('hrdpg.tick'), 0)")
    out = tick(conn, local(DAY, "09:01"))
    assert out["skipped"] is False
    assert {d["job"]: d["decision"] for d in out["decisions"]}["morning"] == "ran"


def test_failing_score_is_recorded_alerted_and_retried(conn: psycopg.Connection) -> None:
    use_stub(conn, "public.stub_fail")
    add_races(conn, DAY, ["20:00"])
    decisions = []
    for hhmm in ["08:00", "08:05", "08:10", "08:20", "08:30", "09:00"]:
        out = tick(conn, local(DAY, hhmm))
        assert out["skipped"] is False
        decisions.append({d["job"]: d["decision"] for d in out["decisions"]}["morning"])
    # Three attempts 10 minutes apart (params max_attempts, retry_minutes), then it gives up.
    assert decisions == ["failed", "retry_later", "failed", "failed", "gave_up", "gave_up"]
    slot = conn.execute("SELECT status, attempts, error FROM modeling.schedule_runs "
                        "WHERE job = 'morning'").fetchone()
    assert slot is not None and slot[:2] == ("failed", 3)
    assert "stub scoring failed" in slot[2]
    failed = conn.execute("SELECT count(*) FROM modeling.runs WHERE kind = 'morning_score' "
                          "AND status = 'failed' AND triggered_by = 'schedule:morning'"
                          ).fetchone()
    assert failed == (3,)
    alerts = conn.execute("SELECT severity, category, dedup_key, suppressed_count "
                          "FROM modeling.alerts WHERE category = 'schedule'").fetchall()
    assert alerts == [("critical", "schedule", "morning:2026-06-15", 2)]
    # Every tick committed its own row, failures included.
    assert conn.execute("SELECT count(*) FROM modeling.runs WHERE kind = 'tick' "
                        "AND status = 'ok'").fetchone() == (6,)
    # The stub's own write rolled back with the failed call.
    assert conn.execute("SELECT count(*) FROM public.stub_calls").fetchone() == (0,)


def test_acceptance_alerts_when_coverage_is_missing(conn: psycopg.Connection) -> None:
    use_stub(conn)  # the stub publishes nothing, so coverage is 0 of 2
    add_races(conn, DAY, ["13:00", "15:00"])
    out = tick(conn, local(DAY, "08:04"))
    assert {d["job"]: d["decision"] for d in out["decisions"]}["acceptance"] == "not_yet"
    out = tick(conn, local(DAY, "08:05"))
    acc = {d["job"]: d for d in out["decisions"]}["acceptance"]
    assert acc["decision"] == "ran"
    assert acc["result"]["races"] == 2 and acc["result"]["covered"] == 0
    assert acc["result"]["passed"] is False
    tick(conn, local(DAY, "08:06"))  # once per day: no second check
    alerts = conn.execute("SELECT category, dedup_key, suppressed_count FROM modeling.alerts"
                          ).fetchall()
    assert alerts == [("coverage", "acceptance:2026-06-15", 0)]


def test_schedule_rejects_unknown_zone(conn: psycopg.Connection) -> None:
    try:
        conn.execute("UPDATE modeling.schedule SET tz = 'Europe/Atlantis' WHERE job = 'morning'")
    except psycopg.errors.InvalidParameterValue as exc:
        assert "unknown time zone" in str(exc)
    else:
        raise AssertionError("an unknown zone was accepted")
    conn.rollback()


def test_status_is_a_dry_run(conn: psycopg.Connection) -> None:
    use_stub(conn)
    add_races(conn, DAY, ["20:00"])
    rows = conn.execute("SELECT job, decision, next_due FROM modeling.schedule_status(%s) "
                        "ORDER BY job", (local(DAY, "07:00"),)).fetchall()
    got = {r[0]: (r[1], r[2]) for r in rows}
    assert got["morning"] == ("not_yet", local(DAY, "08:00"))
    assert got["housekeeping"] == ("due", local(DAY, "07:00"))
    assert got["refresh"][0] == "waiting"
    assert conn.execute("SELECT count(*) FROM modeling.schedule_runs").fetchone() == (0,)


def test_housekeeping_prunes_and_fails_abandoned_runs(conn: psycopg.Connection) -> None:
    # Ages count from the tick's instant (earlier than the real clock here).
    month_before = local(DAY, "03:30") - dt.timedelta(days=30)
    old = conn.execute(
        "INSERT INTO modeling.runs (kind, status, started_at, finished_at) VALUES "
        "('tick', 'ok', %(t)s, %(t)s), ('score_day', 'skipped', %(t)s, %(t)s), "
        "('score_day', 'ok', %(t)s, %(t)s) RETURNING run_id", {"t": month_before}).fetchall()
    dead = conn.execute("INSERT INTO modeling.runs (kind, backend_pid) VALUES ('train', -1) "
                        "RETURNING run_id").fetchone()
    conn.commit()
    assert dead is not None
    out = tick(conn, local(DAY, "03:30"))
    hk = {d["job"]: d for d in out["decisions"]}["housekeeping"]
    assert hk["decision"] == "ran"
    assert hk["result"]["runs_deleted"] == 2 and hk["result"]["stale_runs_failed"] == 1
    assert hk["result"]["signals_thinned"] == 0  # runs thin_signals (nothing published here)
    kept = conn.execute("SELECT run_id FROM modeling.runs WHERE run_id = ANY(%s)",
                        ([r[0] for r in old],)).fetchall()
    assert kept == [old[2]]  # the old score_day ok row is history, not tick noise
    row = conn.execute("SELECT status, error FROM modeling.runs WHERE run_id = %s",
                       (dead[0],)).fetchone()
    assert row is not None and row[0] == "failed" and "abandoned" in row[1]
