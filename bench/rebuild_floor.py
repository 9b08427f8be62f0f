"""(floor) of bench_features: a full rebuild's writes only, nothing computed.

What any rebuild of this schema pays at least, whatever computes the rows: the tables a
rebuild derives (run history, the daily totals, speed figures, the feature store) emptied,
their indexes dropped, the same rows inserted again from copies taken before timing, the
indexes built again, ANALYZE as the rebuild runs it, one COMMIT. The copies are unlogged
tables in a scratch schema, dropped afterwards; the rebuilt tables end with the rows they
had. Point of the path: a target below it cannot be met by making the computation faster.
"""

from __future__ import annotations

import time

import psycopg
from common import insert_columns
from hrdpg_pl.history import BULK_INDEXED, REBUILT_TABLES
from psycopg import sql

STORE = "modeling.feature_store"
SCRATCH = "bench_floor"


def _name(table: str) -> sql.Composable:
    return sql.Identifier(*table.split("."))


def _copy(table: str) -> sql.Composable:
    return sql.Identifier(SCRATCH, table.split(".")[1])


def rebuild_write_floor(conn: psycopg.Connection) -> dict[str, float]:
    """Seconds per part ('total' included); conn is a superuser's, outside a transaction."""
    tables = [*REBUILT_TABLES, STORE]
    cols = {t: insert_columns(conn, t) for t in tables}
    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {s} CASCADE; CREATE SCHEMA {s}").format(
        s=sql.Identifier(SCRATCH)))
    for t in tables:
        conn.execute(sql.SQL("CREATE UNLOGGED TABLE {c} AS SELECT {cols} FROM {t}").format(
            c=_copy(t), cols=cols[t], t=_name(t)))
    conn.commit()
    parts: dict[str, float] = {}
    try:
        # What refresh_history and refresh_features set for their own rebuild statements.
        conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        t0 = time.perf_counter()
        conn.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(map(_name, tables))))
        suspended = [conn.execute("SELECT modeling.suspend_indexes(%s::regclass)",
                                  (t,)).fetchone()[0]  # type: ignore[index]
                     for t in (*BULK_INDEXED, STORE)]
        for t in tables:
            start = time.perf_counter()
            conn.execute(sql.SQL("INSERT INTO {t} ({cols}) SELECT {cols} FROM {c}").format(
                t=_name(t), cols=cols[t], c=_copy(t)))
            parts[t] = time.perf_counter() - start
        start = time.perf_counter()
        for statements in suspended:
            conn.execute("SELECT modeling.restore_indexes(%s)", (statements,))
        parts["indexes"] = time.perf_counter() - start
        start = time.perf_counter()
        conn.execute(sql.SQL("ANALYZE {}").format(
            sql.SQL(", ").join(map(_name, REBUILT_TABLES))))
        parts["analyze"] = time.perf_counter() - start
        start = time.perf_counter()
        conn.commit()
        parts["commit"] = time.perf_counter() - start
        parts["total"] = time.perf_counter() - t0
    finally:
        conn.rollback()
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(SCRATCH)))
        conn.commit()
    return parts
