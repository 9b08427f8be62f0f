"""A walk-forward backtest on a 1M-runner world: training's share, and --jobs 1 against 2.

    python bench/bench_walkforward.py --dsn DSN [--runners 1000000] [--reuse]
                                      [--period year] [--from 2022-01-01] [--jobs 1,2]

The world is bench_features' (generated unless --reuse finds one). The same walk
(`hrdpg backtest`'s hrdpg.backtest.walk.run: each period trains on --train-from .. the day
before it, registers, points the backtest alias, scores the period with score_range in
--jobs parts, reads the published probabilities back and evaluates them; the features of the
whole span are refreshed once first) runs once per --jobs value, one after the other, under
its own backtest name. The refresh, each period's training (read, fit, calibrate, export,
register) and scoring are timed by the walk itself (modeling.backtest_periods); evaluating is
the rest of the period.

Same seed, same data: every run must train the same models, so the bench checks that the
runs published the same p_win for every runner of every period (max |diff| printed; the
walk's overall log loss must agree too). What the ratio measures is therefore only the
scoring's --jobs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import psycopg
from bench_features import ensure_world
from range_measure import load_average
from rich.console import Console
from rich.table import Table

from hrdpg.backtest import walk
from hrdpg.backtest.periods import Period
from hrdpg.backtest.walk import BacktestSpec, Hooks, PeriodResult

RUNNERS_SQL = """
SELECT count(*) FROM modeling.signals s
 WHERE s.model_id = %s AND s.race_date BETWEEN %s AND %s
"""
# The runs' p_win side by side: period k of one run against period k of the other.
SAME_SQL = """
SELECT count(*), max(abs(a.p_win - b.p_win)),
       count(*) FILTER (WHERE (a.p_win IS NULL) <> (b.p_win IS NULL))
  FROM modeling.signals a
  JOIN modeling.signals b ON (b.race_id, b.horse_id, b.as_of) = (a.race_id, a.horse_id, a.as_of)
 WHERE a.model_id = %s AND b.model_id = %s AND a.race_date BETWEEN %s AND %s
"""


def _log_loss(overall: dict[str, object]) -> str:
    model = overall.get("model")
    return f"{model['log_loss']:.6f}" if isinstance(model, dict) else "?"


def run_walk(conn: psycopg.Connection, dsn: str, spec: BacktestSpec
             ) -> tuple[list[PeriodResult], list[float], dict[str, object], float]:
    """(periods, wall seconds per period, overall figures, wall seconds in all)."""
    marks: list[float] = []

    def started(run_id: int, _earlier: list[int], periods: list[Period]) -> None:
        print(f"  run {run_id}: {len(periods)} periods, --jobs {spec.jobs}", flush=True)

    def done(r: PeriodResult) -> None:
        marks.append(time.perf_counter())
        print(f"  {r.period.label}: train {r.train_seconds:.1f} s, score "
              f"{r.score_seconds:.1f} s", flush=True)

    def refreshed(seconds: float) -> None:
        print(f"  features of the span refreshed once: {seconds:.1f} s", flush=True)
        marks.append(time.perf_counter())

    hooks = Hooks(started=started, training=lambda _p, _d: None, done=done,
                  refreshed=refreshed)
    t0 = time.perf_counter()
    _run_id, periods, overall = walk.run(conn, dsn, spec, hooks, show=False)
    total = time.perf_counter() - t0
    return periods, [b - a for a, b in zip(marks, marks[1:], strict=False)], overall, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--runners", type=int, default=1_000_000)
    ap.add_argument("--reuse", action="store_true", help="keep an existing world")
    ap.add_argument("--period", default="year", choices=["year", "quarter", "month"])
    ap.add_argument("--from", dest="date_from", type=dt.date.fromisoformat,
                    default=dt.date(2022, 1, 1))
    ap.add_argument("--train-from", type=dt.date.fromisoformat, default=dt.date(2020, 1, 1))
    ap.add_argument("--jobs", default="1,2", help="comma-separated --jobs values, one run each")
    args = ap.parse_args()
    jobs = [int(j) for j in args.jobs.split(",")]
    console = Console()
    with psycopg.connect(args.dsn) as conn:
        n_runners, _ = ensure_world(conn, args.runners, args.reuse)
        last = conn.execute("SELECT max(race_date) FROM modeling.src_races").fetchone()
        assert last is not None and last[0] is not None
        stamp = dt.datetime.now(dt.UTC).strftime("%m%d%H%M")
        runs = []
        for j in jobs:
            spec = BacktestSpec(name=f"bench_wf_{stamp}_j{j}", date_from=args.date_from,
                                date_to=last[0], period=args.period,
                                train_from=args.train_from, jobs=j)
            load = load_average()
            console.print(f"walk --jobs {j}: load average before {load}")
            periods, walls, overall, total = run_walk(conn, args.dsn, spec)
            runs.append((j, load, periods, walls, overall, total))
        table = Table(title=f"bench_walkforward: {n_runners:,} runners, {args.period} periods "
                            f"from {args.date_from}, training from {args.train_from}")
        for col in ("jobs", "period", "refresh s", "train s", "score s", "evaluate s",
                    "runners scored", "train share", "load before"):
            table.add_column(col, justify="right")
        for j, load, periods, walls, overall, total in runs:
            for r, wall in zip(periods, walls, strict=True):
                n = conn.execute(RUNNERS_SQL, (r.model_id, r.period.date_from,
                                               r.period.date_to)).fetchone()
                table.add_row(str(j), r.period.label, "", f"{r.train_seconds:.1f}",
                              f"{r.score_seconds:.1f}",
                              f"{wall - r.train_seconds - r.score_seconds:.1f}",
                              f"{n[0] if n else 0:,}", f"{r.train_seconds / wall:.0%}", "")
            train_s = sum(r.train_seconds for r in periods)
            score_s = sum(r.score_seconds for r in periods)
            refresh_s = float(str(overall.get("refresh_seconds", 0.0)))
            table.add_row(str(j), "all", f"{refresh_s:.1f}", f"{train_s:.1f}", f"{score_s:.1f}",
                          f"{total - refresh_s - train_s - score_s:.1f}", "",
                          f"{train_s / total:.0%}", load, end_section=True)
        console.print(table)
        base = runs[0]
        for j, _load, periods, _walls, overall, total in runs[1:]:
            base_score = sum(r.score_seconds for r in base[2])
            score = sum(r.score_seconds for r in periods)
            console.print(f"--jobs {j} against --jobs {base[0]}: whole walk "
                          f"{base[5] / total:.2f}x faster, scoring {base_score / score:.2f}x; "
                          f"overall model log loss {_log_loss(overall)} against "
                          f"{_log_loss(base[4])}")
            for a, b in zip(base[2], periods, strict=True):
                row = conn.execute(SAME_SQL, (a.model_id, b.model_id, a.period.date_from,
                                              a.period.date_to)).fetchone()
                assert row is not None
                console.print(f"  {a.period.label}: {row[0]:,} runners paired, max |p_win "
                              f"diff| {row[1]}, null mismatches {row[2]}")
        conn.rollback()


if __name__ == "__main__":
    main()
