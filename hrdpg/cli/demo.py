"""`hrdpg demo`: the main job end to end on the embedded default cluster.

Start the cluster, migrate, generate a synthetic racing world whose last day is declared but
not yet run, train + calibrate + export an ONNX model and promote it, score that day inside
PostgreSQL with `SELECT modeling.score_day(...)`, and print its top signals.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

from hrdpg import doctor, features
from hrdpg.cli import model_report
from hrdpg.cli.db import start_embedded
from hrdpg.cli.progress import progress_bar
from hrdpg.config import Settings, load_settings
from hrdpg.db import connect
from hrdpg.errors import HrdpgError

DEMO_START = dt.date(2025, 1, 1)
MODEL_NAME = "demo-win"


def register(commands: Any) -> None:
    demo = commands.add_parser("demo", help="run the main job end to end on the embedded cluster")
    demo.add_argument("--days", type=int, default=300, help="days of synthetic racing")
    demo.add_argument("--races-per-day", type=int, default=30)
    demo.add_argument("--top", type=int, default=15, help="signals to show")
    demo.add_argument("--yes", action="store_true",
                      help="replace racing data that is not a demo world (it is deleted)")
    demo.set_defaults(handler=cmd_demo)


def step(console: Console, title: str) -> float:
    console.rule(f"[bold]{title}")
    return time.perf_counter()


def cmd_demo(args: argparse.Namespace) -> int:
    from hrdpg import migrate  # Alembic: only when this command runs (hrdpg.cli docstring)

    console = Console(width=140)
    settings = load_settings(args.dsn)
    if settings.embedded:
        step(console, "embedded PostgreSQL 15 with plpython3u and pg_cron")
        start_embedded(settings)
    step(console, "migrate: Alembic head + reloadable sql/ objects")
    for warning in migrate.migrate(settings):
        console.print(f"warning: {warning}")
    report = doctor.run(settings)
    console.print(report.render())
    if not report.ok:
        raise HrdpgError("the doctor found problems; fix them before the demo can go on")
    with connect(settings) as conn:
        score_day = load_world(console, conn, args)
        train_model(console, conn, score_day)
        score_and_show(console, conn, settings, score_day, args.top)
    return 0


def load_world(console: Console, conn: psycopg.Connection, args: argparse.Namespace) -> dt.date:
    from hrdpg.synth import SynthConfig, generate
    from hrdpg.synth.write import write_world

    started = step(console, f"synthetic world: {args.days} days x {args.races_per_day} races")
    world = generate(SynthConfig(seed=2025, start_date=DEMO_START, n_days=args.days,
                                 races_per_day=args.races_per_day))
    row = conn.execute("SELECT (SELECT count(*) FROM racing.races), "
                       "to_regclass('synth.runner_truth') IS NOT NULL").fetchone()
    races, is_demo = row if row else (0, False)
    if races and not is_demo and not args.yes:
        raise HrdpgError(f"this database holds {races:,} races that are not a demo world, and "
                         "the demo replaces all racing data. Run it on a database of its own "
                         "(--dsn '... dbname=hrdpg_demo'), or pass --yes to delete them")
    conn.execute("TRUNCATE racing.races, racing.runners, racing.odds, modeling.feature_store, "
                 + ", ".join(features.REBUILT_TABLES))
    conn.execute("DROP TABLE IF EXISTS synth.runner_truth")
    with progress_bar() as progress:
        write_world(conn, world, progress)
        last = conn.execute("SELECT max(race_date) FROM racing.races").fetchone()
        if last is None or last[0] is None:
            raise HrdpgError("the synthetic world is empty")
        score_day: dt.date = last[0]
        # The last day is "today": declared runners and prices, no results yet.
        conn.execute("""UPDATE racing.runners SET finish_pos = NULL, dead_heat = false,
                               beaten_lengths = NULL, sp_decimal = NULL,
                               status = CASE WHEN non_runner THEN 'non_runner' END
                         WHERE race_id IN (SELECT race_id FROM racing.races
                                            WHERE race_date = %s)""", (score_day,))
        conn.commit()
        features.refresh(conn, DEMO_START, score_day, rebuild=True, progress=progress)
    console.print(f"{world.n_races:,} races, {world.n_runners:,} runners, {world.n_odds:,} "
                  f"prices; features computed in {time.perf_counter() - started:.1f} s")
    return score_day


def train_model(console: Console, conn: psycopg.Connection, score_day: dt.date) -> None:
    from hrdpg.trainer.pipeline import TrainSpec, train

    step(console, "train: LightGBM (race softmax) + calibration + ONNX export + register")
    days = (score_day - DEMO_START).days
    train_to = DEMO_START + dt.timedelta(days=int(days * 0.75))
    spec = TrainSpec(name=MODEL_NAME, train_from=DEMO_START, train_to=train_to,
                     test_from=train_to + dt.timedelta(days=1),
                     test_to=score_day - dt.timedelta(days=1), promote="production")
    result = train(conn, spec)
    for part in model_report.report(result.metrics, result.params):
        console.print(part)
    console.print(f"model {result.model_id} promoted to production; parity max |diff| "
                  f"{result.parity_max_diff:.1e}")


def score_and_show(console: Console, conn: psycopg.Connection, settings: Settings,
                   score_day: dt.date, top: int) -> None:
    step(console, f"SELECT modeling.score_day('{score_day}')")
    started = time.perf_counter()
    published = conn.execute("SELECT modeling.score_day(%s)", (score_day,)).fetchone()
    conn.commit()
    console.print(f"{published[0] if published else 0} signals published in "
                  f"{(time.perf_counter() - started) * 1000:.0f} ms")
    show_top_signals(console, conn, score_day, top)


# Names by a lateral probe per row (OFFSET 0: see hrdpg/scoring_client.py).
TOP_SQL = """
SELECT to_char(l.off_time, 'HH24:MI'), r.course, l.race_id,
       coalesce(n.horse_name, l.horse_id::text), l.p_win,
       l.p_place, l.fair_win_odds, l.best_win_odds, l.best_odds_source, l.edge_win,
       l.stake_fraction, l.reasons_json -> 0 ->> 'feature'
  FROM modeling.latest_signals l
  JOIN modeling.src_races r USING (race_id)
  LEFT JOIN LATERAL (SELECT * FROM modeling.src_runner_names n WHERE n.race_id = l.race_id
                     AND n.horse_id = l.horse_id OFFSET 0) n ON true
 WHERE l.race_date = %s AND l.best_win_odds IS NOT NULL
 ORDER BY l.edge_win DESC NULLS LAST
 LIMIT %s
"""


def show_top_signals(console: Console, conn: psycopg.Connection, day: dt.date,
                     top: int) -> None:
    """The day's best value bets by expected value per unit staked, as the API reads them."""
    table = Table(title=f"{day}: top {top} signals by edge (modeling.latest_signals)")
    for name in ("off", "course", "race", "horse", "p_win", "p_place", "fair", "best",
                 "source", "edge", "stake", "top reason"):
        table.add_column(name, justify="left" if name in ("off", "course", "horse", "source",
                                                          "top reason") else "right")
    for off, course, race, horse, p, p_place, fair, best, source, edge, stake, reason in \
            conn.execute(TOP_SQL, (day, top)).fetchall():
        table.add_row(off, course, str(race), horse, f"{p:.3f}",
                      "" if p_place is None else f"{p_place:.3f}", f"{fair:.2f}", f"{best:.2f}",
                      source, f"{edge:+.3f}", f"{stake:.4f}", reason or "")
    console.print(table)
