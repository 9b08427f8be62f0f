"""Backfill scoring of a >= 1M-runner world: score_range vs external paths, side by side.

    python bench/bench_score_range.py --dsn DSN [--runners 1000000] [--reuse]
                                      [--chunk-days 7] [--per-row-budget 600]

One run, one model (the production alias; trained and promoted if unset), the same rows: every
runner of every day of the world, chunk by chunk (--chunk-days), as_of = each race's off - 1
minute, one COMMIT per chunk in every path.

Starting state, the same for every path: features are current for everyone (the trainer has
just refreshed them over the whole world, one pass) and no path refreshes them; score_range is
called with refresh_features => false (a score_range without that argument refreshes each
chunk, and the table says so). modeling.signals and modeling.dq_results are truncated and a
CHECKPOINT taken before each path, so each starts from empty tables and clean buffers.

  (ii)  CALL modeling.score_range(from, to, chunk_days, ...) on a new connection: fetch (packed
        feature rows, best odds), ONNX, race softmax + market blend, DQ gate and dq_results,
        pricing, explanations, one signals upsert per chunk, progress in its run row
  (iii) external best case, per chunk: binary COPY of the model's features out of
        modeling.runner_features, onnxruntime + race softmax, binary COPY into a temp table,
        one INSERT ... ON CONFLICT into signals (p_win, fair odds: no odds, DQ, pricing or
        reasons, so less work than (ii))
  (iv)  external naive: the same rows as (iii), one INSERT ... ON CONFLICT per row. Run first
        on a fixed sample (every 10th chunk); when the sample's rate says the whole run would
        take longer than --per-row-budget seconds, the figure is extrapolated per row from the
        sample and labelled so, otherwise the other chunks are run too and it is measured.

Peak memory of the score_range backend: a client thread samples /proc/<pg_backend_pid>/status
every 20 ms (needs the server on this machine and permission to read it): VmHWM (the kernel's
peak resident set, includes the shared buffers the backend touched) and the largest RssAnon
seen (its private memory). CPU seconds per path (utime + stime from /proc/<pid>/stat of the
backend, plus this client's process time for (iii) and (iv), whose work is split between the
two) are printed next to wall time: on a shared machine they move less with other jobs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
from bench_features import ensure_world
from bench_score import ensure_model
from hrdpg_pl import racenorm
from hrdpg_pl.model_cache import make_session
from psycopg import sql
from rich.console import Console
from rich.table import Table

Chunk = tuple[dt.date, dt.date]
COPY_HEADER = 19  # PGCOPY signature, flags, header extension length
PER_ROW_SAMPLE_EVERY = 10
HAS_REFRESH_ARG_SQL = """
SELECT 'refresh_features' = ANY(p.proargnames) FROM pg_catalog.pg_proc p
 WHERE p.oid = 'modeling.score_range'::regproc
"""
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


@dataclass
class Model:
    model_id: int
    names: list[str]
    feature_version: str
    artifact: bytes


@dataclass
class PathResult:
    seconds: float
    rows: int
    note: str = ""
    extra: dict[str, object] = field(default_factory=dict)
    cpu: float | None = None  # CPU seconds: the backend's, plus the client's for (iii)/(iv)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("nan")


class MemorySampler:
    """Polls /proc/<pid>/status of a backend from a thread: peak VmHWM and RssAnon (kB)."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        self.path = Path(f"/proc/{pid}/status")
        self.every = every
        self.hwm_kb = 0
        self.anon_kb = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _read(self) -> None:
        try:
            text = self.path.read_text()
        except OSError:
            return
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        self.hwm_kb = max(self.hwm_kb, int(fields.get("VmHWM", "0 kB").split()[0]))
        self.anon_kb = max(self.anon_kb, int(fields.get("RssAnon", "0 kB").split()[0]))
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._read()

    def __enter__(self) -> MemorySampler:
        self._read()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._read()

    @property
    def available(self) -> bool:
        return self.samples > 0


def backend_cpu(conn: psycopg.Connection) -> float | None:
    """utime + stime of this connection's backend (None when /proc is not readable)."""
    row = conn.execute("SELECT pg_backend_pid()").fetchone()
    try:
        stat = Path(f"/proc/{row[0] if row else 0}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_sum(*parts: float | None) -> float | None:
    return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)


def chunks(lo: dt.date, hi: dt.date, days: int) -> list[Chunk]:
    """The same chunk boundaries as score_range."""
    out = []
    d = lo
    while d <= hi:
        end = min(d + dt.timedelta(days=days - 1), hi)
        out.append((d, end))
        d = end + dt.timedelta(days=1)
    return out


def reset(dsn: str) -> None:
    """Every path starts from empty signals/dq_results and a checkpoint."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("TRUNCATE modeling.signals, modeling.dq_results")
        conn.execute("VACUUM ANALYZE modeling.signals")
        conn.execute("CHECKPOINT")


def count_signals(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM modeling.signals").fetchone()
    conn.commit()
    return int(row[0]) if row else 0


def production(conn: psycopg.Connection) -> Model:
    row = conn.execute(
        "SELECT m.model_id, m.feature_names, m.feature_version, m.artifact "
        "FROM modeling.model_aliases a JOIN modeling.models m USING (model_id) "
        "WHERE a.alias = 'production'").fetchone()
    assert row is not None, "no production model"
    conn.commit()
    return Model(int(row[0]), [str(n) for n in row[1]], str(row[2]), bytes(row[3]))


def run_score_range(dsn: str, lo: dt.date, hi: dt.date, chunk_days: int) -> PathResult:
    t0 = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        pid_row = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert pid_row is not None
        has_arg = conn.execute(HAS_REFRESH_ARG_SQL).fetchone()
        refresh_arg = bool(has_arg and has_arg[0])
        call = ("CALL modeling.score_range(%s, %s, %s, refresh_features => false)" if refresh_arg
                else "CALL modeling.score_range(%s, %s, %s)")
        with MemorySampler(int(pid_row[0])) as mem:
            conn.execute(call, (lo, hi, chunk_days))
        seconds = time.perf_counter() - t0
        cpu = backend_cpu(conn)
        run = conn.execute(
            "SELECT rows_in, rows_out, races_published, races_blocked, timings_ms, "
            "params -> 'progress' FROM modeling.runs WHERE kind = 'score_range' "
            "ORDER BY run_id DESC LIMIT 1").fetchone()
    assert run is not None
    note = "" if refresh_arg else "features refreshed per chunk (no refresh_features argument)"
    return PathResult(seconds, int(run[1]), note, {
        "rows_in": run[0], "races_published": run[2], "races_blocked": run[3],
        "timings_ms": run[4], "progress": run[5],
        "vm_hwm_mb": mem.hwm_kb / 1024 if mem.available else None,
        "rss_anon_mb": mem.anon_kb / 1024 if mem.available else None}, cpu)


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


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dsn", required=True, help="a migrated database (a superuser: TRUNCATE, "
                                                 "CHECKPOINT)")
    ap.add_argument("--runners", type=int, default=1_000_000,
                    help="world size when one is generated (default 1,000,000)")
    ap.add_argument("--reuse", action="store_true",
                    help="keep an existing world (>= 95%% of --runners) and production model")
    ap.add_argument("--chunk-days", type=int, default=7, help="days per chunk, every path")
    ap.add_argument("--per-row-budget", type=float, default=600.0,
                    help="seconds the full per-row path may take before it is extrapolated "
                         "from its sample instead (default 600)")
    ap.add_argument("--paths", default="ii,iii,iv",
                    help="comma-separated subset of ii,iii,iv to run (default all)")
    ap.add_argument("--to", type=dt.date.fromisoformat,
                    help="last day to score (default: the world's last day)")
    args = ap.parse_args()
    console = Console(width=160)  # a table, also when the output is a file
    paths = set(args.paths.split(","))
    with psycopg.connect(args.dsn) as conn:
        n_world, load_s = ensure_world(conn, args.runners, args.reuse)
        if load_s:
            conn.execute("DELETE FROM modeling.model_aliases WHERE alias = 'production'")
            conn.commit()
        ensure_model(conn)  # its training refreshes the features of every day
        conn.commit()
        model = production(conn)
        span = conn.execute("SELECT min(race_date), max(race_date) FROM modeling.src_races"
                            ).fetchone()
        assert span is not None
        lo, hi = span[0], args.to or span[1]
        total = conn.execute("SELECT count(*) FROM modeling.runner_features "
                             "WHERE race_date BETWEEN %s AND %s", (lo, hi)).fetchone()
        conn.commit()
        total_rows = int(total[0]) if total else 0
        parts = chunks(lo, hi, args.chunk_days)
        console.print(f"world {n_world:,} runners; scoring {lo} .. {hi}: {total_rows:,} runners "
                      f"with features, {len(parts)} chunks of {args.chunk_days} days; model "
                      f"{model.model_id} ({len(model.names)} features)")
        results: dict[str, PathResult] = {}
        loads: dict[str, str] = {}
        runs: list[tuple[str, str, Callable[[], PathResult]]] = [
            ("ii", "(ii) CALL score_range",
             lambda: run_score_range(args.dsn, lo, hi, args.chunk_days)),
            ("iii", "(iii) external: COPY out, ORT, COPY in, 1 upsert/chunk",
             lambda: run_external(args.dsn, model, parts)),
            ("iv", "(iv) external: 1 INSERT ... ON CONFLICT per row",
             lambda: run_per_row(args.dsn, model, parts, total_rows, args.per_row_budget))]
        for key, name, fn in runs:
            if key not in paths:
                continue
            reset(args.dsn)
            loads[name] = load_average()
            console.print(f"{name}: load average before {loads[name]}")
            results[name] = fn()
            written = count_signals(conn)
            console.print(f"  {results[name].seconds:.1f} s, {written:,} signals in the table "
                          f"{results[name].note}")
    table = Table(title=f"bench_score_range: {total_rows:,} runners, {len(parts)} chunks of "
                        f"{args.chunk_days} days")
    for col in ("path", "seconds", "rows", "rows/s", "x (iii)", "x (iv)", "CPU s",
                "CPU x (iii)", "CPU x (iv)", "load before", "note"):
        table.add_column(col, justify="left" if col in ("path", "note") else "right")
    base3 = next((r for n, r in results.items() if n.startswith("(iii)")), None)
    base4 = next((r for n, r in results.items() if n.startswith("(iv)")), None)

    def ratio(base: float | None, value: float | None) -> str:
        return f"{base / value:.2f}" if base and value else "-"

    for name, r in results.items():
        table.add_row(name, f"{r.seconds:.1f}", f"{r.rows:,}", f"{r.rate:,.0f}",
                      ratio(base3.seconds if base3 else None, r.seconds),
                      ratio(base4.seconds if base4 else None, r.seconds),
                      "-" if r.cpu is None else f"{r.cpu:.1f}",
                      ratio(base3.cpu if base3 else None, r.cpu),
                      ratio(base4.cpu if base4 else None, r.cpu),
                      loads[name], r.note)
    console.print(table)
    console.print("x (iii), x (iv): how many times faster than that path (> 1 = faster); CPU: "
                  "the backend's CPU seconds (ii), backend + this client's (iii, iv), less "
                  "sensitive than wall time to other jobs on the machine")
    for name, r in results.items():
        if r.extra:
            console.print(f"{name}: {r.extra}")


if __name__ == "__main__":
    main()
