"""Shared bits of the benchmark scripts."""

from __future__ import annotations

import datetime as dt

import psycopg


def train_test_split(conn: psycopg.Connection) -> tuple[dt.date, dt.date, dt.date]:
    """(first day, last training day, last day): the last 20 % of days are the test window."""
    row = conn.execute("SELECT min(race_date), max(race_date) FROM modeling.src_races"
                       ).fetchone()
    if row is None or row[0] is None:
        raise SystemExit("no races in the database; pass --generate")
    lo, hi = row
    return lo, lo + dt.timedelta(days=int((hi - lo).days * 0.8)), hi
