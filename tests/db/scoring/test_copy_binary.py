"""copy_binary's streams load what the same values give as query parameters (psycopg's own
adaptation, not this encoder), across blocks, NULLs, long and non-ASCII values."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import psycopg
from hrdpg_pl import copy_binary as cb

COLUMNS = ("i int8, j jsonb, s int2, b bool, f float8, t text, d date, ts timestamptz, "
           "a text[], n int4, k jsonb")
FROM_PARAMS = """
INSERT INTO want SELECT * FROM unnest(%s::int8[], %s::jsonb[], %s::int2[], %s::bool[],
    %s::float8[], %s::text[], %s::date[], %s::timestamptz[]) AS u(i, j, s, b, f, t, d, ts)
  CROSS JOIN LATERAL (SELECT CASE WHEN u.i %% 4 <> 0 THEN x.a END
                        FROM (VALUES (0, %s::text[]), (1, %s::text[]), (2, %s::text[])) AS x(k, a)
                       WHERE x.k = u.i %% 3) AS a(a)
  CROSS JOIN LATERAL (SELECT u.i::int4 * 7, NULL::jsonb) AS m(n, k)
"""
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
ARRAYS = [[], ["liquidity"], ["liquidity", "race cap", "halt é"]]


def roundtrip(conn: psycopg.Connection, n: int, long_at: int | None = None) -> None:
    rng = np.random.default_rng(n)
    ids = np.arange(n, dtype=np.int64)
    gone = rng.random((6, n)) < 0.25  # a quarter NULL in each nullable column
    docs = [None if gone[0, i] else json.dumps({"i": i, "w": "é" * (i % 5)}, ensure_ascii=False)
            for i in range(n)]
    if long_at is not None:  # one value longer than a whole block's matrix
        docs[long_at] = json.dumps({"long": "x" * (cb.BLOCK_BYTES + 5)})
    small = rng.integers(-300, 300, n)
    flags = rng.random(n) < 0.5
    floats = np.where(gone[1], np.nan, rng.normal(size=n) * 1e3)
    names = [None if gone[2, i] else ["a", "ödds", "betfair exchange"][i % 3] for i in range(n)]
    days = rng.integers(-1000, 30000, n)
    us = rng.integers(-10**15, 2 * 10**15, n)
    conn.execute(f"CREATE TEMP TABLE got ({COLUMNS}); CREATE TEMP TABLE want ({COLUMNS})")
    fields = [cb.int8(ids), cb.jsonb(docs), cb.int2(small, gone[3]), cb.boolean(flags, gone[4]),
              cb.float8(floats), cb.text(names), cb.date_days(days),
              cb.timestamptz_us(us, gone[5]),
              cb.text_array([None if i % 4 == 0 else ARRAYS[i % 3] for i in range(n)]),
              cb.int4(ids * 7), cb.jsonb([None] * n)]
    with conn.cursor().copy("COPY got FROM STDIN (FORMAT binary)") as cp:
        cp.write(cb.encode(fields))
    conn.execute(FROM_PARAMS, (
        ids.tolist(), docs, [None if z else int(v) for v, z in zip(small, gone[3], strict=True)],
        [None if z else bool(v) for v, z in zip(flags, gone[4], strict=True)],
        [None if np.isnan(v) else float(v) for v in floats], names,
        [dt.date(1970, 1, 1) + dt.timedelta(days=int(v)) for v in days],
        [None if z else EPOCH + dt.timedelta(microseconds=int(v))
         for v, z in zip(us, gone[5], strict=True)],
        *ARRAYS))
    diff = conn.execute("SELECT count(*) FROM ((TABLE got EXCEPT ALL TABLE want) UNION ALL "
                        "(TABLE want EXCEPT ALL TABLE got)) x").fetchone()
    total = conn.execute("SELECT count(*) FROM got").fetchone()
    conn.rollback()
    assert total == (n,) and diff == (0,)


def test_stream_across_blocks_loads_the_parameter_values(conn: psycopg.Connection) -> None:
    roundtrip(conn, 2 * cb.BLOCK_ROWS + 17)


def test_a_value_longer_than_a_block_loads(conn: psycopg.Connection) -> None:
    roundtrip(conn, 300, long_at=123)


def test_empty_stream(conn: psycopg.Connection) -> None:
    roundtrip(conn, 0)
