"""The upgrade from 0014 (unpartitioned signals) keeps every row, each in its month."""

from __future__ import annotations

import datetime as dt

import psycopg

from hrdpg import migrate
from hrdpg.config import Settings
from tests.db.partitions.rows import add_model, add_signals, checksum

FIRST = dt.date(2024, 11, 20)
LAST = dt.date(2025, 2, 10)


def test_upgrade_from_0014_keeps_every_row(empty_db: Settings) -> None:
    migrate.migrate(empty_db, "0014_backtests")
    with psycopg.connect(empty_db.conninfo()) as conn:
        add_signals(conn, add_model(conn), FIRST, LAST)
        conn.commit()
        before = checksum(conn)
        per_month = dict(conn.execute(
            "SELECT to_char(race_date, 'YYYYMM'), count(*) FROM modeling.signals "
            "GROUP BY 1").fetchall())
    migrate.migrate(empty_db)
    with psycopg.connect(empty_db.conninfo()) as conn:
        assert conn.execute("SELECT relkind FROM pg_class "
                            "WHERE oid = 'modeling.signals'::regclass").fetchone() == ("p",)
        assert checksum(conn) == before
        assert dict(conn.execute(
            "SELECT substr(tableoid::regclass::text, 19), count(*) FROM modeling.signals "
            "GROUP BY 1").fetchall()) == per_month
