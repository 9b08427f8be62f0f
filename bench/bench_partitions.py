"""Partitioned signals: a day's latest_signals read and a day's publication with 1 month and with
3 years of signals in the table, and retention of a month as DROP of its partition vs DELETE.

    python bench/bench_partitions.py --dsn DSN [--generate] [--day-rows 100000]
                                     [--history-rows 2100] [--history-months 35] [--reps 9]

The database must be migrated (head). --generate loads a synthetic world first (empty racing
tables); a small production model is trained if there is none (bench_score.ensure_model).
The world's last day is scored at four as_of (committed), then filler signals are written:
  month    --day-rows a day (the default cadence writes ~100-190k) on the 30 days around it
  3 years  plus --history-months months before those at --history-rows a day (what a day keeps
           after thin_signals: the first, last pre-off and newest publication per race)
Filler rows carry race ids no race has, so latest_signals never shows them; they fill the
same partitions and indexes as the day's own rows. Measured after each phase (median of
--reps): the day's top 20 from latest_signals, the whole day from it, and score_day of the
day at a new as_of (rolled back). Then, on the 3-year table, the oldest month removed by
DELETE vs by modeling.drop_signal_partitions (each rolled back). The filler stays: drop the
database afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from collections.abc import Callable

import psycopg
from bench_latest_growth import VIEW_READ
from bench_score import ensure_model
from rich.console import Console
from rich.table import Table

DAY_READ = "SELECT * FROM modeling.latest_signals WHERE race_date = %(d)s"
PUBLISH = "SELECT modeling.score_day(%(d)s, %(a)s)"
FILLER_RACE = 2_000_000_000  # + days since 2000-01-01 * 1000 + race number: no real race
# races x runners x publications of a filler day; publications every 2 minutes from 08:00
FILLER = """
INSERT INTO modeling.signals (as_of, race_id, horse_id, model_id, race_date, off_time, p_win,
       p_model, p_place, fair_win_odds, fair_place_odds, best_win_odds, best_odds_source,
       best_odds_at, edge_win, kelly_fraction, stake_fraction, liquidity_ok, reasons_json,
       feature_version, alias)
SELECT d + time '08:00' + make_interval(mins => 2 * k), %(base)s::int8
         + (d - date '2000-01-01') * 1000 + r, h, %(model)s, d, d + time '12:00'
         + make_interval(mins => 20 * r), p, p, least(3 * p, 1), 1 / p, 1 / least(3 * p, 1),
       1.05 / p, 'bench', d + time '08:00' + make_interval(mins => 2 * k), 0.05, 0.01, 0.002,
       true, %(reasons)s::jsonb, %(fv)s, 'production'
  FROM generate_series(%(lo)s::date, %(hi)s::date, interval '1 day') AS g(t)
 CROSS JOIN LATERAL (SELECT g.t::date AS d) x
 CROSS JOIN generate_series(1, %(races)s) AS r
 CROSS JOIN generate_series(1, 10) AS h
 CROSS JOIN LATERAL (SELECT 0.02 + 0.016 * h AS p) pw
 CROSS JOIN generate_series(1, %(pubs)s) AS k
"""


def median_ms(fn: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def months_back(day: dt.date, n: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - n, 12)
    return dt.date(y, m + 1, 1)


def fill(conn: psycopg.Connection, lo: dt.date, hi: dt.date, per_day: int,
         template: dict[str, object]) -> int:
    """Filler signals on lo..hi, per_day rows a day (70 races x 10 runners, a UK/IRE day, x
    publications), committed a month at a time; returns the rows written."""
    pubs = max(1, per_day // 700)
    conn.execute("SELECT modeling.create_signal_partitions(%s, %s)", (lo, hi))
    written = 0
    start = lo
    while start <= hi:
        end = min(months_back(start, -1) - dt.timedelta(days=1), hi)
        cur = conn.execute(FILLER, {**template, "lo": start, "hi": end, "races": 70,
                                    "pubs": pubs, "base": FILLER_RACE})
        written += cur.rowcount
        conn.commit()
        start = end + dt.timedelta(days=1)
    return written


def measure(conn: psycopg.Connection, day: dt.date, as_of: dt.datetime,
            reps: int) -> dict[str, float]:
    t0 = time.perf_counter()
    conn.execute("ANALYZE modeling.signals")
    conn.commit()
    analyze_ms = (time.perf_counter() - t0) * 1000

    def publish() -> None:
        conn.execute(PUBLISH, {"d": day, "a": as_of})
        conn.rollback()

    publish()  # warm: the model session and the plans
    return {"latest_signals top 20": median_ms(
                lambda: conn.execute(VIEW_READ, {"d": day}).fetchall(), reps),
            "latest_signals whole day": median_ms(
                lambda: conn.execute(DAY_READ, {"d": day}).fetchall(), reps),
            "score_day publication": median_ms(publish, reps),
            "ANALYZE modeling.signals (once)": analyze_ms}


def retention(conn: psycopg.Connection, oldest: dt.date, reps: int) -> dict[str, float]:
    nxt = months_back(oldest, -1)

    def delete() -> None:
        conn.execute("DELETE FROM modeling.signals WHERE race_date >= %s AND race_date < %s",
                     (oldest, nxt))
        conn.rollback()

    def drop() -> None:
        conn.execute("SELECT modeling.drop_signal_partitions(%s)", (nxt,))
        conn.rollback()

    return {"DELETE of the month": median_ms(delete, max(3, reps // 3)),
            "drop_signal_partitions": median_ms(drop, reps)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--generate", action="store_true")
    ap.add_argument("--day-rows", type=int, default=100_000)
    ap.add_argument("--history-rows", type=int, default=2_100)
    ap.add_argument("--history-months", type=int, default=35)
    ap.add_argument("--reps", type=int, default=9)
    args = ap.parse_args()
    console = Console()
    with psycopg.connect(args.dsn) as conn:
        if args.generate:
            from hrdpg.synth.config import SynthConfig
            from hrdpg.synth.world import generate
            from hrdpg.synth.write import write_world

            write_world(conn, generate(SynthConfig(seed=5, n_days=60, races_per_day=72)))
            conn.commit()
        ensure_model(conn)
        row = conn.execute("SELECT max(race_date) FROM modeling.src_races").fetchone()
        assert row is not None
        day: dt.date = row[0]
        first_off = conn.execute("SELECT min(off_time) FROM modeling.src_races "
                                 "WHERE race_date = %s", (day,)).fetchone()[0]  # type: ignore[index]
        conn.execute("SELECT modeling.refresh_features(%s, %s)", (day, day))
        for hours in (5, 3, 1, 0.25):
            conn.execute(PUBLISH, {"d": day, "a": first_off - dt.timedelta(hours=hours)})
        conn.commit()
        template = conn.execute(
            "SELECT model_id AS model, reasons_json::text AS reasons, feature_version AS fv "
            "FROM modeling.signals WHERE race_date = %s LIMIT 1", (day,)).fetchone()
        assert template is not None
        tpl = {"model": template[0], "reasons": template[1], "fv": template[2]}
        as_of = first_off - dt.timedelta(minutes=5)

        lo, hi = day - dt.timedelta(days=27), day + dt.timedelta(days=2)
        t0 = time.perf_counter()
        n_month = fill(conn, lo, hi, args.day_rows, tpl)
        console.print(f"month: {n_month} filler rows on {lo} .. {hi} "
                      f"({time.perf_counter() - t0:.0f} s)")
        month = measure(conn, day, as_of, args.reps)

        oldest = months_back(lo, args.history_months)
        t0 = time.perf_counter()
        n_hist = fill(conn, oldest, lo - dt.timedelta(days=1), args.history_rows, tpl)
        console.print(f"3 years: {n_hist} more filler rows on {oldest} .. "
                      f"{lo - dt.timedelta(days=1)} ({time.perf_counter() - t0:.0f} s)")
        years = measure(conn, day, as_of, args.reps)
        facts = conn.execute(
            "SELECT count(*), pg_size_pretty(pg_total_relation_size('modeling.signals')), "
            "(SELECT count(*) FROM pg_inherits WHERE inhparent = 'modeling.signals'::regclass) "
            "FROM modeling.signals").fetchone()
        size = conn.execute(
            "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
            "WHERE inhparent = 'modeling.signals'::regclass").fetchone()
        old_rows = conn.execute("SELECT count(*) FROM modeling.signals WHERE race_date >= %s "
                                "AND race_date < %s", (oldest, months_back(oldest, -1))
                                ).fetchone()
        ret = retention(conn, oldest, args.reps)

    assert facts is not None and size is not None and old_rows is not None
    console.print(f"day {day}; 3-year table: {facts[0]} rows, "
                  f"{(size[0] or 0) / 2**30:.1f} GiB with indexes, {facts[2]} partitions; "
                  f"load average {os.getloadavg()[0]:.1f} at the end")
    table = Table(title=f"one day, 1 month vs 3 years of signals (ms, median of {args.reps})")
    for col in ("what", "1 month", "3 years", "3 years / 1 month"):
        table.add_column(col, justify="right")
    for key, value in month.items():
        table.add_row(key, f"{value:.1f}", f"{years[key]:.1f}", f"{years[key] / value:.2f}")
    console.print(table)
    table = Table(title=f"retention of the oldest month ({old_rows[0]} rows; ms, median, "
                        "rolled back)")
    for col in ("DELETE", "DROP partition", "DELETE / DROP"):
        table.add_column(col, justify="right")
    d, p = ret["DELETE of the month"], ret["drop_signal_partitions"]
    table.add_row(f"{d:.1f}", f"{p:.1f}", f"{d / p:.0f}")
    console.print(table)


if __name__ == "__main__":
    main()
