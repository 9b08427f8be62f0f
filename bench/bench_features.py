"""Feature pipeline speed: one race day on top of >= 1M runners of history, and the full rebuild.

    python bench/bench_features.py --dsn DSN [--runners 1000000] [--days-sampled 5] [--reuse]

Side by side in one run:
  * full rebuild      refresh_history(rebuild) + refresh_features over every day (training)
  * day, incremental  refresh_features(day, day) + read the day from runner_features (scoring)
  * day, read only    the view for a day whose store rows are current
  * day, no history   what a day costs without the maintained history: rebuild history first
  * floor             the rebuild's writes only, nothing computed (rebuild_floor.py): the same
                      rows inserted again into the emptied tables, indexes, ANALYZE, commit
Prints EXPLAIN (ANALYZE, BUFFERS) of the day query for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import psycopg
from rebuild_floor import rebuild_write_floor

from hrdpg.features import REBUILT_TABLES, vacuum_history
from hrdpg.synth import SynthConfig, generate
from hrdpg.synth.write import write_world

DAY_QUERY = "SELECT * FROM modeling.runner_features WHERE race_date = %s"


def read_day(conn: psycopg.Connection, day: dt.date) -> list[tuple[object, ...]]:
    # Binary results, as the trainer reads (binary COPY): no client-side text parsing of
    # 20k floats in the figure.
    return conn.cursor(binary=True).execute(DAY_QUERY, (day,)).fetchall()


def timed_read(conn: psycopg.Connection, day: dt.date) -> float:
    start = time.perf_counter()
    read_day(conn, day)
    return time.perf_counter() - start


def measure_days(dsn: str, days: list[dt.date], rounds: int
                 ) -> tuple[list[float], list[float], list[int]]:
    """Each day's refresh + read, and read alone, in a scoring-like backend: a new connection,
    warmed by one call (PL/Python imports), not the one that ran the rebuild."""
    incremental: list[float] = []
    read_only: list[float] = []
    runners: list[int] = []
    with psycopg.connect(dsn) as conn:
        conn.execute("SELECT modeling.refresh_features(%s, %s)", (days[-1], days[-1]))
        conn.commit()
        for _ in range(rounds):
            for day in days:
                start = time.perf_counter()
                conn.execute("SELECT modeling.refresh_features(%s, %s)", (day, day))
                rows = read_day(conn, day)
                incremental.append(time.perf_counter() - start)
                conn.commit()
                runners.append(len(rows))
                read_only.append(min(timed_read(conn, day) for _ in range(3)))
    return incremental, read_only, runners


def ensure_world(conn: psycopg.Connection, runners: int, reuse: bool) -> tuple[int, float]:
    have = conn.execute("SELECT count(*) FROM racing.runners").fetchone()
    if reuse and have and have[0] >= runners * 0.95:
        return int(have[0]), 0.0
    conn.execute("TRUNCATE racing.races, racing.runners, racing.odds, modeling.feature_store, "
                 + ", ".join(REBUILT_TABLES))
    conn.execute("DROP TABLE IF EXISTS synth.runner_truth")
    start = time.perf_counter()
    world = generate(SynthConfig(seed=42, n_runners=runners, start_date=dt.date(2020, 1, 1)))
    write_world(conn, world)
    conn.commit()
    conn.execute("ANALYZE")
    return world.n_runners, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--runners", type=int, default=1_000_000)
    parser.add_argument("--days-sampled", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep an existing world")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the sampled days")
    args = parser.parse_args()
    with psycopg.connect(args.dsn) as conn:
        n_runners, load_s = ensure_world(conn, args.runners, args.reuse)
        first, last = conn.execute(
            "SELECT min(race_date), max(race_date) FROM racing.races").fetchone() or (None, None)
        start = time.perf_counter()
        conn.execute("SELECT modeling.refresh_history(rebuild => true)")
        history_s = time.perf_counter() - start
        conn.execute("SELECT modeling.refresh_features(%s, %s)", (first, last))
        conn.commit()
        rebuild_s = time.perf_counter() - start
        floor = rebuild_write_floor(conn)
        # What `hrdpg features rebuild` does next, so the day path's index-only scans stay
        # index-only; not part of what training waits for.
        start = time.perf_counter()
        vacuum_history(conn)
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE) modeling.feature_store")
        conn.autocommit = False
        vacuum_s = time.perf_counter() - start
        # The biggest race days (the day is ~60 races, ~700 runners), newest first
        days = [r[0] for r in conn.execute(
            "SELECT ra.race_date FROM racing.races ra JOIN racing.runners ru USING (race_id) "
            "WHERE ra.race_date > %s GROUP BY ra.race_date "
            "ORDER BY count(*) DESC, ra.race_date DESC LIMIT %s",
            (first, args.days_sampled)).fetchall()]
        races = conn.execute("SELECT count(*) FROM racing.races WHERE race_date = ANY(%s)",
                             (days,)).fetchone()
        races_per_day = (races[0] if races else 0) / len(days)
        incremental, read_only, per_day_runners = measure_days(args.dsn, days, args.rounds)
        start = time.perf_counter()
        conn.execute("SELECT modeling.refresh_history(rebuild => true)")
        conn.execute("SELECT modeling.refresh_features(%s, %s)", (days[0], days[0]))
        no_history = time.perf_counter() - start
        conn.rollback()
        plan = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN (ANALYZE, BUFFERS) " + DAY_QUERY, (days[0],)).fetchall())
    day_ms = statistics.median(incremental) * 1000
    print(f"\nworld: {n_runners:,} runners {first} .. {last}"
          + (f" (generated + loaded in {load_s:.1f} s)" if load_s else ""))
    print(f"day size: {races_per_day:.0f} races, {statistics.median(per_day_runners):.0f} "
          f"runners (non-runners out); day figures are the "
          f"median of {len(incremental)} calls ({len(days)} days x {args.rounds} rounds), "
          f"fastest {min(incremental) * 1000:.1f} ms\n")
    print(f"{'path':44s} {'time':>12s} {'vs day, incremental':>20s}")
    table = [
        ("full rebuild (history + all features)", rebuild_s),
        ("  of which history (Elo, daily totals)", history_s),
        ("floor: the rebuild's writes only", floor["total"]),
        ("then VACUUM (ANALYZE) of history + store", vacuum_s),
        ("day, incremental: refresh + read", day_ms / 1000),
        ("day, read only (store current)", statistics.median(read_only)),
        ("day without maintained history", no_history),
    ]
    for name, seconds in table:
        shown = f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"
        print(f"{name:44s} {shown:>12s} {seconds / (day_ms / 1000):>19.1f}x")
    print("\nfloor parts: " + ", ".join(f"{k} {v:.2f} s" for k, v in floor.items()
                                       if k != "total"))
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the day query:\n" + plan)


if __name__ == "__main__":
    main()
