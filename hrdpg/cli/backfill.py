"""`hrdpg backfill FROM TO`: score a date range in the database, on several backends at once."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from hrdpg import backfill
from hrdpg.cli.argtypes import iso_date, iso_timestamp, whole_number
from hrdpg.cli.progress import progress_bar
from hrdpg.config import load_settings
from hrdpg.errors import HrdpgError


def register(commands: Any) -> None:
    p = commands.add_parser(
        "backfill", help="score a date range (modeling.score_range), in parallel parts")
    p.add_argument("date_from", type=iso_date, metavar="FROM", help="first race date")
    p.add_argument("date_to", type=iso_date, metavar="TO", help="last race date")
    p.add_argument("--jobs", type=whole_number, metavar="N",
                   help="parts scored side by side, one backend each (default: this machine's "
                        "cores for the embedded cluster, else 1; at most the server's idle cores "
                        "helps)")
    p.add_argument("--alias", default="production")
    p.add_argument("--as-of", type=iso_timestamp,
                   help="one instant for every race (default: each race's off - 1 minute)")
    p.add_argument("--no-challengers", dest="challengers", action="store_false",
                   help="score the alias's model only")
    p.add_argument("--no-refresh", dest="refresh", action="store_false",
                   help="read the feature store as it is (only when it is current)")
    p.add_argument("--no-reasons", dest="reasons", action="store_false",
                   help="publish no per-runner reasons (a research backfill)")
    p.add_argument("--chunk-days", type=whole_number, metavar="N",
                   help="days per committed chunk (default: sized to about 40,000 runners)")
    p.set_defaults(handler=cmd_backfill)


def cmd_backfill(args: argparse.Namespace) -> int:
    if args.date_from > args.date_to:
        raise HrdpgError(f"FROM {args.date_from} is after TO {args.date_to}")
    settings = load_settings(args.dsn)
    jobs = args.jobs if args.jobs is not None else backfill.default_jobs(settings.embedded)
    options = backfill.Options(alias=args.alias, as_of=args.as_of, challengers=args.challengers,
                               refresh_features=args.refresh, reasons=args.reasons,
                               chunk_days=args.chunk_days)
    t0 = time.perf_counter()
    with progress_bar() as bar:
        todo = backfill.run(settings.conninfo(), args.date_from, args.date_to, jobs, options,
                            lambda state: bar("days", state.days_done, state.days_total))
    seconds = time.perf_counter() - t0
    failed, lines = backfill.summary(todo)
    for p in todo:
        state = "failed" if p.error else "ok"
        print(f"part {p.number}: {p.date_from} .. {p.date_to}, {p.runners:,} runners, "
              f"run {p.run_id}, {p.seconds:.1f} s, {state}")
    for line in lines:
        print(line, file=sys.stderr)
    print(f"backfill {args.date_from} .. {args.date_to}: {len(todo)} part(s) in {seconds:.1f} s"
          + (f", {failed} failed: re-run each failed part from the date its hint gives"
             if failed else ""))
    return 1 if failed else 0
