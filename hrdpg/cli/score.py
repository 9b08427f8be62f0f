"""`hrdpg score DATE`: score a race day in the database and show its signals."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

from hrdpg import scoring_client
from hrdpg.cli.argtypes import iso_date, iso_timestamp
from hrdpg.config import load_settings
from hrdpg.course_time import local_off
from hrdpg.db import connect


def register(commands: Any) -> None:
    p = commands.add_parser("score", help="score a race day in the database, show its signals")
    p.add_argument("date", type=iso_date, help="race date, YYYY-MM-DD")
    p.add_argument("--as-of", type=iso_timestamp, help="point in time of the odds (default: now)")
    p.add_argument("--alias", default="production")
    p.add_argument("--top", type=int, metavar="N", help="show only the N runners per race "
                   "with the highest win probability")
    p.set_defaults(handler=cmd_score)


def _num(value: float | None, fmt: str) -> str:
    return "" if value is None else format(value, fmt)


def show_signals(console: Console, conn: psycopg.Connection, day: dt.date,
                 top: int | None = None, title: str | None = None,
                 as_of: dt.datetime | None = None, alias: str = "production") -> None:
    """Print the day's latest production signals, or the alias's publication at as_of (top N
    per race by p_win if given); off times in the course's zone."""
    rows = scoring_client.latest_table(conn, day, as_of, alias)
    table = Table(title=title or f"{day}: latest signals")
    for col in ("off (local)", "course", "horse", "jockey", "p_win", "fair", "best odds",
                "source", "edge", "stake"):
        table.add_column(col, justify="left" if col in ("off (local)", "course", "horse",
                                                         "jockey", "source") else "right")
    shown: dict[tuple[Any, str], int] = {}
    for off, course, country, horse, jockey, p, fair, best, source, edge, stake, _m, _a in rows:
        key = (off, course)
        shown[key] = shown.get(key, 0) + 1
        if top is not None and shown[key] > top:
            continue
        table.add_row(local_off(off, country), course, horse, jockey or "", f"{p:.3f}",
                      f"{fair:.2f}",
                      _num(best, ".2f"), source or "", _num(edge, "+.3f"),
                      _num(stake, ".4f"))
    console.print(table)


def cmd_score(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        published = scoring_client.score_day(conn, args.date, args.as_of, args.alias)
        as_of = f" as of {args.as_of.isoformat()}" if args.as_of else ""
        show_signals(Console(width=150), conn, args.date, args.top,
                     f"{args.date}: {published} runner signals published{as_of}",
                     as_of=args.as_of, alias=args.alias)
    return 0
