"""Scoring and propose_bets size with one bankroll: after settled P&L has moved it, a win
bet's stake is the signal's stake_fraction of the bankroll the ledger gives, and the signal's
per-race cap is the profile's max_stake_per_race at that bankroll."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal
from typing import Any

import psycopg

from tests.conftest import ServerHandle
from tests.db.bets import world as w
from tests.db.scoring.world import DAY, install, trained

AS_OF = dt.datetime.combine(DAY, dt.time(10, 0), tzinfo=dt.UTC)  # morning books, before the off
ROOMY = dict(bankroll=10000, kelly_multiplier=0.25, max_stake_fraction=0.02, min_edge=0.02,
             max_stake_per_bet=1000000, max_stake_per_race=1000000, max_stake_per_day=1000000,
             max_bets_per_race=100, max_bets_per_day=1000, max_pending_exposure=1000000,
             daily_loss_limit=1000000, bankroll_floor=0, min_liquidity=0)


def _lose(conn: psycopg.Connection, model_id: int, stake: str) -> Decimal:
    """A settled losing bet on an earlier day; returns the bankroll the ledger now gives."""
    conn.execute("INSERT INTO modeling.bets (race_id, horse_id, race_date, model_id, "
                 "signal_as_of, bet_type, stake, odds, odds_source, p_win, edge, status, "
                 "settled_at, return_amount, pnl) VALUES (1, 1, %s, %s, %s, 'win', "
                 "%s::numeric, 3, 'book', 0.5, 0.1, 'settled', now(), 0, -%s::numeric)",
                 (DAY - dt.timedelta(days=30), model_id, AS_OF, stake, stake))
    rows = conn.execute("SELECT pnl FROM modeling.bets WHERE status IN ('settled', 'void')"
                        ).fetchall()
    conn.commit()
    return Decimal(ROOMY["bankroll"]) + sum(r[0] for r in rows)


def _score_and_propose(conn: psycopg.Connection) -> tuple[dict[Any, Any], list[Any]]:
    conn.execute("SELECT modeling.score_day(%s, %s)", (DAY, AS_OF))
    conn.commit()
    fractions = dict(((r[0], r[1]), r[2]) for r in conn.execute(
        "SELECT race_id, horse_id, stake_fraction FROM modeling.signals "
        "WHERE alias = 'production' AND race_date = %s AND as_of = %s", (DAY, AS_OF)))
    bets = w.propose(conn, as_of=AS_OF, day=DAY)
    return fractions, bets


def test_win_stake_is_the_signal_fraction_of_the_bankroll_now(
        server: ServerHandle, synth_template: str, synth_conn: psycopg.Connection) -> None:
    model_id = install(synth_conn, trained(server, synth_template))
    w.limits(synth_conn, **ROOMY)
    bank = _lose(synth_conn, model_id, "3000.00")
    fractions, bets = _score_and_propose(synth_conn)
    wins = [b for b in bets if b["bet_type"] == "win" and b["status"] == "proposed"]
    assert wins and bank == 7000
    for b in wins:
        fraction = fractions[(b["race_id"], b["horse_id"])]
        assert b["stake"] == (Decimal(repr(fraction)) * bank).quantize(Decimal("0.01"),
                                                                       ROUND_DOWN)


def _race_money(fractions: dict[Any, Any], bank: Decimal) -> dict[int, float]:
    per_race: dict[int, float] = {}
    for (race_id, _), f in fractions.items():
        per_race[race_id] = per_race.get(race_id, 0.0) + (f or 0.0) * float(bank)
    return per_race


def test_signal_race_cap_is_the_profile_cap_at_the_bankroll_now(
        server: ServerHandle, synth_template: str, synth_conn: psycopg.Connection) -> None:
    model_id = install(synth_conn, trained(server, synth_template))
    w.limits(synth_conn, **ROOMY)
    bank = _lose(synth_conn, model_id, "3000.00")
    uncapped = _race_money(_score_and_propose(synth_conn)[0], bank)
    cap = round(Decimal(max(uncapped.values()) / 2), 2)  # binds on the busiest race
    w.limits(synth_conn, max_stake_per_bet=cap, max_stake_per_race=cap)
    synth_conn.commit()
    capped = _race_money(_score_and_propose(synth_conn)[0], bank)
    assert cap > 0 and max(capped.values()) <= float(cap) + 1e-6
    assert any(abs(m - float(cap)) < 1e-6 for m in capped.values())
