"""Refresh cadence: every 10 minutes while the nearest upcoming off is > 30 minutes away,
every minute inside 30 minutes, none after the day's last off; only after the morning run."""

from __future__ import annotations

import datetime as dt

import psycopg

from tests.db.scheduling.stubs import UTC, add_races, calls, local, minutes, tick, use_stub

DAY = dt.date(2026, 6, 15)
OFFS = ["13:00", "14:30", "16:00"]


def _expected(offs: list[dt.datetime], morning: dt.datetime,
              ticks: list[dt.datetime]) -> list[dt.datetime]:
    """The rule, minute by minute, independent of the SQL."""
    out: list[dt.datetime] = []
    last = morning
    for t in ticks:
        if t <= morning:
            continue
        upcoming = [o for o in offs if o > t]
        if not upcoming:
            continue
        every = 10 if min(upcoming) - t > dt.timedelta(minutes=30) else 1
        if t >= last + dt.timedelta(minutes=every):
            out.append(t)
            last = t
    return out


def test_refresh_cadence_over_a_day(conn: psycopg.Connection) -> None:
    use_stub(conn)
    offs = [o.astimezone(UTC) for o in add_races(conn, DAY, OFFS)]
    ticks = minutes(local(DAY, "07:00"), local(DAY, "18:00"))
    for at in ticks:
        tick(conn, at)
    morning = local(DAY, "08:00").astimezone(UTC)
    assert calls(conn, "morning") == [morning]
    got = calls(conn, "refresh")
    assert got == _expected(offs, morning, ticks)
    # Spot checks in local time, written out by hand.
    hhmm = [t.astimezone(local(DAY, "00:00").tzinfo).strftime("%H:%M") for t in got]
    assert hhmm[:3] == ["08:10", "08:20", "08:30"]
    assert "12:20" in hhmm and "12:25" not in hhmm            # far: 10-minute steps
    assert [h for h in hhmm if "12:30" <= h <= "13:05"] == [  # near: every minute
        f"12:{m:02d}" for m in range(30, 60)]
    # At 13:00 the next off is 14:30: far again, 10 minutes after the last refresh (12:59).
    assert [h for h in hhmm if "13:00" <= h <= "14:02"] == [
        "13:09", "13:19", "13:29", "13:39", "13:49", "13:59", "14:00", "14:01", "14:02"]
    assert hhmm[-1] == "15:59"                                # none after the last off
    assert all(h < "16:00" for h in hhmm)


def test_no_refresh_before_the_morning_run(conn: psycopg.Connection) -> None:
    use_stub(conn)
    add_races(conn, DAY, ["07:40", "09:00"])
    for at in minutes(local(DAY, "07:00"), local(DAY, "07:59")):
        out = tick(conn, at)
        assert {d["job"]: d["decision"] for d in out["decisions"]}["refresh"] == "waiting"
    assert calls(conn, "refresh") == []
