"""The calendar periods of a walk-forward backtest: years, quarters or months of D1..D2."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg

from hrdpg.errors import HrdpgError

KINDS = ("year", "quarter", "month")
MONTHS = {"year": 12, "quarter": 3, "month": 1}


@dataclass(frozen=True)
class Period:
    no: int
    date_from: dt.date
    date_to: dt.date
    label: str  # 2019, 2019Q2, 2019-04; from..to for a period cut by --from/--to


def _add_months(d: dt.date, months: int) -> dt.date:
    n = d.year * 12 + d.month - 1 + months
    return dt.date(n // 12, n % 12 + 1, 1)


def split(date_from: dt.date, date_to: dt.date, kind: str) -> list[Period]:
    """The calendar periods of kind that meet date_from..date_to, cut to that window."""
    if kind not in MONTHS:
        raise HrdpgError(f"--period {kind!r} is not one of {', '.join(KINDS)}")
    if date_from > date_to:
        raise HrdpgError(f"--from {date_from} is after --to {date_to}")
    step = MONTHS[kind]
    start = dt.date(date_from.year, (date_from.month - 1) // step * step + 1, 1)
    out: list[Period] = []
    while start <= date_to:
        end = _add_months(start, step) - dt.timedelta(days=1)
        lo, hi = max(start, date_from), min(end, date_to)
        label = (f"{lo}..{hi}" if (lo, hi) != (start, end) else str(start.year)
                 if kind == "year" else f"{start.year}Q{(start.month + 2) // 3}"
                 if kind == "quarter" else f"{start:%Y-%m}")
        out.append(Period(len(out) + 1, lo, hi, label))
        start = end + dt.timedelta(days=1)
    return out


def check_races(conn: psycopg.Connection, periods: list[Period]) -> dict[int, int]:
    """Races per period; refuses a period without any (before anything is trained)."""
    rows = conn.execute(
        "SELECT p.no, count(r.race_id) FROM unnest(%s::int[], %s::date[], %s::date[])"
        " AS p(no, lo, hi) LEFT JOIN modeling.src_races r ON r.race_date BETWEEN p.lo AND p.hi"
        " GROUP BY p.no",
        ([p.no for p in periods], [p.date_from for p in periods],
         [p.date_to for p in periods])).fetchall()
    counts = {int(n): int(c) for n, c in rows}
    empty = [p for p in periods if counts.get(p.no, 0) == 0]
    if empty:
        shown = ", ".join(f"{p.label} ({p.date_from}..{p.date_to})" for p in empty[:5])
        raise HrdpgError(f"no races in period(s) {shown}; a backtest scores every period of "
                         "--from..--to: narrow the range or load the racing data")
    return counts
