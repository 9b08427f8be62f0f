"""argparse types shared by the subcommands: dates, instants and numbers with clear refusals."""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal, InvalidOperation


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def iso_timestamp(text: str) -> dt.datetime:
    """ISO 8601 instant; without a zone it is taken as UTC."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a timestamp (ISO 8601): {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def decimal_number(text: str) -> Decimal:
    """A finite decimal, kept exact (money and fractions go to numeric columns)."""
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from exc


def name_list(text: str) -> tuple[str, ...]:
    """A comma-separated list of names (--features, --exclude), blanks dropped."""
    return tuple(n.strip() for n in text.split(",") if n.strip())
