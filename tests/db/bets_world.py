"""Shared helpers of the bets tests (no tests here): a hand-built race card with results, odds,
a stand-in model row, signals and bets written straight into the tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import psycopg

DAY = dt.date(2024, 6, 1)
OFF = dt.datetime(2024, 6, 1, 14, 0, tzinfo=dt.UTC)
MORNING = OFF - dt.timedelta(hours=4)
BOOK = "book_a"


def model(conn: psycopg.Connection) -> int:
    """A registry row the bets can reference (no artifact is ever run here)."""
    row = conn.execute(
        "INSERT INTO modeling.models (name, version, artifact, artifact_sha256, input_name, "
        "output_name, feature_names, feature_version) VALUES ('bets', 1, '\\x00', "
        "repeat('0', 64), 'x', 'y', ARRAY['f'], 'v') RETURNING model_id").fetchone()
    assert row is not None
    return int(row[0])


def race(conn: psycopg.Connection, race_id: int, runners: int, off: dt.datetime = OFF,
         day: dt.date = DAY) -> list[int]:
    """A race of `runners` declared runners; returns their horse ids (race_id*100 + 1..n)."""
    conn.execute("INSERT INTO racing.races (race_id, race_date, off_time, course, country, "
                 "distance_m) VALUES (%s, %s, %s, 'Ascot', 'GB', 1600)", (race_id, day, off))
    horses = [race_id * 100 + i for i in range(1, runners + 1)]
    for h in horses:
        conn.execute("INSERT INTO racing.runners (race_id, horse_id) VALUES (%s, %s)",
                     (race_id, h))
    return horses


def result(conn: psycopg.Connection, race_id: int, positions: dict[int, int]) -> None:
    """Finishing positions by horse (equal positions are dead heats); the rest pulled up."""
    shared = {p for p in positions.values() if list(positions.values()).count(p) > 1}
    conn.execute("UPDATE racing.runners SET status = 'pulled_up' WHERE race_id = %s "
                 "AND NOT non_runner", (race_id,))
    for h, pos in positions.items():
        conn.execute("UPDATE racing.runners SET status = 'finished', finish_pos = %s, "
                     "dead_heat = %s WHERE race_id = %s AND horse_id = %s",
                     (pos, pos in shared, race_id, h))


def withdraw(conn: psycopg.Connection, race_id: int, horse: int, at: dt.datetime,
             rule4: str | None) -> None:
    conn.execute("UPDATE racing.runners SET non_runner = true, status = 'non_runner', "
                 "withdrawn_at = %s, rule4_deduction = %s::numeric WHERE race_id = %s "
                 "AND horse_id = %s", (at, rule4, race_id, horse))


def odds(conn: psycopg.Connection, race_id: int, horse: int, at: dt.datetime, price: float,
         source: str = BOOK, volume: float | None = None) -> None:
    kind = "exchange" if source.startswith("exch") else "bookmaker"
    conn.execute("INSERT INTO racing.odds (race_id, horse_id, observed_at, source, "
                 "source_kind, decimal_odds, volume) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                 (race_id, horse, at, source, kind, price, volume))


def bet(conn: psycopg.Connection, model_id: int, race_id: int, horse: int, stake: str,
        price: float, bet_type: str = "win", places: int | None = None,
        fraction: str | None = None, as_of: dt.datetime = MORNING) -> int:
    row = conn.execute(
        "INSERT INTO modeling.bets (race_id, horse_id, race_date, model_id, signal_as_of, "
        "bet_type, stake, odds, odds_source, ew_places, ew_fraction, p_win, edge) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s::numeric, %s, %s, %s, %s::numeric, 0.5, 0.1) "
        "RETURNING bet_id",
        (race_id, horse, DAY, model_id, as_of, bet_type, stake, price, BOOK, places,
         fraction)).fetchone()
    assert row is not None
    return int(row[0])


def settle(conn: psycopg.Connection, day: dt.date = DAY) -> tuple[Any, ...]:
    row = conn.execute("SELECT * FROM modeling.settle(%s)", (day,)).fetchone()
    conn.commit()
    assert row is not None
    return tuple(row)


def settled(conn: psycopg.Connection, bet_id: int) -> dict[str, Any]:
    cur = conn.execute("SELECT * FROM modeling.bets WHERE bet_id = %s", (bet_id,))
    cols = [d.name for d in cur.description or []]
    row = cur.fetchone()
    assert row is not None
    return dict(zip(cols, row, strict=True))


def pence(x: float | Decimal) -> Decimal:
    """Round half-even-free to pence, the way numeric round() does (half away from zero)."""
    return Decimal(str(x)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
