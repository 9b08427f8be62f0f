"""argparse types shared by the subcommands: dates and instants with clear refusals."""

from __future__ import annotations

import argparse
import datetime as dt


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
