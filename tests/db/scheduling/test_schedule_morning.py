"""The morning run: once per local day at the first tick at/after 08:00 Europe/Madrid, across
both 2026 DST changes, with catch-up after a missed 08:00; ticks before 08:00 do nothing."""

from __future__ import annotations

import datetime as dt

import psycopg

from tests.db.scheduling.stubs import UTC, add_races, calls, local, minutes, tick, use_stub


def _walk_days(conn: psycopg.Connection, first: dt.date, n_days: int) -> None:
    for i in range(n_days):
        add_races(conn, first + dt.timedelta(days=i), ["23:30"], first_id=100 + i)
    start = local(first, "00:00")
    end = local(first + dt.timedelta(days=n_days - 1), "23:59")
    for at in minutes(start, end):
        tick(conn, at)


def test_morning_once_per_local_day_across_dst_start(conn: psycopg.Connection) -> None:
    use_stub(conn)
    _walk_days(conn, dt.date(2026, 3, 28), 2)  # DST starts 2026-03-29 02:00 CET
    assert calls(conn, "morning") == [
        dt.datetime(2026, 3, 28, 7, 0, tzinfo=UTC),   # CET: 08:00 = 07:00 UTC
        dt.datetime(2026, 3, 29, 6, 0, tzinfo=UTC)]   # CEST: 08:00 = 06:00 UTC
    n = conn.execute("SELECT count(*) FROM modeling.schedule_runs WHERE job = 'morning'"
                     ).fetchone()
    assert n == (2,)


def test_morning_once_per_local_day_across_dst_end(conn: psycopg.Connection) -> None:
    use_stub(conn)
    _walk_days(conn, dt.date(2026, 10, 24), 2)  # DST ends 2026-10-25 03:00 CEST
    assert calls(conn, "morning") == [
        dt.datetime(2026, 10, 24, 6, 0, tzinfo=UTC),
        dt.datetime(2026, 10, 25, 7, 0, tzinfo=UTC)]
    # The 25-hour day had 1500 ticks, all recorded, each deciding the morning job.
    ticks = conn.execute(
        "SELECT count(*) FROM modeling.runs WHERE kind = 'tick' AND status = 'ok' "
        "AND (params ->> 'now')::timestamptz >= %s AND (params ->> 'now')::timestamptz < %s",
        (local(dt.date(2026, 10, 25), "00:00"), local(dt.date(2026, 10, 26), "00:00"))
    ).fetchone()
    assert ticks == (1500,)


def test_missed_morning_catches_up_once(conn: psycopg.Connection) -> None:
    use_stub(conn)
    day = dt.date(2026, 6, 15)
    add_races(conn, day, ["20:00"])
    out = tick(conn, local(day, "07:59"))
    assert {d["job"]: d["decision"] for d in out["decisions"]}["morning"] == "not_yet"
    assert calls(conn, "morning") == []
    # The server was down from 07:59 to 11:37 local.
    for at in minutes(local(day, "11:37"), local(day, "12:30")):
        tick(conn, at)
    assert calls(conn, "morning") == [local(day, "11:37").astimezone(UTC)]


def test_run_now_in_the_past_replays_that_day(conn: psycopg.Connection) -> None:
    use_stub(conn)
    day = dt.date(2026, 6, 15)
    add_races(conn, day, ["20:00"])
    first = tick(conn, local(day, "09:00"))
    again = tick(conn, local(day, "09:00"))
    assert {d["job"]: d["decision"] for d in first["decisions"]}["morning"] == "ran"
    assert {d["job"]: d["decision"] for d in again["decisions"]}["morning"] == "done"
    assert len(calls(conn, "morning")) == 1
