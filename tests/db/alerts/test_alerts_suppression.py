"""raise_alert: repeats within the category's suppression window bump one alert; outside the
window, after an acknowledgement, or under another key a new alert opens; escalation."""

from __future__ import annotations

import psycopg
import pytest

RAISE = "SELECT modeling.raise_alert(%s, %s, %s, %s)"


def _raise(conn: psycopg.Connection, severity: str = "warning", category: str = "drift",
           key: str = "k") -> int:
    row = conn.execute(RAISE, (severity, category, key, f"{category} {key}")).fetchone()
    conn.commit()
    assert row is not None
    return int(row[0])


def test_repeats_are_suppressed_within_the_window(conn: psycopg.Connection) -> None:
    first = _raise(conn)
    assert _raise(conn) == first == _raise(conn)
    assert _raise(conn, key="other") != first
    assert conn.execute("SELECT suppressed_count FROM modeling.alerts WHERE alert_id = %s",
                        (first,)).fetchone() == (2,)
    # Older than the category's window (1 hour here; '*' says 24 hours): a new alert.
    conn.execute("INSERT INTO modeling.alert_settings (category, suppress_for) "
                 "VALUES ('drift', '1 hour')")
    conn.execute("UPDATE modeling.alerts SET created_at = now() - interval '2 hours', "
                 "last_seen_at = now() - interval '2 hours'")
    conn.commit()
    second = _raise(conn)
    assert second > first
    sched = _raise(conn, category="schedule")
    conn.execute("UPDATE modeling.alerts SET created_at = now() - interval '2 hours', "
                 "last_seen_at = now() - interval '2 hours' WHERE category = 'schedule'")
    conn.commit()
    assert _raise(conn, category="schedule") == sched  # within the 24 hours of '*'


def test_a_daily_repeat_stays_one_alert(conn: psycopg.Connection) -> None:
    # First raised three days ago, seen again every day since: within 24 h of its last
    # sighting, so the same alert, counted.
    first = _raise(conn, severity="critical")
    conn.execute("UPDATE modeling.alerts SET created_at = now() - interval '3 days', "
                 "last_seen_at = now() - interval '23 hours', suppressed_count = 2")
    conn.commit()
    assert _raise(conn, severity="critical") == first
    assert conn.execute("SELECT count(*), max(suppressed_count) FROM modeling.alerts"
                        ).fetchone() == (1, 3)


def test_acknowledged_alerts_reopen_and_escalation_redelivers(conn: psycopg.Connection) -> None:
    first = _raise(conn)
    conn.execute("UPDATE modeling.alerts SET delivered_at = now()")
    assert _raise(conn, severity="critical") == first
    assert conn.execute("SELECT severity, delivered_at IS NULL FROM modeling.alerts "
                        "WHERE alert_id = %s", (first,)).fetchone() == ("critical", True)
    # A lower severity bumps without downgrading.
    assert _raise(conn, severity="info") == first
    assert conn.execute("SELECT severity FROM modeling.alerts").fetchone() == ("critical",)
    assert conn.execute("SELECT modeling.ack_alert(%s, 'seen')", (first,)).fetchone() == (True,)
    assert conn.execute("SELECT modeling.ack_alert(%s)", (first,)).fetchone() == (False,)
    conn.commit()
    assert _raise(conn) != first


def test_bad_input_is_refused(conn: psycopg.Connection) -> None:
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="severity"):
        conn.execute(RAISE, ("loud", "drift", "k", "m"))
    conn.rollback()
    with pytest.raises(psycopg.errors.NoDataFound, match="does not exist"):
        conn.execute("SELECT modeling.ack_alert(424242)")
    conn.rollback()
    assert conn.execute("SELECT count(*) FROM modeling.alerts").fetchone() == (0,)
