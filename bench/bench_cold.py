"""Where a cold backend's first score_day goes, step by step, in fresh backends.

    python bench/bench_cold.py --dsn DSN [--day YYYY-MM-DD] [--reps 6]

The database must hold a scored world with a production model (e.g. after
`bench/bench_score.py --dsn DSN --generate`). Per rep, a new connection runs in order: an empty
PL/Python DO block (interpreter start), DO blocks importing numpy, onnxruntime and the engine
modules, then score_day twice (the first also loads the model and plans every statement; the
second is warm), and rolls back. Medians per step: the floor a pg_cron job (a new backend per
run) pays before any scoring work is the sum of the first five rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import psycopg

# After every off of the synthetic worlds (they start in 2019 or 2020); score_day refuses an
# as_of in the future, which once stamped publications that masked every later one.
AS_OF = "2026-01-01 00:00+00"
STEPS = [
    ("PL/Python init (DO $$ pass $$)", "DO $$ pass $$ LANGUAGE plpython3u"),
    ("import numpy", "DO $$ import numpy $$ LANGUAGE plpython3u"),
    ("import onnxruntime", "DO $$ import onnxruntime $$ LANGUAGE plpython3u"),
    ("import engine modules",
     "DO $$ import hrdpg_pl.scoring, hrdpg_pl.explain $$ LANGUAGE plpython3u"),
    ("score_day, first call", "SELECT modeling.score_day(%s, %s)"),
    ("score_day, second call", "SELECT modeling.score_day(%s, %s)"),
]
LAST_LOAD_SQL = ("SELECT (timings_ms ->> 'load')::float8 FROM modeling.runs "
                 "WHERE kind = 'score_day' ORDER BY run_id DESC LIMIT 1")


def one_backend(dsn: str, day: dt.date) -> dict[str, float]:
    """Milliseconds per step in one new backend (connect included as its own step)."""
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    with psycopg.connect(dsn) as conn:
        out["connect"] = (time.perf_counter() - t0) * 1000
        for name, query in STEPS:
            t = time.perf_counter()
            conn.execute(query, (day, AS_OF) if "%s" in query else None)
            out[name] = (time.perf_counter() - t) * 1000
            if name == "score_day, first call":
                row = conn.execute(LAST_LOAD_SQL).fetchone()
                out["  of which model load"] = float(row[0]) if row and row[0] else 0.0
        conn.rollback()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--day", type=dt.date.fromisoformat,
                    help="day to score (default: the last day with races)")
    ap.add_argument("--reps", type=int, default=6, help="new backends (default 6)")
    args = ap.parse_args()
    day = args.day
    if day is None:
        with psycopg.connect(args.dsn) as conn:
            row = conn.execute("SELECT max(race_date) FROM modeling.src_races").fetchone()
        day = row[0] if row else None
    if day is None:
        raise SystemExit("no races; generate a world first (bench/bench_score.py --generate)")
    runs = [one_backend(args.dsn, day) for _ in range(args.reps)]
    print(f"cold backend, {day}, median of {args.reps} new backends (ms)")
    for name in runs[0]:
        values = [r[name] for r in runs]
        print(f"  {name:34s} {statistics.median(values):8.1f}   (min {min(values):.1f})")
    floor = sum(statistics.median([r[n] for r in runs])
                for n in ["connect", *[s for s, _ in STEPS[:4]]])
    print(f"  {'before any scoring work':34s} {floor:8.1f}")


if __name__ == "__main__":
    main()
