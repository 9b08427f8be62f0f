"""Retention drops exactly the month partitions past the policy, and nothing newer."""

from __future__ import annotations

import datetime as dt

import psycopg

from tests.db.partitions.rows import add_model, add_signals, months, partitions

FIRST = dt.date(2019, 1, 1)
LAST = dt.date(2020, 6, 30)
NOW = dt.datetime(2020, 6, 15, 8, tzinfo=dt.UTC)
KEEP_MONTHS = 12


def test_retention_drops_months_past_policy(conn: psycopg.Connection) -> None:
    conn.execute("SELECT modeling.create_signal_partitions(%s, %s)", (FIRST, LAST))
    add_signals(conn, add_model(conn), FIRST, LAST)
    conn.commit()
    # Independently: keep the current month and the 12 before it, whole months only.
    cutoff = dt.date(NOW.year - 1, NOW.month, 1)
    kept_rows = conn.execute("SELECT count(*), md5(string_agg(s::text, '|' ORDER BY s.as_of, "
                             "s.race_id, s.horse_id)) FROM modeling.signals s "
                             "WHERE race_date >= %s", (cutoff,)).fetchone()
    gone = {f"signals_p{m:%Y%m}" for m in months(FIRST, 24) if m < cutoff}
    before = set(partitions(conn))

    res = conn.execute("SELECT modeling.housekeeping(%s, signals_retention_months => %s)",
                       (NOW, KEEP_MONTHS)).fetchone()
    conn.commit()

    assert res is not None and sorted(res[0]["signal_partitions_dropped"]) == sorted(gone)
    after = set(partitions(conn))
    assert before - after == gone
    assert conn.execute("SELECT count(*), md5(string_agg(s::text, '|' ORDER BY s.as_of, "
                        "s.race_id, s.horse_id)) FROM modeling.signals s").fetchone() == kept_rows
    assert "signals_default" in after


def test_no_policy_drops_nothing(conn: psycopg.Connection) -> None:
    conn.execute("SELECT modeling.create_signal_partitions(%s, %s)", (FIRST, LAST))
    add_signals(conn, add_model(conn), FIRST, LAST, per_day=2)
    conn.commit()
    count = conn.execute("SELECT count(*) FROM modeling.signals").fetchone()
    res = conn.execute("SELECT modeling.housekeeping(%s)", (NOW,)).fetchone()
    assert res is not None and res[0]["signal_partitions_dropped"] == []
    assert conn.execute("SELECT count(*) FROM modeling.signals").fetchone() == count
