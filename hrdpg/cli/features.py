"""`hrdpg features refresh|rebuild|catalog`."""

from __future__ import annotations

import argparse
from typing import Any

from hrdpg import features
from hrdpg.cli.argtypes import iso_date
from hrdpg.cli.progress import progress_bar
from hrdpg.config import load_settings
from hrdpg.db import connect
from hrdpg.errors import HrdpgError


def register(commands: Any) -> None:
    parser = commands.add_parser("features", help="point-in-time runner features")
    sub = parser.add_subparsers(dest="features_command", required=True, metavar="ACTION")
    for name, helptext in (("refresh", "fold new results in, recompute a date range"),
                           ("rebuild", "re-derive all history, then recompute a date range")):
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument("--from", dest="from_date", type=iso_date)
        cmd.add_argument("--to", dest="to_date", type=iso_date)
        cmd.set_defaults(handler=cmd_refresh, rebuild=name == "rebuild")
    sub.add_parser("catalog", help="list the features and the feature version").set_defaults(
        handler=cmd_catalog)


def cmd_refresh(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        span = features.racing_date_range(conn)
        if span is None:
            raise HrdpgError("no races in modeling.src_races; load data first "
                             "(`hrdpg synth` or `hrdpg load`)")
        start, end = args.from_date or span[0], args.to_date or span[1]
        with progress_bar() as progress:
            written = features.refresh(conn, start, end, rebuild=args.rebuild, progress=progress)
    print(f"features computed for {written} runners, {start} .. {end}")
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        version = conn.execute("SELECT modeling.feature_version()").fetchone()
        rows = conn.execute("SELECT position, name, feature_group, description "
                            "FROM modeling.feature_catalog ORDER BY position").fetchall()
    print(f"feature version {version[0] if version else '?'}")
    for position, name, group, description in rows:
        print(f"{position:3d}  {name:20s} {group:7s} {description}")
    return 0
