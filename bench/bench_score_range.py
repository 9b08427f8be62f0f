"""Backfill scoring of a >= 1M-runner world: score_range vs external paths, side by side.

    python bench/bench_score_range.py --dsn DSN [--runners 1000000] [--reuse]
                                      [--chunk-days N] [--per-row-budget 600]

One run, one model (the production alias; trained and promoted if unset), the same rows: every
runner of every day of the world, chunk by chunk (--chunk-days; default the days
modeling.backfill_chunk_days gives, which CALL score_range uses without chunk_days), as_of =
each race's off - 1 minute, one COMMIT per chunk in every path.

Starting state, the same for every path: features are current for everyone (the trainer has
just refreshed them over the whole world, one pass) and no path refreshes them; score_range is
called with refresh_features => false (a score_range without that argument refreshes each
chunk, and the table says so). modeling.signals and modeling.dq_results are truncated and a
CHECKPOINT taken before each path, so each starts from empty tables and clean buffers.

  (ii)  CALL modeling.score_range(from, to, chunk_days, ...) on a new connection: fetch (packed
        feature rows, best odds), ONNX, race softmax + market blend, DQ gate and dq_results,
        pricing, explanations, one signals upsert per chunk, progress in its run row
  (floor) range_floor.py: (ii)'s finished rows only written again, chunk by chunk, by binary
        COPY from files with (ii)'s one-check-per-chunk foreign keys: what any path writing
        this schema pays at least (jsonb parsing, CHECKs, indexes, signals_newest's trigger)
  (eq)  equal-work external path (range_equal.py): the same hrdpg_pl modules and SQL in a
        client process, features by binary COPY out, dq_results and the full signals rows by
        binary COPY in (a temp table, then one INSERT ... ON CONFLICT per chunk). The bench
        checks that it wrote exactly the rows (ii) wrote, value for value.
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
import time
from collections.abc import Callable

import psycopg
from bench_features import ensure_world
from bench_score import ensure_model
from range_equal import run_equal_work
from range_external import run_external, run_per_row
from range_floor import run_write_floor
from range_measure import (
    MemorySampler,
    Model,
    PathResult,
    backend_cpu,
    chunks,
    load_average,
)
from range_parallel import run_parallel_equal, run_parallel_score_range
from rich.console import Console
from rich.table import Table

HAS_REFRESH_ARG_SQL = """
SELECT 'refresh_features' = ANY(p.proargnames) FROM pg_catalog.pg_proc p
 WHERE p.oid = 'modeling.score_range'::regproc
"""


def reset(dsn: str) -> None:
    """Every path starts from empty signals/dq_results and a checkpoint."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("TRUNCATE modeling.signals, modeling.signals_newest, modeling.dq_results")
        conn.execute("VACUUM ANALYZE modeling.signals")
        conn.execute("CHECKPOINT")


# Every published value (not run_id or created_at, which differ by construction).
SIGNAL_VALUES = ("as_of, race_id, horse_id, model_id, race_date, off_time, p_win, p_model, "
                 "p_place, ew_places, ew_fraction, fair_win_odds, fair_place_odds, "
                 "best_win_odds, best_odds_source, best_odds_at, edge_win, edge_each_way, "
                 "kelly_fraction, stake_fraction, liquidity_ok, reasons_json, stake_withheld, "
                 "feature_version, alias")


def keep_signals(dsn: str) -> None:
    """Set (ii)'s rows aside for the equal-work check."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS public.bench_range_ii")
        conn.execute(f"CREATE TABLE public.bench_range_ii AS SELECT {SIGNAL_VALUES} "  # noqa: S608
                     "FROM modeling.signals")


def differing_signals(dsn: str) -> tuple[int, int]:
    """(rows of (ii) not written by this path, rows of this path (ii) did not write)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            f"SELECT (SELECT count(*) FROM (SELECT * FROM public.bench_range_ii EXCEPT ALL "  # noqa: S608
            f"SELECT {SIGNAL_VALUES} FROM modeling.signals) a), (SELECT count(*) FROM ("
            f"SELECT {SIGNAL_VALUES} FROM modeling.signals EXCEPT ALL "
            "SELECT * FROM public.bench_range_ii) b)").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dsn", required=True, help="a migrated database (a superuser: TRUNCATE, "
                                                 "CHECKPOINT)")
    ap.add_argument("--runners", type=int, default=1_000_000,
                    help="world size when one is generated (default 1,000,000)")
    ap.add_argument("--reuse", action="store_true",
                    help="keep an existing world (>= 95%% of --runners) and production model")
    ap.add_argument("--chunk-days", type=int,
                    help="days per chunk, every path (default: modeling.backfill_chunk_days)")
    ap.add_argument("--per-row-budget", type=float, default=600.0,
                    help="seconds the full per-row path may take before it is extrapolated "
                         "from its sample instead (default 600)")
    ap.add_argument("--paths", default="ii,floor,eq,iiN,eqN,iii,iv",
                    help="comma-separated subset of ii,floor,eq,iiN,eqN,iii,iv to run (default "
                         "all; floor needs ii)")
    ap.add_argument("--jobs", type=int, default=2,
                    help="parts side by side in the iiN and eqN paths (default 2)")
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
        if args.chunk_days is None:
            sized = conn.execute("SELECT modeling.backfill_chunk_days(%s, %s)", (lo, hi)
                                 ).fetchone()
            args.chunk_days = int(sized[0]) if sized else 7
        conn.commit()
        parts = chunks(lo, hi, args.chunk_days)
        console.print(f"world {n_world:,} runners; scoring {lo} .. {hi}: {total_rows:,} runners "
                      f"with features, {len(parts)} chunks of {args.chunk_days} days; model "
                      f"{model.model_id} ({len(model.names)} features)")
        results: dict[str, PathResult] = {}
        loads: dict[str, str] = {}
        runs: list[tuple[str, str, Callable[[], PathResult]]] = [
            ("ii", "(ii) CALL score_range",
             lambda: run_score_range(args.dsn, lo, hi, args.chunk_days)),
            ("floor", "(floor) writing (ii)'s rows only: binary COPY per chunk",
             lambda: run_write_floor(args.dsn, parts, reset)),
            ("eq", "(eq) equal-work external: same modules, binary COPY out/in",
             lambda: run_equal_work(args.dsn, parts)),
            ("iiN", f"(ii{args.jobs}) hrdpg backfill --jobs {args.jobs}",
             lambda: run_parallel_score_range(args.dsn, lo, hi, args.chunk_days, args.jobs)),
            ("eqN", f"(eq{args.jobs}) equal-work external, {args.jobs} processes",
             lambda: run_parallel_equal(args.dsn, lo, hi, args.chunk_days, args.jobs)),
            ("iii", "(iii) external: COPY out, ORT, COPY in, 1 upsert/chunk",
             lambda: run_external(args.dsn, model, parts)),
            ("iv", "(iv) external: 1 INSERT ... ON CONFLICT per row",
             lambda: run_per_row(args.dsn, model, parts, total_rows, args.per_row_budget))]
        for key, name, fn in runs:
            if key not in paths or (key == "floor" and "ii" not in paths):
                continue
            if key != "floor":  # the floor resets itself once it has (ii)'s rows
                reset(args.dsn)
            loads[name] = load_average()
            console.print(f"{name}: load average before {loads[name]}")
            results[name] = fn()
            written = count_signals(conn)
            console.print(f"  {results[name].seconds:.1f} s, {written:,} signals in the table "
                          f"{results[name].note}")
            if key == "ii":
                keep_signals(args.dsn)
            elif key in ("eq", "iiN", "eqN") and "ii" in paths:
                missing, extra = differing_signals(args.dsn)
                results[name].note = ("rows equal to (ii)" if missing == extra == 0 else
                                      f"DIFFERS from (ii): {missing} missing, {extra} extra")
                console.print(f"  equal-work check: {results[name].note}")
    table = Table(title=f"bench_score_range: {total_rows:,} runners, {len(parts)} chunks of "
                        f"{args.chunk_days} days")
    for col in ("path", "seconds", "rows", "rows/s", "x (eq)", "x (iii)", "x (iv)", "CPU s",
                "CPU x (eq)", "CPU x (iii)", "load before", "note"):
        table.add_column(col, justify="left" if col in ("path", "note") else "right")
    base_eq = next((r for n, r in results.items() if n.startswith("(eq)")), None)
    base3 = next((r for n, r in results.items() if n.startswith("(iii)")), None)
    base4 = next((r for n, r in results.items() if n.startswith("(iv)")), None)

    def ratio(base: float | None, value: float | None) -> str:
        return f"{base / value:.2f}" if base and value else "-"

    for name, r in results.items():
        table.add_row(name, f"{r.seconds:.1f}", f"{r.rows:,}", f"{r.rate:,.0f}",
                      ratio(base_eq.seconds if base_eq else None, r.seconds),
                      ratio(base3.seconds if base3 else None, r.seconds),
                      ratio(base4.seconds if base4 else None, r.seconds),
                      "-" if r.cpu is None else f"{r.cpu:.1f}",
                      ratio(base_eq.cpu if base_eq else None, r.cpu),
                      ratio(base3.cpu if base3 else None, r.cpu),
                      loads[name], r.note)
    console.print(table)
    console.print("x (eq), x (iii), x (iv): how many times faster than that path (> 1 = "
                  "faster); CPU: the backend's CPU seconds (ii), backend + this client's (eq, "
                  "iii, iv), less sensitive than wall time to other jobs on the machine")
    for name, r in results.items():
        if r.extra:
            console.print(f"{name}: {r.extra}")


if __name__ == "__main__":
    main()
