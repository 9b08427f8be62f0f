"""Bad input gets a clear error and writes nothing; a day without signals or bets is an empty
result, not an error."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from tests.db.bets import world as w


@pytest.mark.parametrize(("query", "args", "error", "match"), [
    ("SELECT * FROM modeling.propose_bets(%s, 'nobody')", (w.DAY,),
     psycopg.errors.InvalidParameterValue, "unknown risk profile 'nobody'"),
    ("SELECT * FROM modeling.propose_bets(NULL::date)", (),
     psycopg.errors.NullValueNotAllowed, "must not be NULL"),
    ("SELECT * FROM modeling.propose_bets(%s, dry_run => NULL)", (w.DAY,),
     psycopg.errors.NullValueNotAllowed, "must not be NULL"),
    ("SELECT modeling.resume_betting('nobody')", (),
     psycopg.errors.InvalidParameterValue, "unknown risk profile"),
    ("SELECT * FROM modeling.settle(NULL)", (),
     psycopg.errors.NullValueNotAllowed, "race_date must not be NULL"),
    ("SELECT * FROM modeling.clv_summary(%s, %s)", (w.DAY, w.DAY - dt.timedelta(days=1)),
     psycopg.errors.InvalidParameterValue, "bad date range"),
])
def test_clear_errors(conn: psycopg.Connection, query: str, args: tuple[object, ...],
                      error: type[Exception], match: str) -> None:
    w.card(conn)
    with pytest.raises(error, match=match):
        conn.execute(query, args)
    conn.rollback()
    assert conn.execute("SELECT count(*) FROM modeling.bets").fetchone() == (0,)


def test_bad_date_literal(conn: psycopg.Connection) -> None:
    with pytest.raises(psycopg.errors.DatetimeFieldOverflow):
        conn.execute("SELECT * FROM modeling.propose_bets('2024-02-30')")


def test_day_without_signals_or_bets(conn: psycopg.Connection) -> None:
    w.card(conn)
    other = w.DAY + dt.timedelta(days=3)
    assert w.propose(conn, day=other) == []
    assert w.settle(conn, other) == (0, 0, 0, 0)
    assert conn.execute("SELECT bets, mean_clv_odds FROM modeling.clv_summary(%s, %s)",
                        (other, other)).fetchone() == (0, None)
    # Races already off at as_of are not bet.
    assert w.propose(conn, as_of=w.OFF + dt.timedelta(hours=2)) == []
