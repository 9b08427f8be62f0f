"""Shared helpers of the bets tests (no tests here): a hand-built race card with results, odds,
a stand-in model row, signals and bets written straight into the tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql

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


def signal(conn: psycopg.Connection, model_id: int, race_id: int, horse: int, p_win: float,
           price: float, as_of: dt.datetime = MORNING, off: dt.datetime = OFF,
           source: str = BOOK, places: int | None = None, fraction: float | None = None,
           p_place: float | None = None) -> None:
    """A production signal priced the way the scorer prices it (EV per unit, win Kelly)."""
    edge_ew = None
    if places is not None and fraction is not None and p_place is not None:
        place_price = 1 + (price - 1) * fraction
        edge_ew = 0.5 * (p_win * price - 1) + 0.5 * (p_place * place_price - 1)
    conn.execute(
        "INSERT INTO modeling.signals (as_of, race_id, horse_id, model_id, race_date, off_time, "
        "p_win, p_place, ew_places, ew_fraction, fair_win_odds, best_win_odds, "
        "best_odds_source, best_odds_at, edge_win, edge_each_way, kelly_fraction, "
        "feature_version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
        "%s, %s, 'v')",
        (as_of, race_id, horse, model_id, off.date(), off, p_win, p_place, places, fraction,
         1 / p_win, price, source, as_of, p_win * price - 1, edge_ew,
         max((p_win * price - 1) / (price - 1), 0.0)))


def limits(conn: psycopg.Connection, **values: Any) -> None:
    """Set columns of the default risk profile."""
    sets = sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k))
                              for k in values)
    conn.execute(sql.SQL("UPDATE modeling.risk_limits SET {} WHERE profile = 'default'"
                         ).format(sets), values)


# Room everywhere; a test tightens the one limit it trips.
LOOSE = dict(bankroll=10000, max_stake_fraction=0.01, kelly_multiplier=0.25, min_edge=0.02,
             max_stake_per_bet=1000, max_stake_per_race=1000, max_stake_per_day=5000,
             max_bets_per_race=10, max_bets_per_day=100, max_pending_exposure=5000,
             daily_loss_limit=1000, bankroll_floor=0, min_liquidity=0)


def propose(conn: psycopg.Connection, as_of: dt.datetime | None = MORNING,
            profile: str = "default", day: dt.date = DAY) -> list[dict[str, Any]]:
    cur = conn.execute("SELECT * FROM modeling.propose_bets(%s, %s, %s)", (day, profile, as_of))
    cols = [d.name for d in cur.description or []]
    rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    conn.commit()
    return rows


def card(conn: psycopg.Connection) -> tuple[int, list[int], list[int]]:
    """Race 1 with three value runners, race 2 (an hour later) with two; every stake is 100 under
    LOOSE (quarter Kelly above the 1 % cap). Edges fall within each race in horse order."""
    m = model(conn)
    a = race(conn, 1, 6)
    b = race(conn, 2, 6, off=OFF + dt.timedelta(hours=1))
    limits(conn, **LOOSE)
    for i, h in enumerate(a[:3]):
        odds(conn, 1, h, MORNING, 5.0, volume=1000.0)
        signal(conn, m, 1, h, 0.30 - 0.01 * i, 5.0)
    for i, h in enumerate(b[:2]):
        odds(conn, 2, h, MORNING, 5.0, volume=1000.0)
        signal(conn, m, 2, h, 0.30 - 0.01 * i, 5.0, off=OFF + dt.timedelta(hours=1))
    conn.commit()
    return m, a, b
