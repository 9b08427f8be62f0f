"""Client side of in-database scoring: call score_day, record a failure, read latest_signals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from hrdpg.errors import HrdpgError

# The names come from a lateral probe per row: OFFSET 0 keeps the subquery from being
# flattened into a join, which against a security_barrier view would scan every runner.
TABLE_SQL = """
SELECT l.off_time, r.course, r.country, coalesce(n.horse_name, l.horse_id::text),
       n.jockey_name, l.p_win,
       l.fair_win_odds, l.best_win_odds, l.best_odds_source, l.edge_win, l.stake_fraction,
       l.model_id, l.as_of
  FROM modeling.latest_signals l
  JOIN modeling.src_races r ON r.race_id = l.race_id
  LEFT JOIN LATERAL (SELECT * FROM modeling.src_runner_names n WHERE n.race_id = l.race_id
                     AND n.horse_id = l.horse_id OFFSET 0) n ON true
 WHERE l.race_date = %s
 ORDER BY l.off_time, l.race_id, l.p_win DESC
"""
# One publication (a past as_of): what that call published, not the newest.
PUBLICATION_SQL = """
SELECT s.off_time, r.course, r.country, coalesce(n.horse_name, s.horse_id::text),
       n.jockey_name, s.p_win,
       s.fair_win_odds, s.best_win_odds, s.best_odds_source, s.edge_win, s.stake_fraction,
       s.model_id, s.as_of
  FROM modeling.signals s
  JOIN modeling.src_races r ON r.race_id = s.race_id
  LEFT JOIN LATERAL (SELECT * FROM modeling.src_runner_names n WHERE n.race_id = s.race_id
                     AND n.horse_id = s.horse_id OFFSET 0) n ON true
 WHERE s.race_date = %s AND s.alias = %s AND s.as_of = %s
 ORDER BY s.off_time, s.race_id, s.p_win DESC
"""


def score_day(conn: psycopg.Connection, day: dt.date, as_of: dt.datetime | None = None,
              alias: str = "production", triggered_by: str = "cli") -> int:
    """score_day in its own transaction; on failure a failed run row is committed separately
    (score_day itself rolled back, so it cannot record it) and HrdpgError is raised."""
    params: dict[str, Any] = {"as_of": as_of.isoformat() if as_of else None, "alias": alias}
    try:
        with conn.transaction():
            row = conn.execute(
                "SELECT modeling.score_day(%s, coalesce(%s, now()), %s, "
                "triggered_by => %s)", (day, as_of, alias, triggered_by)).fetchone()
    except psycopg.Error as exc:
        diag = exc.diag
        message = diag.message_primary or str(exc)
        with conn.transaction():
            conn.execute("SELECT modeling.record_failed_run('score_day', %s, %s, %s, %s)",
                         (day, Jsonb(params), message, triggered_by))
        hint = f" Hint: {diag.message_hint}" if diag.message_hint else ""
        raise HrdpgError(f"scoring {day} failed: {message}.{hint}") from exc
    return int(row[0]) if row else 0


def latest_table(conn: psycopg.Connection, day: dt.date, as_of: dt.datetime | None = None,
                 alias: str = "production") -> list[tuple[Any, ...]]:
    """The day's latest production signals, or with as_of the alias's publication then."""
    if as_of is not None:
        return conn.execute(PUBLICATION_SQL, (day, alias, as_of)).fetchall()
    return conn.execute(TABLE_SQL, (day,)).fetchall()
