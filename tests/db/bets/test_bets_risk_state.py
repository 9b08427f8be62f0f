"""modeling.risk_state, the one reader of a profile's state, against sums done here over the
ledger rows; check_risk (deprecated) behaves as enforce_risk_limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from tests.db.bets import world as w

OTHER_DAY = w.DAY - dt.timedelta(days=1)


def _ledger(conn: psycopg.Connection) -> None:
    """Settled, void, open and rejected bets on two days; 10000 configured bankroll."""
    m, a, b = w.card(conn)
    won = w.bet(conn, m, 1, a[0], "50.00", 5.0)
    lost = w.bet(conn, m, 1, a[1], "30.00", 5.0)
    w.bet(conn, m, 2, b[0], "20.00", 5.0)  # stays open
    void = w.bet(conn, m, 1, a[2], "10.00", 5.0)
    earlier = w.bet(conn, m, 3, 301, "40.00", 3.0)
    conn.execute("UPDATE modeling.bets SET race_date = %s WHERE bet_id = %s",
                 (OTHER_DAY, earlier))
    conn.execute("INSERT INTO modeling.bets (race_id, horse_id, race_date, model_id, "
                 "signal_as_of, bet_type, stake, odds, odds_source, p_win, edge, status, "
                 "reject_reason) VALUES (2, %s, %s, %s, %s, 'win', 99, 5, %s, 0.5, 0.1, "
                 "'rejected', 'max_stake_per_race')", (b[1], w.DAY, m, w.MORNING, w.BOOK))
    for bet_id, ret, status in ((won, "60.00", "settled"), (lost, "0", "settled"),
                                (void, "10.00", "void"), (earlier, "0", "settled")):
        conn.execute("UPDATE modeling.bets SET status = %s, settled_at = now(), "
                     "return_amount = %s::numeric, pnl = %s::numeric - stake "
                     "WHERE bet_id = %s", (status, ret, ret, bet_id))
    conn.commit()


def _state(conn: psycopg.Connection, day: dt.date | None) -> dict[str, Any]:
    cur = conn.execute("SELECT * FROM modeling.risk_state('default', %s)", (day,))
    row = cur.fetchone()
    assert row is not None
    return dict(zip([d.name for d in cur.description or []], row, strict=True))


def _bets(conn: psycopg.Connection) -> list[dict[str, Any]]:
    cur = conn.execute("SELECT race_date, status, stake, pnl FROM modeling.bets")
    return [dict(zip(("day", "status", "stake", "pnl"), r, strict=True)) for r in cur]


def test_risk_state_sums_the_ledger(conn: psycopg.Connection) -> None:
    _ledger(conn)
    bets = _bets(conn)
    done = [b for b in bets if b["status"] in ("settled", "void")]
    live = [b for b in bets if b["status"] != "rejected" and b["day"] == w.DAY]
    is_open = [b for b in bets if b["status"] in ("proposed", "placed")]
    s = _state(conn, w.DAY)
    assert s["bankroll"] == 10000
    assert s["bankroll_now"] == 10000 + sum(b["pnl"] for b in done)
    assert s["realised_today"] == sum(b["pnl"] for b in done if b["day"] == w.DAY)
    assert s["day_stake"] == sum(b["stake"] for b in live) and s["day_bets"] == len(live)
    assert s["day_open"] == sum(b["stake"] for b in is_open if b["day"] == w.DAY)
    assert s["day_settled"] == sum(b["stake"] for b in live if b["status"] != "proposed")
    assert s["pending"] == sum(b["stake"] for b in is_open)


def test_risk_state_without_a_day(conn: psycopg.Connection) -> None:
    _ledger(conn)
    s = _state(conn, None)
    assert s["bankroll_now"] == _state(conn, w.DAY)["bankroll_now"]
    assert s["realised_today"] is s["day_stake"] is s["day_open"] is None


def _enforce(conn: psycopg.Connection, name: str) -> tuple[Any, ...]:
    """Call name on a profile under its floor; return what it did, then undo it."""
    out = conn.execute(f"SELECT modeling.{name}('default', %s)", (w.DAY,)).fetchone()
    row = conn.execute("SELECT halted, halted_reason FROM modeling.risk_limits "
                       "WHERE profile = 'default'").fetchone()
    alerts = conn.execute("SELECT severity, dedup_key, message FROM modeling.alerts "
                          "ORDER BY dedup_key").fetchall()
    conn.rollback()
    return out, row, alerts


@pytest.mark.parametrize("floor", [Decimal("10001"), Decimal("0")])
def test_check_risk_is_enforce_risk_limits(conn: psycopg.Connection, floor: Decimal) -> None:
    _ledger(conn)
    w.limits(conn, bankroll_floor=floor, daily_loss_limit=1)  # the day lost 20: a warning
    conn.commit()
    new = _enforce(conn, "enforce_risk_limits")
    assert new == _enforce(conn, "check_risk")
    assert new[0] == (floor > _state(conn, w.DAY)["bankroll_now"],) and new[2]


def test_check_risk_says_it_is_deprecated(conn: psycopg.Connection) -> None:
    row = conn.execute("SELECT obj_description('modeling.check_risk(text, date)'::regprocedure,"
                       " 'pg_proc')").fetchone()
    assert row is not None and "enforce_risk_limits" in row[0] and "0.3" in row[0]
