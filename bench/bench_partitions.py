"""Partitioned signals: a day's latest_signals read and a day's publication with 1 month and with
3 years of signals in the table, and retention of a month as DROP of its partition vs DELETE.

    python bench/bench_partitions.py --dsn DSN [--generate] [--day-rows 100000]
                                     [--history-rows 2100] [--history-months 35] [--reps 9]
                                     [--reuse]

The database must be migrated (head). --generate loads a synthetic world first (empty racing
tables); a small production model is trained if there is none (bench_score.ensure_model).
The world's last day is scored at four as_of (committed), then filler signals are written:
  month    --day-rows a day (the default cadence writes ~100-190k) on the 30 days around it
  3 years  plus --history-months months before those at --history-rows a day (what a day keeps
           after thin_signals: the first, last pre-off and newest publication per race)
Filler rows carry race ids no race has, so latest_signals never shows them; they fill the
same partitions and indexes as the day's own rows. Then VACUUM (ANALYZE), and --reps
alternating rounds of the 3-year table and of the month alone (the history partitions
detached inside a rolled-back transaction): the day's top 20 from latest_signals, the whole
day from it, score_day of the day at a new as_of and reprice_day (the refresh), both in
rolled-back savepoints; medians. Last, removing the oldest (thinned) month and the full-cadence
month of the day: DELETE vs DROP TABLE of its partition, each rolled back. The filler stays:
drop the database afterwards.
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
REPRICE = "SELECT modeling.reprice_day(%(d)s, %(a)s)"
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


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def one_round(conn: psycopg.Connection, day: dt.date, as_of: dt.datetime) -> dict[str, float]:
    """Each measurement once, in the current transaction; the writes in rolled-back
    savepoints."""
    def undone(query: str) -> Callable[[], None]:
        def run() -> None:
            with conn.transaction(force_rollback=True):
                conn.execute(query, {"d": day, "a": as_of})
        return run

    return {"latest_signals top 20": timed(
                lambda: conn.execute(VIEW_READ, {"d": day}).fetchall()),
            "latest_signals whole day": timed(
                lambda: conn.execute(DAY_READ, {"d": day}).fetchall()),
            "score_day publication": timed(undone(PUBLISH)),
            "reprice_day publication": timed(undone(REPRICE))}


def rounds(conn: psycopg.Connection, day: dt.date, as_of: dt.datetime, history: list[str],
           reps: int) -> tuple[dict[str, float], dict[str, float]]:
    """Alternating rounds of the 3-year table and of the month alone (the history partitions
    detached in a transaction that is rolled back), so load drift hits both alike; medians."""
    years: dict[str, list[float]] = {}
    month: dict[str, list[float]] = {}
    for _ in range(reps):
        with conn.transaction(force_rollback=True):
            for key, ms in one_round(conn, day, as_of).items():
                years.setdefault(key, []).append(ms)
        with conn.transaction(force_rollback=True):
            for part in history:
                conn.execute(f"ALTER TABLE modeling.signals DETACH PARTITION modeling.{part}")
            for key, ms in one_round(conn, day, as_of).items():
                month.setdefault(key, []).append(ms)
    return ({k: statistics.median(v) for k, v in month.items()},
            {k: statistics.median(v) for k, v in years.items()})


def removal(conn: psycopg.Connection, first: dt.date, reps: int) -> tuple[float, float]:
    """(DELETE, drop_signal_partitions) of the month starting at first, medians, rolled back."""
    nxt = months_back(first, -1)
    delete = "DELETE FROM modeling.signals WHERE race_date >= %s AND race_date < %s"
    drop = f"DROP TABLE modeling.signals_p{first:%Y%m}"

    def undone(query: str, params: tuple[object, ...]) -> Callable[[], None]:
        def run() -> None:
            with conn.transaction(force_rollback=True):
                conn.execute(query, params)
        return run

    return (statistics.median(timed(undone(delete, (first, nxt))) for _ in range(reps)),
            statistics.median(timed(undone(drop, ())) for _ in range(reps)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--generate", action="store_true")
    ap.add_argument("--day-rows", type=int, default=100_000)
    ap.add_argument("--history-rows", type=int, default=2_100)
    ap.add_argument("--history-months", type=int, default=35)
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--reuse", action="store_true",
                    help="the database holds a previous run's scored day and filler")
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
        if not args.reuse:
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
        oldest = months_back(lo, args.history_months)
        if not args.reuse:
            t0 = time.perf_counter()
            n_month = fill(conn, lo, hi, args.day_rows, tpl)
            n_hist = fill(conn, oldest, lo - dt.timedelta(days=1), args.history_rows, tpl)
            console.print(f"filler: {n_month} rows on {lo} .. {hi}, {n_hist} on {oldest} .. "
                          f"{lo - dt.timedelta(days=1)} ({time.perf_counter() - t0:.0f} s)")
        # As autovacuum would have left them: visibility map set, statistics current.
        conn.commit()
        conn.autocommit = True
        analyze_ms = timed(lambda: conn.execute("VACUUM (ANALYZE) modeling.signals"))
        conn.autocommit = False
        history = [f"signals_p{m:%Y%m}" for m in
                   (months_back(oldest, -i) for i in range(args.history_months))]
        facts = conn.execute(
            "SELECT (SELECT count(*) FROM modeling.signals), "
            "(SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
            " WHERE inhparent = 'modeling.signals'::regclass), "
            "(SELECT count(*) FROM pg_inherits WHERE inhparent = 'modeling.signals'::regclass), "
            "(SELECT count(*) FROM modeling.signals WHERE race_date >= %s AND race_date < %s), "
            "(SELECT count(*) FROM modeling.signals WHERE race_date >= %s AND race_date < %s)",
            (oldest, months_back(oldest, -1), months_back(lo, 0), months_back(lo, -1))
            ).fetchone()
        conn.commit()
        assert facts is not None
        with conn.transaction(force_rollback=True):  # warm: the model session and the plans
            one_round(conn, day, as_of)
        month, years = rounds(conn, day, as_of, history, args.reps)
        thin = removal(conn, oldest, args.reps)
        full = removal(conn, months_back(lo, 0), max(1, args.reps // 3))

    console.print(f"day {day}; 3-year table: {facts[0]} rows, {facts[1] / 2**30:.1f} GiB "
                  f"with indexes, {facts[2]} partitions ({args.history_months} of history "
                  f"detached for the month case); VACUUM (ANALYZE) of it {analyze_ms / 1000:.0f} "
                  f"s; load average {os.getloadavg()[0]:.1f} at the end")
    table = Table(title=f"one day, 1 month vs 3 years of signals (ms, median of {args.reps} "
                        "alternating rounds)")
    for col in ("what", "1 month", "3 years", "3 years / 1 month"):
        table.add_column(col, justify="right")
    for key, value in month.items():
        table.add_row(key, f"{value:.1f}", f"{years[key]:.1f}", f"{years[key] / value:.2f}")
    console.print(table)
    table = Table(title="removing a month (ms, median, rolled back)")
    for col in ("month", "rows", "DELETE", "DROP TABLE partition", "DELETE / DROP"):
        table.add_column(col, justify="right")
    for label, n, (d, p) in ((f"{oldest:%Y-%m} (thinned history)", facts[3], thin),
                             (f"{months_back(lo, 0):%Y-%m} (full cadence)", facts[4], full)):
        table.add_row(label, str(n), f"{d:.1f}", f"{p:.1f}", f"{d / p:.0f}")
    console.print(table)


if __name__ == "__main__":
    main()
