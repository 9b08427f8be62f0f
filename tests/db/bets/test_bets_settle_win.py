"""Win bets settle from the result: winner paid at the odds taken, loser loses the stake, and a
dead heat for first pays the stake divided by the number of dead-heaters."""

from __future__ import annotations

from decimal import Decimal

import psycopg

from tests.db.bets import world as w


def test_winner_loser_and_dead_heat(conn: psycopg.Connection) -> None:
    m = w.model(conn)
    a = w.race(conn, 1, 6)
    b = w.race(conn, 2, 6)
    winner = w.bet(conn, m, 1, a[0], "10.00", 4.5)
    loser = w.bet(conn, m, 1, a[1], "7.50", 3.0)
    heat = w.bet(conn, m, 2, b[2], "12.00", 6.2)
    w.result(conn, 1, {a[0]: 1, a[1]: 2, a[2]: 3})
    w.result(conn, 2, {b[2]: 1, b[4]: 1, b[0]: 3})  # b[2] and b[4] dead-heat for first
    conn.commit()

    settled, voided, still_open, pnl = w.settle(conn)

    # By hand: 10 at 4.5 returns 45; 7.50 on a second is lost; 12 on a two-way dead heat is
    # 6 at 6.2 = 37.20 (the other 6 is lost).
    expect = {winner: Decimal("45.00"), loser: Decimal("0.00"), heat: Decimal("37.20")}
    stakes = {winner: Decimal("10.00"), loser: Decimal("7.50"), heat: Decimal("12.00")}
    for bet_id, ret in expect.items():
        row = w.settled(conn, bet_id)
        assert row["status"] == "settled"
        assert row["return_amount"] == ret
        assert row["pnl"] == ret - stakes[bet_id]
        assert row["settled_at"] is not None
    assert (settled, voided, still_open) == (3, 0, 0)
    assert pnl == sum(expect.values()) - sum(stakes.values())
