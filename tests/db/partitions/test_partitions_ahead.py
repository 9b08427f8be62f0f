"""Housekeeping creates the signals month partitions of its month and the months ahead."""

from __future__ import annotations

import datetime as dt

import psycopg

from tests.db.partitions.rows import month_bound, months, partitions

NOW = dt.datetime(2021, 3, 15, 8, tzinfo=dt.UTC)  # a replayed past instant: no month has one


def test_housekeeping_creates_months_ahead(conn: psycopg.Connection) -> None:
    before = partitions(conn)
    res = conn.execute("SELECT modeling.housekeeping(%s, signals_months_ahead => 3)",
                       (NOW,)).fetchone()
    conn.commit()
    assert res is not None
    expected = {f"signals_p{m:%Y%m}": month_bound(m) for m in months(NOW.date(), 4)}
    assert sorted(res[0]["signal_partitions_created"]) == sorted(expected)
    after = partitions(conn)
    assert {k: after[k] for k in expected} == expected
    assert set(after) - set(expected) == set(before)


def test_housekeeping_twice_creates_nothing_more(conn: psycopg.Connection) -> None:
    conn.execute("SELECT modeling.housekeeping(%s)", (NOW,))
    conn.commit()
    made = partitions(conn)
    res = conn.execute("SELECT modeling.housekeeping(%s)", (NOW,)).fetchone()
    assert res is not None and res[0]["signal_partitions_created"] == []
    assert partitions(conn) == made
