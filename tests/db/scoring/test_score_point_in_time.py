"""A replay is point in time: scoring a past day as of a morning moment gives the same
probabilities after every price observed later is deleted (the market features included)."""

from __future__ import annotations

import psycopg

from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, install, score, signals, trained


def test_replay_reads_no_price_from_after_its_as_of(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template, with_market=True))
    # Half-way through the day's price snapshots: later ones exist and would move the market.
    row = synth_conn.execute(
        "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY o.observed_at) FROM racing.odds o "
        "JOIN racing.races r USING (race_id) WHERE r.race_date = %s", (DAY,)).fetchone()
    assert row is not None
    as_of = row[0]
    assert score(synth_conn, as_of=as_of.isoformat()) > 0
    before = {k: v["p_win"] for k, v in signals(synth_conn, as_of=as_of.isoformat()).items()}
    view_before = synth_conn.execute(
        "SELECT sum(mkt_latest_prob * race_id) FROM modeling.runner_features "
        "WHERE race_date = %s", (DAY,)).fetchone()

    deleted = synth_conn.execute(
        "DELETE FROM racing.odds o USING racing.races r WHERE r.race_id = o.race_id "
        "AND r.race_date = %s AND o.observed_at > %s", (DAY, as_of)).rowcount
    synth_conn.commit()
    assert deleted > 0
    # The check is sensitive: what the view shows as of the off did change.
    assert synth_conn.execute(
        "SELECT sum(mkt_latest_prob * race_id) FROM modeling.runner_features "
        "WHERE race_date = %s", (DAY,)).fetchone() != view_before

    synth_conn.execute("DELETE FROM modeling.signals")
    synth_conn.commit()
    assert score(synth_conn, as_of=as_of.isoformat()) > 0
    after = {k: v["p_win"] for k, v in signals(synth_conn, as_of=as_of.isoformat()).items()}
    assert after.keys() == before.keys()
    assert max(abs(after[k] - before[k]) for k in before) == 0.0
