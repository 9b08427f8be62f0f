"""Shared bits of the benchmark scripts."""

from __future__ import annotations

import datetime as dt

import psycopg
from psycopg import sql


def train_test_split(conn: psycopg.Connection) -> tuple[dt.date, dt.date, dt.date]:
    """(first day, last training day, last day): the last 20 % of days are the test window."""
    row = conn.execute("SELECT min(race_date), max(race_date) FROM modeling.src_races"
                       ).fetchone()
    if row is None or row[0] is None:
        raise SystemExit("no races in the database; pass --generate")
    lo, hi = row
    return lo, lo + dt.timedelta(days=int((hi - lo).days * 0.8)), hi


def insert_columns(conn: psycopg.Connection, table: str) -> sql.Composable:
    """A table's columns a plain INSERT can write (not dropped, not generated), in order."""
    rows = conn.execute("SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = "
                        "%s::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' "
                        "ORDER BY attnum", (table,)).fetchall()
    return sql.SQL(", ").join(sql.Identifier(r[0]) for r in rows)
