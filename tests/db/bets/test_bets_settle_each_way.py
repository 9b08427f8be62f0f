"""Each-way bets settle on the terms recorded on the bet: half the outlay on the win at the
odds, half on the place at 1 + (odds - 1) * fraction; a dead heat for the last paying place
halves the place stake."""

from __future__ import annotations

from decimal import Decimal

import psycopg

from tests.db.bets import world as w


def test_each_way_winner_placed_and_dead_heat_for_last_place(conn: psycopg.Connection) -> None:
    m = w.model(conn)
    h = w.race(conn, 1, 8)
    won = w.bet(conn, m, 1, h[0], "20.00", 6.0, "each_way", 3, "0.2")
    second = w.bet(conn, m, 1, h[1], "20.00", 11.0, "each_way", 3, "0.2")
    heat = w.bet(conn, m, 1, h[2], "20.00", 11.0, "each_way", 3, "0.2")
    fourth = w.bet(conn, m, 1, h[4], "20.00", 9.0, "each_way", 3, "0.2")
    # h[2] and h[3] dead-heat for third, the last of three paying places.
    w.result(conn, 1, {h[0]: 1, h[1]: 2, h[2]: 3, h[3]: 3, h[4]: 5})
    conn.commit()
    w.settle(conn)

    # By hand, 10 each way (20 outlay), place terms 1/5 odds:
    #   winner at 6.0: win 10 * 6 = 60, place 10 * (1 + 5/5) = 20 -> 80
    #   second at 11.0: win lost, place 10 * (1 + 10/5) = 30 -> 30
    #   dead heat for 3rd at 11.0: place stake halved, 5 * 3 = 15 -> 15
    #   fifth: nothing
    expect = {won: Decimal("80.00"), second: Decimal("30.00"), heat: Decimal("15.00"),
              fourth: Decimal("0.00")}
    for bet_id, ret in expect.items():
        row = w.settled(conn, bet_id)
        assert (row["status"], row["return_amount"], row["pnl"]) == (
            "settled", ret, ret - Decimal("20.00")), bet_id


def test_terms_on_the_bet_not_the_race(conn: psycopg.Connection) -> None:
    """The same placing pays on two places at 1/4 when that is what the bet recorded."""
    m = w.model(conn)
    h = w.race(conn, 1, 8)
    quarter = w.bet(conn, m, 1, h[1], "10.00", 9.0, "each_way", 2, "0.25")
    third = w.bet(conn, m, 1, h[2], "10.00", 9.0, "each_way", 2, "0.25")
    w.result(conn, 1, {h[0]: 1, h[1]: 2, h[2]: 3})
    conn.commit()
    w.settle(conn)
    # 5 on the place at 1 + 8/4 = 3.0 -> 15; third is outside two places -> 0.
    assert w.settled(conn, quarter)["return_amount"] == Decimal("15.00")
    assert w.settled(conn, third)["return_amount"] == Decimal("0.00")
