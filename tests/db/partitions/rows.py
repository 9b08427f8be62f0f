"""Shared helpers of the partition tests (no tests here): signal rows written straight into
modeling.signals, and readings that do not go through the engine's own views."""

from __future__ import annotations

import datetime as dt

import psycopg

MODEL_SQL = """
INSERT INTO modeling.models (name, version, artifact, artifact_sha256, input_name, output_name,
                             feature_names, feature_version)
VALUES ('partition_test', 1, '\\x00', repeat('0', 64), 'x', 'y', '{f}', 'v')
RETURNING model_id
"""
# per_day rows on every day from..to: 4 runners, a publication every 30 minutes.
SIGNALS_SQL = """
INSERT INTO modeling.signals (as_of, race_id, horse_id, model_id, race_date, off_time, p_win,
                              fair_win_odds, feature_version, alias)
SELECT d + make_interval(mins => 30 * (k / 4)), (d - date '2000-01-01') * 10 + 1,
       k %% 4 + 1, %(model)s, d, d + interval '20 hours', 0.2 + (k %% 4) * 0.01,
       1 / (0.2 + (k %% 4) * 0.01), 'v', 'production'
  FROM generate_series(%(from)s::date, %(to)s::date, interval '1 day') AS g(t)
 CROSS JOIN LATERAL (SELECT g.t::date AS d) x
 CROSS JOIN generate_series(0, %(per_day)s - 1) AS k
"""
# Every row, in one order, as text: equal before and after means the same rows.
CHECKSUM_SQL = """
SELECT count(*), md5(coalesce(string_agg(s::text, '|' ORDER BY s.as_of, s.race_id, s.horse_id,
                                                               s.model_id), ''))
  FROM modeling.signals s
"""
PARTITIONS_SQL = """
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid)
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'modeling.signals'::regclass ORDER BY 1
"""


def add_model(conn: psycopg.Connection) -> int:
    row = conn.execute(MODEL_SQL).fetchone()
    assert row is not None
    return int(row[0])


def add_signals(conn: psycopg.Connection, model: int, first: dt.date, last: dt.date,
                per_day: int = 8) -> None:
    conn.execute(SIGNALS_SQL, {"model": model, "from": first, "to": last, "per_day": per_day})


def checksum(conn: psycopg.Connection) -> tuple[int, str]:
    row = conn.execute(CHECKSUM_SQL).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


def partitions(conn: psycopg.Connection) -> dict[str, str]:
    """partition name -> its bound as the catalogue prints it."""
    return {str(n): str(b) for n, b in conn.execute(PARTITIONS_SQL).fetchall()}


def month_bound(month: dt.date) -> str:
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return f"FOR VALUES FROM ('{month}') TO ('{nxt}')"


def months(first: dt.date, count: int) -> list[dt.date]:
    out = [first.replace(day=1)]
    while len(out) < count:
        out.append((out[-1].replace(day=28) + dt.timedelta(days=4)).replace(day=1))
    return out

# signals_newest as it should be: recomputed from every row of signals.
NEWEST_SQL = "SELECT alias, race_date, race_id, as_of FROM modeling.signals_newest ORDER BY 1, 2, 3"
RECOMPUTED_SQL = """
SELECT alias, race_date, race_id, max(as_of) FROM modeling.signals GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
"""


def newest_is_exact(conn: psycopg.Connection) -> bool:
    return conn.execute(NEWEST_SQL).fetchall() == conn.execute(RECOMPUTED_SQL).fetchall()
