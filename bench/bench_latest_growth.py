"""Reading one race day from latest_signals as publications accumulate (a refresh job scoring
every few minutes publishes a new as_of per race each time): the view (a newest-as_of probe
per race, now) vs the per-row correlated max of the original view, 1 client, median of --reps.

    python bench/bench_latest_growth.py --dsn DSN [--day YYYY-MM-DD] [--counts 1 10 50 150]

Needs production signals for the day (run bench_readers.py or score_day first). Extra
publications are copies of the newest one at later as_of, made in a transaction that is
rolled back, so the database is left as it was.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import psycopg
from rich.console import Console
from rich.table import Table

VIEW_READ = """
SELECT s.race_id, s.horse_id, s.p_win, s.edge_win, s.stake_fraction
  FROM modeling.latest_signals s WHERE s.race_date = %(d)s
ORDER BY s.edge_win DESC NULLS LAST LIMIT 20
"""
PER_ROW_MAX = """
SELECT s.race_id, s.horse_id, s.p_win, s.edge_win, s.stake_fraction
  FROM modeling.signals s
 WHERE s.alias = 'production' AND s.race_date = %(d)s
   AND s.as_of = (SELECT max(n.as_of) FROM modeling.signals n
                   WHERE n.alias = 'production' AND n.race_date = s.race_date
                     AND n.race_id = s.race_id)
ORDER BY s.edge_win DESC NULLS LAST LIMIT 20
"""
COPY_NEWEST = """
INSERT INTO modeling.signals
SELECT s.as_of + make_interval(mins => k), s.race_id, s.horse_id, s.model_id, s.run_id,
       s.race_date, s.off_time, s.p_win, s.p_place, s.ew_places, s.ew_fraction,
       s.fair_win_odds, s.fair_place_odds, s.best_win_odds, s.best_odds_source,
       s.best_odds_at, s.edge_win, s.edge_each_way, s.kelly_fraction, s.stake_fraction,
       s.liquidity_ok, s.reasons_json, s.feature_version, s.created_at, s.alias
  FROM modeling.latest_signals l
  JOIN modeling.signals s USING (as_of, race_id, horse_id, model_id)
 CROSS JOIN generate_series(%(lo)s::int, %(hi)s::int) k
 WHERE l.race_date = %(d)s AND s.alias = 'production'
"""


def median_ms(conn: psycopg.Connection, query: str, day: dt.date, reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        conn.execute(query, {"d": day}).fetchall()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--day", type=dt.date.fromisoformat)
    ap.add_argument("--counts", type=int, nargs="+", default=[1, 10, 50, 150])
    ap.add_argument("--reps", type=int, default=15)
    args = ap.parse_args()
    table = Table(title="one day's top-20 read vs publications per race (ms, median)")
    for col in ("publications", "rows of the day", "latest_signals view", "per-row max", "ratio"):
        table.add_column(col, justify="right")
    with psycopg.connect(args.dsn) as conn:
        day = args.day or conn.execute(
            "SELECT max(race_date) FROM modeling.latest_signals").fetchone()[0]  # type: ignore[index]
        have = 1
        for count in sorted(args.counts):
            if count > have:
                conn.execute(COPY_NEWEST, {"d": day, "lo": have, "hi": count - 1})
                have = count
            conn.execute("ANALYZE modeling.signals")
            rows = conn.execute("SELECT count(*) FROM modeling.signals WHERE race_date = %s "
                                "AND alias = 'production'", (day,)).fetchone()
            view_ms = median_ms(conn, VIEW_READ, day, args.reps)
            per_row = median_ms(conn, PER_ROW_MAX, day, args.reps)
            table.add_row(str(count), str(rows[0] if rows else "?"), f"{view_ms:.1f}",
                          f"{per_row:.1f}", f"{per_row / view_ms:.1f}")
        conn.rollback()
    Console().print(f"day {day}")
    Console().print(table)


if __name__ == "__main__":
    main()
