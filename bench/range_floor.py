"""(floor) of bench_score_range: only writing (ii)'s finished rows, chunk by chunk.

What any backfill into this schema pays at least, in the database or outside it: the rows
(ii) wrote (signals and dq_results), taken out once as binary COPY files per chunk, then
loaded back the way (ii) loads them (binary COPY, foreign keys checked once per chunk under
session_replication_role = replica, one COMMIT per chunk), with nothing computed. The time
is the table's own insert cost: jsonb parsing of the reasons and details, the CHECK
constraints, the indexes and signals_newest's trigger. Needs the server on this machine (it
writes and reads the files) and a superuser.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import psycopg
from hrdpg_pl import scoring_bulk
from psycopg import sql
from range_measure import Chunk, PathResult, backend_cpu

SIGNALS = sql.SQL(", ").join(map(sql.Identifier, scoring_bulk.SIGNAL_COLUMNS))
DQ = sql.SQL(", ").join(map(sql.Identifier, scoring_bulk.DQ_COLUMNS))
DQ_OF_CHUNK = ("SELECT {cols} FROM modeling.dq_results d WHERE d.race_id IN (SELECT ra.race_id "
               "FROM modeling.src_races ra WHERE ra.race_date BETWEEN {lo} AND {hi})")


def dump(conn: psycopg.Connection, parts: list[Chunk], where: Path) -> None:
    """(ii)'s rows of each chunk into two binary files the server writes."""
    for i, (lo, hi) in enumerate(parts):
        conn.execute(sql.SQL(
            "COPY (SELECT {cols} FROM modeling.signals WHERE race_date BETWEEN {lo} AND {hi}) "
            "TO {f} (FORMAT binary)").format(cols=SIGNALS, lo=sql.Literal(lo),
                                             hi=sql.Literal(hi),
                                             f=sql.Literal(str(where / f"s{i}.bin"))))
        conn.execute(sql.SQL("COPY (" + DQ_OF_CHUNK + ") TO {f} (FORMAT binary)").format(
            cols=DQ, lo=sql.Literal(lo), hi=sql.Literal(hi),
            f=sql.Literal(str(where / f"d{i}.bin"))))


def run_write_floor(dsn: str, parts: list[Chunk], reset: object) -> PathResult:
    """reset: bench_score_range.reset, called between the dump and the timed load."""
    where = Path(tempfile.mkdtemp(prefix="hrdpg_floor_"))
    os.chmod(where, 0o777)  # the server's OS user writes the files  # noqa: S103
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            dump(conn, parts, where)
        reset(dsn)  # type: ignore[operator]
        t0 = time.perf_counter()
        with psycopg.connect(dsn) as conn:
            c0 = backend_cpu(conn)
            for i in range(len(parts)):
                conn.execute("SET LOCAL session_replication_role = replica")
                for table, cols, name in (("modeling.dq_results", DQ, f"d{i}.bin"),
                                          ("modeling.signals", SIGNALS, f"s{i}.bin")):
                    conn.execute(sql.SQL("COPY {t} ({cols}) FROM {f} (FORMAT binary)").format(
                        t=sql.SQL(table), cols=cols, f=sql.Literal(str(where / name))))
                conn.commit()
            c1 = backend_cpu(conn)
            row = conn.execute("SELECT count(*) FROM modeling.signals").fetchone()
        seconds = time.perf_counter() - t0
        cpu = None if c0 is None or c1 is None else c1 - c0
        return PathResult(seconds, int(row[0]) if row else 0, "writes only", {}, cpu)
    finally:
        shutil.rmtree(where, ignore_errors=True)
