"""Closing-line value on constructed drifting prices, checked against a computation from the
odds rows written here: a price that shortens after the bet gives positive CLV, one that drifts
negative; prices after the off are ignored; with no pre-off price of the bet's source the close
is SP. Probability CLV normalises each book (late non-runners leave the closing book)."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from tests.db.bets import world as w

CLOSE = w.OFF - dt.timedelta(minutes=3)
AFTER = w.OFF + dt.timedelta(minutes=1)


def test_clv_from_src_odds(conn: psycopg.Connection) -> None:
    m = w.model(conn)
    h = w.race(conn, 1, 5)
    morning = [5.0, 5.0, 3.0, 8.0, 10.0]
    close = [4.0, 6.0, 3.2, 7.0, None]  # h[4] is withdrawn late and never closes
    for horse, p0, p1 in zip(h, morning, close, strict=True):
        w.odds(conn, 1, horse, w.MORNING, p0)
        if p1 is not None:
            w.odds(conn, 1, horse, CLOSE, p1)
        w.odds(conn, 1, horse, AFTER, 1.5)  # in-running: never a closing price
    w.withdraw(conn, 1, h[4], CLOSE - dt.timedelta(minutes=5), "0.05")
    sp = [4.2, 5.5, 3.1, 7.5]
    for horse, s in zip(h, sp, strict=False):
        conn.execute("UPDATE racing.runners SET sp_decimal = %s WHERE horse_id = %s", (s, horse))
    shortened = w.bet(conn, m, 1, h[0], "10.00", 5.0)
    drifted = w.bet(conn, m, 1, h[1], "10.00", 5.0)
    manual = w.bet(conn, m, 1, h[2], "10.00", 3.4)
    conn.execute("UPDATE modeling.bets SET odds_source = 'phone' WHERE bet_id = %s", (manual,))
    w.result(conn, 1, {h[2]: 1})
    conn.commit()
    w.settle(conn)

    taken_book = sum(1 / p for p in morning)  # all five priced and declared at the bet
    close_book = sum(1 / p for p in close if p is not None)
    sp_book = sum(1 / s for s in sp)
    for bet_id, taken, closing, book, src in (
            (shortened, 5.0, close[0], close_book, "book_a"),
            (drifted, 5.0, close[1], close_book, "book_a"),
            (manual, 3.4, sp[2], sp_book, "SP")):
        row = w.settled(conn, bet_id)
        assert row["closing_odds"] == pytest.approx(closing)
        assert row["closing_source"] == src
        assert row["clv_odds"] == pytest.approx(taken / closing - 1)
        p_taken = (1 / taken) / (taken_book if src == "book_a" else 1.0)
        assert row["clv_prob"] == pytest.approx((1 / closing) / book - p_taken)
    assert w.settled(conn, shortened)["clv_odds"] > 0 > w.settled(conn, drifted)["clv_odds"]
    assert w.settled(conn, shortened)["clv_prob"] > 0 > w.settled(conn, drifted)["clv_prob"]

    summary = conn.execute("SELECT bets, mean_clv_odds, share_beat_close FROM "
                           "modeling.clv_summary(%s, %s)", (w.DAY, w.DAY)).fetchone()
    clv = [5.0 / 4.0 - 1, 5.0 / 6.0 - 1, 3.4 / 3.1 - 1]
    assert summary is not None and summary[0] == 3
    assert summary[1] == pytest.approx(sum(clv) / 3)
    assert summary[2] == pytest.approx(2 / 3)
