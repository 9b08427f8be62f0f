"""`hrdpg report --date D [--out FILE]`: the daily HTML report (hrdpg/report/)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from hrdpg.config import load_settings
from hrdpg.db import connect
from hrdpg.errors import HrdpgError
from hrdpg.report import data, html


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def register(commands: Any) -> None:
    p = commands.add_parser("report", help="write the self-contained daily HTML report")
    p.add_argument("--date", type=_date, default=None,
                   help="race day (default: today, server time)")
    p.add_argument("--out", type=Path, default=None,
                   help="file to write (a directory gets report-DATE.html; default: "
                        "./report-DATE.html)")
    p.set_defaults(handler=cmd_report)


def write(day: dt.date, page: str, out: Path | None) -> Path:
    path = out or Path(f"report-{day}.html")
    if path.is_dir():
        path = path / f"report-{day}.html"
    if not path.parent.exists():
        raise HrdpgError(f"directory {path.parent} does not exist; create it or pick --out")
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path


def cmd_report(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        day = args.date
        if day is None:
            row = conn.execute("SELECT current_date").fetchone()
            day = row[0] if row else dt.date.today()
        page = html.render(data.load(conn, day))
    print(f"wrote {write(day, page, args.out)}")
    return 0
