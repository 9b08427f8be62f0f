"""Re-running propose_bets for the same day and as_of records nothing new, a re-score does not
bet a runner twice, and re-settling gives the same ledger."""

from __future__ import annotations

import datetime as dt

import psycopg

from tests.db.bets import world as w

LEDGER = ("SELECT bet_id, status, stake, return_amount, pnl, settled_at, clv_odds, clv_prob "
          "FROM modeling.bets ORDER BY bet_id")


def test_propose_twice_and_rescore(conn: psycopg.Connection) -> None:
    m, a, b = w.card(conn)
    w.limits(conn, max_bets_per_race=2)
    conn.commit()
    first = w.propose(conn)
    assert len(first) == 5
    assert w.propose(conn) == []
    # A later publication of race 1 (same prices): bet runners stay single, and the one the
    # race cap rejected is rejected again under the new signal.
    later = w.MORNING + dt.timedelta(hours=1)
    for i, h in enumerate(a[:3]):
        w.signal(conn, m, 1, h, 0.30 - 0.01 * i, 5.0, as_of=later)
    conn.commit()
    again = w.propose(conn, as_of=later)
    assert [(r["horse_id"], r["reject_reason"]) for r in again] == [(a[2], "max_bets_per_race")]
    live = conn.execute("SELECT count(*) FROM modeling.bets WHERE status <> 'rejected'"
                        ).fetchone()
    assert live == (4,)
    # The runner keeps one rejection, the newest, however many signals rejected it.
    rejections = conn.execute("SELECT horse_id, signal_as_of FROM modeling.bets "
                              "WHERE status = 'rejected'").fetchall()
    assert rejections == [(a[2], later)]
    assert w.propose(conn, as_of=later) == []
    assert conn.execute("SELECT horse_id, signal_as_of FROM modeling.bets "
                        "WHERE status = 'rejected'").fetchall() == rejections


def test_settle_twice(conn: psycopg.Connection) -> None:
    _, a, b = w.card(conn)
    w.propose(conn)
    w.result(conn, 1, {a[0]: 1, a[1]: 2})
    w.result(conn, 2, {b[3]: 1})
    conn.commit()
    once = w.settle(conn)
    ledger = conn.execute(LEDGER).fetchall()
    assert w.settle(conn) == once
    assert conn.execute(LEDGER).fetchall() == ledger
