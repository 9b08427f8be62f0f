"""Non-runners are void (stake back); a late withdrawal after the bet was struck takes its Rule 4
deduction off the winnings, one withdrawn before the bet does not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import psycopg

from tests.db.bets import world as w


def test_non_runner_is_void(conn: psycopg.Connection) -> None:
    m = w.model(conn)
    h = w.race(conn, 1, 6)
    nr = w.bet(conn, m, 1, h[5], "10.00", 5.0)
    w.withdraw(conn, 1, h[5], w.OFF - dt.timedelta(minutes=20), "0.15")
    w.result(conn, 1, {h[0]: 1, h[1]: 2})
    conn.commit()
    settled, voided, _, pnl = w.settle(conn)
    row = w.settled(conn, nr)
    assert (row["status"], row["return_amount"], row["pnl"]) == ("void", Decimal("10.00"), 0)
    assert row["clv_odds"] is None
    assert (settled, voided, pnl) == (0, 1, 0)


def test_rule4_after_the_bet_only(conn: psycopg.Connection) -> None:
    m = w.model(conn)
    h = w.race(conn, 1, 8)
    g = w.race(conn, 2, 8)
    late = w.OFF - dt.timedelta(minutes=30)
    # Race 1: two late withdrawals after the bet (0.15 and 0.10) -> 25p in the pound.
    win = w.bet(conn, m, 1, h[0], "10.00", 5.0)
    ew = w.bet(conn, m, 1, h[0 + 1], "20.00", 9.0, "each_way", 3, "0.2")
    w.withdraw(conn, 1, h[6], late, "0.15")
    w.withdraw(conn, 1, h[7], late, "0.10")
    # Race 2: the withdrawal came before the bet was struck: no deduction.
    early = w.bet(conn, m, 2, g[0], "10.00", 5.0, as_of=late + dt.timedelta(minutes=5))
    w.withdraw(conn, 2, g[7], late, "0.20")
    w.result(conn, 1, {h[0]: 1, h[1]: 2})
    w.result(conn, 2, {g[0]: 1})
    conn.commit()
    w.settle(conn)

    d = Decimal("0.25")
    # Win: stake back + winnings (10 * 4) less 25 % = 10 + 30 = 40.
    assert w.settled(conn, win)["return_amount"] == Decimal(10) + Decimal(10) * 4 * (1 - d)
    assert w.settled(conn, win)["rule4_deduction"] == d
    # Each way, placed second: place 10 at 1/5 of 8 = 1.6 winnings per unit -> 10 + 16 * 0.75.
    assert w.settled(conn, ew)["return_amount"] == Decimal(10) + Decimal("16") * (1 - d)
    assert w.settled(conn, early)["return_amount"] == Decimal("50.00")
    assert w.settled(conn, early)["rule4_deduction"] == 0


def test_rule4_total_is_capped_at_75p(conn: psycopg.Connection) -> None:
    m = w.model(conn)
    h = w.race(conn, 1, 8)
    won = w.bet(conn, m, 1, h[0], "10.00", 3.0)
    for horse in h[5:8]:  # 0.30 + 0.30 + 0.30 = 0.90, more than Rule 4 ever takes
        w.withdraw(conn, 1, horse, w.OFF - dt.timedelta(minutes=15), "0.30")
    w.result(conn, 1, {h[0]: 1})
    conn.commit()
    w.settle(conn)
    row = w.settled(conn, won)
    assert row["rule4_deduction"] == Decimal("0.75")
    assert row["return_amount"] == Decimal(10) + Decimal(20) * Decimal("0.25")
