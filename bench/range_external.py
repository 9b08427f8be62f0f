"""The external paths of bench_score_range: (iii) binary COPY out, onnxruntime, COPY in and one
upsert per chunk; (iv) one INSERT ... ON CONFLICT per row."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
from hrdpg_pl import racenorm
from hrdpg_pl.model_cache import make_session
from psycopg import sql
from range_measure import Chunk, Model, PathResult, backend_cpu, cpu_sum

COPY_HEADER = 19  # PGCOPY signature, flags, header extension length
PER_ROW_SAMPLE_EVERY = 10
UPSERT_FROM_TEMP = """
INSERT INTO modeling.signals AS s (as_of, race_id, horse_id, model_id, race_date, off_time,
                                   p_win, fair_win_odds, feature_version, alias)
SELECT r.off_time - interval '1 minute', t.race_id, t.horse_id, %(model)s, r.race_date,
       r.off_time, t.p_win, 1 / t.p_win, %(fv)s, 'bench'
  FROM bench_in t JOIN modeling.src_races r USING (race_id)
ON CONFLICT ON CONSTRAINT signals_natural_key DO UPDATE SET p_win = EXCLUDED.p_win,
   fair_win_odds = EXCLUDED.fair_win_odds
"""
UPSERT_ROW = """
INSERT INTO modeling.signals AS s (as_of, race_id, horse_id, model_id, race_date, off_time,
                                   p_win, fair_win_odds, feature_version, alias)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'bench')
ON CONFLICT ON CONSTRAINT signals_natural_key DO UPDATE SET p_win = EXCLUDED.p_win,
   fair_win_odds = EXCLUDED.fair_win_odds
"""


def feature_copy(names: list[str], lo: dt.date, hi: dt.date) -> sql.Composed:
    cols = [sql.SQL("coalesce(f.{}::float8, 'NaN')").format(sql.Identifier(n)) for n in names]
    return sql.SQL(
        "COPY (SELECT f.race_id::int8, f.horse_id::int8, {cols} FROM modeling.runner_features f"
        " WHERE f.race_date BETWEEN {lo} AND {hi}) TO STDOUT (FORMAT binary)"
    ).format(cols=sql.SQL(", ").join(cols), lo=sql.Literal(lo), hi=sql.Literal(hi))


def read_features(conn: psycopg.Connection, names: list[str], lo: dt.date, hi: dt.date
                  ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64],
                             npt.NDArray[np.float64]]:
    """(race_id, horse_id, x) from one binary COPY: every field is 8 bytes, so each tuple has
    the same width and one structured dtype parses the buffer."""
    fields = [("n", ">i2"), ("l0", ">i4"), ("race", ">i8"), ("l1", ">i4"), ("horse", ">i8")]
    fields += [(f"m{j}", ">i4") if k == 0 else (f"f{j}", ">f8")
               for j in range(len(names)) for k in (0, 1)]
    dtype = np.dtype(fields)
    buf = bytearray()
    with conn.cursor().copy(feature_copy(names, lo, hi)) as copy:
        for block in copy:
            buf += block
    body = memoryview(buf)[COPY_HEADER:len(buf) - 2] if len(buf) > COPY_HEADER else b""
    rec = np.frombuffer(body, dtype=dtype)
    x = np.empty((rec.size, len(names)), dtype=np.float64)
    for j in range(len(names)):
        x[:, j] = rec[f"f{j}"]
    return rec["race"].astype(np.int64), rec["horse"].astype(np.int64), x


def run_external(dsn: str, model: Model, parts: list[Chunk]) -> PathResult:
    t0, c0 = time.perf_counter(), time.process_time()
    sess = make_session(model.artifact)
    rows = 0
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TEMP TABLE bench_in (race_id int8, horse_id int8, p_win float8) "
                     "ON COMMIT DELETE ROWS")
        for lo, hi in parts:
            race, horse, x = read_features(conn, model.names, lo, hi)
            if race.size:
                p = infer(sess, x, race)
                with conn.cursor().copy("COPY bench_in FROM STDIN (FORMAT binary)") as cp:
                    cp.set_types(["int8", "int8", "float8"])
                    for r in zip(race.tolist(), horse.tolist(), p.tolist(), strict=True):
                        cp.write_row(r)
                conn.execute(UPSERT_FROM_TEMP, {"model": model.model_id,
                                                "fv": model.feature_version})
            conn.commit()
            rows += int(race.size)
        cpu = cpu_sum(backend_cpu(conn), time.process_time() - c0)
    return PathResult(time.perf_counter() - t0, rows, cpu=cpu)


def infer(sess: Any, x: npt.NDArray[np.float64], race: npt.NDArray[np.int64]
          ) -> npt.NDArray[np.float64]:
    """The model's race softmax (no market blend)."""
    return racenorm.group_softmax(sess.run(None, {sess.get_inputs()[0].name: x})[0], race)


def per_row_chunks(conn: psycopg.Connection, model: Model, sess: Any,
                   parts: list[Chunk]) -> tuple[float, int]:
    """(seconds, rows) of the per-row path over some chunks."""
    t0 = time.perf_counter()
    rows = 0
    for lo, hi in parts:
        race, horse, x = read_features(conn, model.names, lo, hi)
        races = {int(r[0]): (r[1], r[2]) for r in conn.execute(
            "SELECT race_id, race_date, off_time FROM modeling.src_races "
            "WHERE race_date BETWEEN %s AND %s", (lo, hi)).fetchall()}
        if race.size:
            p = infer(sess, x, race)
            for r, h, v in zip(race.tolist(), horse.tolist(), p.tolist(), strict=True):
                day, off = races[r]
                conn.execute(UPSERT_ROW, (off - dt.timedelta(minutes=1), r, h, model.model_id,
                                          day, off, v, 1 / v, model.feature_version))
        conn.commit()
        rows += int(race.size)
    return time.perf_counter() - t0, rows


def run_per_row(dsn: str, model: Model, parts: list[Chunk], total_rows: int,
                budget_s: float) -> PathResult:
    c0 = time.process_time()
    sess = make_session(model.artifact)
    sample = parts[::PER_ROW_SAMPLE_EVERY]
    rest = [c for i, c in enumerate(parts) if i % PER_ROW_SAMPLE_EVERY]
    with psycopg.connect(dsn) as conn:
        s_sec, s_rows = per_row_chunks(conn, model, sess, sample)
        estimate = s_sec / max(s_rows, 1) * total_rows
        if estimate > budget_s:
            s_cpu = cpu_sum(backend_cpu(conn), time.process_time() - c0)
            return PathResult(estimate, total_rows,
                              f"extrapolated from {len(sample)} of {len(parts)} chunks "
                              f"({s_rows:,} rows in {s_sec:.1f} s)",
                              {"sample_rows": s_rows, "sample_seconds": s_sec},
                              None if s_cpu is None else s_cpu / max(s_rows, 1) * total_rows)
        r_sec, r_rows = per_row_chunks(conn, model, sess, rest)
        cpu = cpu_sum(backend_cpu(conn), time.process_time() - c0)
    return PathResult(s_sec + r_sec, s_rows + r_rows, "measured (all chunks)", cpu=cpu)
