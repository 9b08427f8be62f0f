"""`hrdpg load ...`: bulk-load racing CSV/Parquet files, the Betfair ANZ sample files or the
HKJC results files."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from hrdpg.config import load_settings
from hrdpg.db import connect
from hrdpg.loader import DEFAULT_CHUNK_ROWS, TABLES, LoadReport, load_file
from hrdpg.loader.betfair_anz import load_betfair_anz
from hrdpg.loader.hkjc import load_hkjc


def register(commands: Any) -> None:
    load = commands.add_parser("load", help="bulk-load races / runners / odds (CSV, Parquet)")
    sub = load.add_subparsers(dest="load_command", required=True, metavar="TABLE")
    for table in [*TABLES, "betfair-anz"]:
        what = ("Betfair ANZ thoroughbred CSVs (files or directories), mapped to races, "
                "runners and odds" if table == "betfair-anz" else f"racing.{table}")
        p = sub.add_parser(table, help=what)
        p.add_argument("files", nargs="+", type=Path, metavar="FILE")
        p.add_argument("--strict", action="store_true",
                       help="roll back a file entirely if any of its rows is rejected")
        p.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS, metavar="N",
                       help=f"rows per COPY write (default {DEFAULT_CHUNK_ROWS})")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        p.set_defaults(handler=cmd_load, table=table)
    hk = sub.add_parser("hkjc", help="the public HKJC results files (a directory holding "
                                     "20YY/results_*.csv and horses/form_records/)")
    hk.add_argument("root", type=Path, metavar="DIR")
    hk.add_argument("--strict", action="store_true",
                    help="roll back a file entirely if any of its rows is rejected")
    hk.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS, metavar="N",
                    help=f"rows per COPY write (default {DEFAULT_CHUNK_ROWS})")
    hk.add_argument("--quiet", action="store_true", help="no progress bar")
    hk.set_defaults(handler=cmd_load, table="hkjc")


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
               TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield progress


def _print(reports: Sequence[LoadReport]) -> None:
    for report in reports:
        print(report.render())


def cmd_load(args: argparse.Namespace) -> int:
    settings = load_settings(args.dsn)
    show = not args.quiet and sys.stderr.isatty()
    reports: list[LoadReport] = []
    with connect(settings) as conn, _progress(show) as progress:
        if args.table == "hkjc":
            hk_summary, reports = load_hkjc(conn, args.root, strict=args.strict,
                                            chunk_rows=args.chunk_rows, progress=progress)
            print(hk_summary.render())
        elif args.table == "betfair-anz":
            summary, reports = load_betfair_anz(conn, args.files, strict=args.strict,
                                                chunk_rows=args.chunk_rows, progress=progress)
            print(summary.render())
        else:
            for path in args.files:
                reports.append(load_file(conn, args.table, path, strict=args.strict,
                                         chunk_rows=args.chunk_rows, progress=progress))
    _print(reports)
    failed = [r for r in reports if not r.ok]
    if failed:
        first = " ".join((failed[0].error or "rows rejected").split())
        print(f"hrdpg load: error: {len(failed)} of {len(reports)} file(s) not loaded (first: "
              f"{first}); the report above says why, fix those files and load them again",
              file=sys.stderr)
        return 1
    return 0
