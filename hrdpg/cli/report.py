"""`hrdpg report [--date D] [--days N] [--out DIR|FILE]`: the HTML report (hrdpg/report/)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from hrdpg.cli.argtypes import iso_date
from hrdpg.config import load_settings
from hrdpg.db import connect
from hrdpg.errors import HrdpgError
from hrdpg.report import data


def _days(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 366:
        raise argparse.ArgumentTypeError(f"not a number of days from 1 to 366: {text!r}")
    return int(text)


def register(commands: Any) -> None:
    p = commands.add_parser("report", help="write the self-contained daily HTML report")
    p.add_argument("--date", type=iso_date, default=None,
                   help="race day (default: the latest day with production signals)")
    p.add_argument("--days", type=_days, default=data.WINDOW_DAYS,
                   help=f"trend window in days ending on --date (default {data.WINDOW_DAYS})")
    p.add_argument("--out", type=Path, default=None,
                   help="directory to write index.html into (created if its parent exists), "
                        "or a file ending in .html (default: ./report-DATE.html)")
    p.set_defaults(handler=cmd_report)


def target(day: dt.date, out: Path | None) -> Path:
    """--out DIR (existing, or new without an .html suffix) gets DIR/index.html."""
    if out is None:
        return Path(f"report-{day}.html")
    if out.is_file():
        return out
    if out.is_dir() or out.suffix.lower() not in (".html", ".htm"):
        if not out.parent.is_dir():
            raise HrdpgError(f"directory {out.parent} does not exist; create it or pick --out")
        out.mkdir(exist_ok=True)
        return out / "index.html"
    return out


def write(day: dt.date, page: str, out: Path | None) -> Path:
    path = target(day, out)
    if not path.parent.exists():
        raise HrdpgError(f"directory {path.parent} does not exist; create it or pick --out")
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path


def cmd_report(args: argparse.Namespace) -> int:
    from hrdpg.report import html  # matplotlib: only when a report is drawn

    with connect(load_settings(args.dsn)) as conn:
        day = args.date or data.latest_day(conn)
        page = html.render(data.load(conn, day, args.days))
    print(f"wrote {write(day, page, args.out)}")
    return 0
