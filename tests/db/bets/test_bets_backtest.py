"""Acceptance on the synthetic world: bets struck at morning prices over the out-of-time window,
settled, beat the closing line on average (the market is noisier than the model in the morning
and sharpens toward the off). Prints the CLV summary for the report."""

from __future__ import annotations

import datetime as dt

import psycopg

from tests.conftest import ServerHandle
from tests.db.scoring.world import TEST_TO, install, trained

WINDOW = 20  # the last days of the out-of-time window


def test_out_of_time_clv_is_positive(server: ServerHandle, synth_template: str,
                                     synth_conn: psycopg.Connection) -> None:
    install(synth_conn, trained(server, synth_template))
    days = [TEST_TO - dt.timedelta(days=i) for i in range(WINDOW)][::-1]
    for day in days:
        # 10:00 UTC: after the morning books (08:30 / 09:05 London), before the first off.
        as_of = dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)
        synth_conn.execute("SELECT modeling.score_day(%s, %s)", (day, as_of))
        synth_conn.execute("SELECT * FROM modeling.propose_bets(%s, as_of => %s)",
                           (day, as_of))
        synth_conn.execute("SELECT * FROM modeling.settle(%s)", (day,))
        synth_conn.commit()
    row = synth_conn.execute(
        "SELECT bets, mean_clv_odds, mean_clv_prob, se_clv_prob, stake_weighted_clv_odds, "
        "share_beat_close, staked, pnl FROM modeling.clv_summary(%s, %s)",
        (days[0], days[-1])).fetchone()
    assert row is not None
    bets, clv_odds, clv_prob, se, weighted, share, staked, pnl = row
    print(f"\nCLV over {days[0]}..{days[-1]}: bets={bets} mean_clv_odds={clv_odds:.4f} "
          f"mean_clv_prob={clv_prob:.5f} (se {se:.5f}) stake_weighted_clv_odds={weighted:.4f} "
          f"share_beat_close={share:.3f} staked={staked} pnl={pnl}")
    reasons = synth_conn.execute(
        "SELECT coalesce(reject_reason, status), count(*) FROM modeling.bets "
        "GROUP BY 1 ORDER BY 1").fetchall()
    print(f"decisions: {dict(reasons)}")
    assert bets >= 30
    assert clv_odds > 0 and clv_prob > 0
    daily = synth_conn.execute("SELECT sum(pnl), sum(staked) FROM modeling.bets_pnl_daily "
                               "WHERE race_date BETWEEN %s AND %s",
                               (days[0], days[-1])).fetchone()
    assert daily == (pnl, staked)
