"""Helpers shared by `hrdpg bets` and `hrdpg bets limits`: one ledger call per transaction,
tables of its rows, and the profile a command acts on."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

from hrdpg.errors import HrdpgError, server_message


def call(conn: psycopg.Connection, what: str, query: str,
         params: Sequence[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one ledger function in its own transaction; database errors become HrdpgError."""
    try:
        with conn.transaction():
            cur = conn.execute(query, params)
            return [d.name for d in cur.description or []], cur.fetchall()
    except psycopg.Error as exc:
        raise HrdpgError(f"{what} failed: {server_message(exc)}") from exc


def profile_or_default(conn: psycopg.Connection, profile: str | None) -> str:
    """The named profile, else the engine's default one (modeling.default_risk_profile)."""
    if profile is not None:
        return profile
    _, rows = call(conn, "default profile", "SELECT modeling.default_risk_profile()", ())
    return str(rows[0][0])


def cell(v: Any) -> str:
    """Floats and long decimals (a ROI as numeric) to 4 places; money keeps its 2."""
    if v is None:
        return ""
    if isinstance(v, float) or (isinstance(v, Decimal) and v.is_finite()
                                and int(v.as_tuple().exponent) < -4):
        return f"{v:.4f}"
    return str(v)


def print_table(title: str, cols: list[str], rows: list[tuple[Any, ...]]) -> None:
    table = Table(title=title)
    for c in cols:
        table.add_column(c)
    for r in rows:
        table.add_row(*(cell(v) for v in r))
    Console(width=160).print(table)
