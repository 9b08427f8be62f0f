"""`hrdpg synth`: generate a seeded synthetic racing world, load it, compute its features."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

import psycopg

from hrdpg import features
from hrdpg.cli.argtypes import iso_date
from hrdpg.cli.progress import progress_bar
from hrdpg.config import load_settings
from hrdpg.db import connect
from hrdpg.errors import HrdpgError

RESULT_COLUMNS_CLEARED = """
UPDATE racing.runners SET finish_pos = NULL, dead_heat = false, beaten_lengths = NULL,
       status = CASE WHEN non_runner THEN 'non_runner' END, sp_decimal = NULL
 WHERE race_id IN (SELECT race_id FROM racing.races WHERE race_date > %s)
"""


def register(commands: Any) -> None:
    parser = commands.add_parser("synth", help="generate and load a synthetic racing world")
    parser.add_argument("--seed", type=int, default=0)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--days", type=int, default=365, help="days of racing (default 365)")
    size.add_argument("--runners", type=int, help="approximate number of runners instead")
    parser.add_argument("--races-per-day", type=int, default=56)
    parser.add_argument("--start-date", type=iso_date, default=dt.date(2024, 1, 1))
    parser.add_argument("--market-noise", type=float, default=1.0,
                        help="scale of the market's pricing noise (1 = default)")
    parser.add_argument("--unrun-days", type=int, default=0,
                        help="strip results from the last N days (declared, not yet run)")
    parser.add_argument("--replace", action="store_true",
                        help="empty the reference racing tables first")
    parser.add_argument("--no-features", action="store_true", help="skip computing features")
    parser.set_defaults(handler=cmd_synth)


def cmd_synth(args: argparse.Namespace) -> int:
    from hrdpg.synth import SynthConfig, generate  # NumPy/SciPy: only when generating
    from hrdpg.synth.write import write_world

    config = SynthConfig(
        seed=args.seed, start_date=args.start_date,
        n_days=None if args.runners else args.days, n_runners=args.runners,
        races_per_day=args.races_per_day, market_noise=args.market_noise)
    started = time.perf_counter()
    world = generate(config)
    print(f"generated {world.n_races} races, {world.n_runners} runners, {world.n_odds} prices "
          f"in {time.perf_counter() - started:.1f} s")
    with connect(load_settings(args.dsn)) as conn:
        _prepare_tables(conn, args.replace)
        with progress_bar() as progress:
            loaded = time.perf_counter()
            write_world(conn, world, progress)
            if args.unrun_days > 0:
                last_run_day = conn.execute("SELECT max(race_date) - %s FROM racing.races",
                                            (args.unrun_days,)).fetchone()
                conn.execute(RESULT_COLUMNS_CLEARED, (last_run_day[0] if last_run_day else None,))
            conn.commit()
            print(f"loaded in {time.perf_counter() - loaded:.1f} s")
            if not args.no_features:
                span = features.racing_date_range(conn)
                if span is not None:
                    computed = time.perf_counter()
                    features.refresh(conn, span[0], span[1], rebuild=True, progress=progress)
                    print(f"features computed in {time.perf_counter() - computed:.1f} s")
    return 0


def _prepare_tables(conn: psycopg.Connection, replace: bool) -> None:
    present = conn.execute("SELECT to_regclass('racing.races') IS NOT NULL").fetchone()
    if not present or not present[0]:
        raise HrdpgError("the reference racing schema is missing; run `hrdpg db migrate`")
    if replace:
        conn.execute("TRUNCATE racing.races, racing.runners, racing.odds")
        conn.execute("DROP TABLE IF EXISTS synth.runner_truth")
        conn.execute("TRUNCATE modeling.feature_store, " + ", ".join(features.REBUILT_TABLES))
        return
    existing = conn.execute("SELECT count(*) FROM racing.races").fetchone()
    if existing and existing[0]:
        raise HrdpgError(f"racing.races already holds {existing[0]} races; pass --replace to "
                         "start over (ids of a new world would collide)")
