"""Each risk limit, tripped on its own, rejects the bets that would breach it with its rule as
reject_reason; the other bets go through. Every stake on the card is 100."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
import pytest

from tests.db.bets import world as w

# limit settings -> (rule, horses rejected as (race, index in that race's value runners))
CASES: dict[str, tuple[dict[str, Any], set[tuple[int, int]]]] = {
    "max_bets_per_race": ({"max_bets_per_race": 2}, {(1, 2)}),
    "max_stake_per_race": ({"max_stake_per_bet": 250, "max_stake_per_race": 250}, {(1, 2)}),
    "max_bets_per_day": ({"max_bets_per_day": 4}, {(2, 1)}),
    "max_stake_per_day": ({"max_stake_per_bet": 400, "max_stake_per_race": 400,
                           "max_stake_per_day": 450}, {(2, 1)}),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_limit_rejects_with_its_reason(conn: psycopg.Connection, rule: str) -> None:
    _, a, b = w.card(conn)
    settings, rejected = CASES[rule]
    w.limits(conn, **settings)
    conn.commit()
    rows = w.propose(conn)
    horses = {1: a, 2: b}
    want = {horses[r][i] for r, i in rejected}
    assert {r["horse_id"] for r in rows} == set(a[:3]) | set(b[:2])
    for r in rows:
        if r["horse_id"] in want:
            assert (r["status"], r["reject_reason"]) == ("rejected", rule)
        else:
            assert (r["status"], r["reject_reason"]) == ("proposed", None)
    assert all(r["stake"] == 100 for r in rows)


def test_max_stake_per_bet_caps_the_stake(conn: psycopg.Connection) -> None:
    """The per-bet cap is a sizing cap: every bet is placed at the cap, none rejected."""
    w.card(conn)
    w.limits(conn, max_stake_per_bet=60)
    conn.commit()
    rows = w.propose(conn)
    assert len(rows) == 5
    assert {(r["status"], r["stake"]) for r in rows} == {("proposed", 60)}


def test_pending_exposure_counts_other_days(conn: psycopg.Connection) -> None:
    m, a, _ = w.card(conn)
    w.limits(conn, max_pending_exposure=450)
    other = w.race(conn, 9, 6, day=w.DAY - dt.timedelta(days=1),
                   off=w.OFF - dt.timedelta(days=1))
    conn.execute("INSERT INTO modeling.bets (race_id, horse_id, race_date, model_id, "
                 "signal_as_of, bet_type, stake, odds, odds_source, p_win, edge) VALUES "
                 "(9, %s, %s, %s, %s, 'win', 300, 5, 'book_a', 0.3, 0.5)",
                 (other[0], w.DAY - dt.timedelta(days=1), m, w.MORNING))
    conn.commit()
    rows = w.propose(conn)
    status = {r["horse_id"]: r["reject_reason"] for r in rows}
    # 300 pending + 100 fits; the next 100 would make 500 > 450.
    assert status[a[0]] is None
    assert [status[h] for h in a[1:3]] == ["max_pending_exposure"] * 2


def test_liquidity(conn: psycopg.Connection) -> None:
    m, a, _ = w.card(conn)
    w.limits(conn, min_liquidity=500)
    conn.execute("UPDATE racing.odds SET volume = 100 WHERE horse_id = %s", (a[1],))
    conn.commit()
    rows = {r["horse_id"]: r["reject_reason"] for r in w.propose(conn)}
    assert rows[a[1]] == "liquidity"
    assert rows[a[0]] is None and rows[a[2]] is None


def test_daily_loss_limit_rejects_and_alerts(conn: psycopg.Connection) -> None:
    m, a, _ = w.card(conn)
    early = w.race(conn, 3, 6, off=w.MORNING - dt.timedelta(hours=1))
    w.limits(conn, daily_loss_limit=500)
    conn.execute("INSERT INTO modeling.bets (race_id, horse_id, race_date, model_id, "
                 "signal_as_of, bet_type, stake, odds, odds_source, p_win, edge, status, "
                 "settled_at, return_amount, pnl) VALUES (3, %s, %s, %s, %s, 'win', 500, 5, "
                 "'book_a', 0.3, 0.5, 'settled', now(), 0, -500)",
                 (early[0], w.DAY, m, w.MORNING - dt.timedelta(hours=2)))
    conn.commit()
    rows = w.propose(conn)
    assert rows and {r["reject_reason"] for r in rows} == {"daily_loss_limit"}
    alert = conn.execute("SELECT severity, dedup_key FROM modeling.alerts "
                         "WHERE category = 'bets'").fetchall()
    assert alert == [("warning", f"daily_loss_limit:default:{w.DAY}")]


def test_daily_loss_limit_bounds_a_morning_batch(conn: psycopg.Connection) -> None:
    """Before any result: the stakes accepted for the day never exceed what it may lose."""
    w.card(conn)  # five value runners at 100 each under LOOSE
    w.limits(conn, daily_loss_limit=250)
    conn.commit()
    rows = w.propose(conn)
    accepted = sum(r["stake"] for r in rows if r["status"] != "rejected")
    assert accepted == 200 and accepted <= 250
    assert [r["reject_reason"] for r in rows if r["status"] == "rejected"] \
        == ["daily_loss_limit"] * 3
