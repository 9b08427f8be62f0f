"""Shared helpers for the feature tests."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import psycopg


def feature_rows(conn: psycopg.Connection, race_id: int) -> dict[int, tuple[Any, ...]]:
    rows = conn.execute(
        "SELECT * FROM modeling.runner_features WHERE race_id = %s ORDER BY horse_id",
        (race_id,)).fetchall()
    return {row[1]: tuple(row) for row in rows}


def day_rows(conn: psycopg.Connection, day: dt.date) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT * FROM modeling.runner_features WHERE race_date = %s ORDER BY race_id, horse_id",
        (day,)).fetchall()


def rebuild(conn: psycopg.Connection) -> None:
    """Re-derive all history and features from the raw tables."""
    conn.execute("SELECT modeling.refresh_history(rebuild => true)")
    conn.execute("SELECT modeling.refresh_features(min(race_date), max(race_date)) "
                 "FROM racing.races")


def middle_race(conn: psycopg.Connection) -> tuple[int, dt.date]:
    """A completed race from the middle of the world whose runners all have history."""
    row = conn.execute(
        """SELECT r.race_id, r.race_date FROM racing.races r
            WHERE r.race_date = (SELECT min(race_date) + (max(race_date) - min(race_date)) / 2
                                   FROM racing.races)
            ORDER BY r.off_time LIMIT 1""").fetchone()
    assert row is not None
    return int(row[0]), row[1]


def same_row(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Equal, floats to 1e-12: a running total summed in another order may differ in the last
    bit (draw and trainer expectations are sums of 1 / field size), never more."""
    for x, y in zip(a, b, strict=True):
        if isinstance(x, float) and isinstance(y, float):
            if not math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12):
                return False
        elif x != y:
            return False
    return True
