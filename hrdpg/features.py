"""Python side of the feature pipeline: refresh history and the feature store in chunks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import psycopg
from hrdpg_pl.history import REBUILT_TABLES as REBUILT_TABLES  # what a rebuild derives
from psycopg import sql

Progress = Callable[[str, int, int], None]
CHUNK_DAYS = 31


def racing_date_range(conn: psycopg.Connection) -> tuple[dt.date, dt.date] | None:
    row = conn.execute("SELECT min(race_date), max(race_date) FROM modeling.src_races").fetchone()
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


def vacuum_history(conn: psycopg.Connection) -> None:
    """Set the visibility map and statistics of freshly written history, so one day's horse
    form is read by index-only scans (a rebuild writes every page anew)."""
    autocommit = conn.autocommit
    conn.autocommit = True
    try:
        for table in REBUILT_TABLES:
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(
                sql.Identifier(*table.split("."))))
    finally:
        conn.autocommit = autocommit


def refresh_range(conn: psycopg.Connection, from_date: dt.date, to_date: dt.date) -> None:
    """refresh_features over the range in one statement (the window branch for a long one,
    where month chunks would each pay the probes), committed."""
    conn.execute("SELECT modeling.refresh_features(%s, %s)", (from_date, to_date))
    conn.commit()


def refresh(
    conn: psycopg.Connection,
    from_date: dt.date,
    to_date: dt.date,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> int:
    """Fold new results into run_history (all of it with ``rebuild``), then recompute the
    feature store month by month, committing each chunk. Returns runner rows written."""
    if from_date > to_date:
        raise ValueError(f"from_date {from_date} is after to_date {to_date}")
    if progress:
        progress("history", 0, 1)
    conn.execute("SELECT modeling.refresh_history(rebuild => %s)", (rebuild,))
    conn.commit()
    if rebuild:
        vacuum_history(conn)
    if progress:
        progress("history", 1, 1)
    total_days = (to_date - from_date).days + 1
    written = 0
    start = from_date
    while start <= to_date:
        end = min(start + dt.timedelta(days=CHUNK_DAYS - 1), to_date)
        row = conn.execute("SELECT modeling.refresh_features(%s, %s)", (start, end)).fetchone()
        conn.commit()
        written += int(row[0]) if row else 0
        if progress:
            progress("features", (end - from_date).days + 1, total_days)
        start = end + dt.timedelta(days=1)
    return written
