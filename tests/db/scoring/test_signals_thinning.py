"""modeling.thin_signals keeps, per race, the first, the last pre-off, the newest and any
bet's publication of an old day, deletes the rest, leaves newer days and latest_signals alone."""

from __future__ import annotations

import datetime as dt

import psycopg

from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, LATE, install, score, trained


def _publications(conn: psycopg.Connection, race: int | None = None) -> set[dt.datetime]:
    rows = conn.execute("SELECT DISTINCT as_of FROM modeling.signals WHERE race_date = %s "
                        "AND (%s::int8 IS NULL OR race_id = %s::int8)",
                        (DAY, race, race)).fetchall()
    conn.commit()
    return {r[0] for r in rows}


def test_thinning_keeps_what_history_is_read_for(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    model_id = install(synth_conn, trained(server, synth_template))
    row = synth_conn.execute("SELECT min(off_time) FROM racing.races WHERE race_date = %s",
                             (DAY,)).fetchone()
    assert row is not None
    first_off: dt.datetime = row[0]
    early, bet_on, middle, pre_off = (first_off - dt.timedelta(hours=h)
                                      for h in (4.0, 3.0, 2.0, 1 / 60))
    for as_of in (early, bet_on, middle, pre_off):
        score(synth_conn, as_of=as_of.isoformat())
    score(synth_conn, as_of=LATE)  # after every off: the newest, shown by latest_signals
    late = dt.datetime.fromisoformat(LATE.replace(" 00:00+00", "T00:00:00+00:00"))
    race, horse, p_win, odds = synth_conn.execute(
        "SELECT race_id, horse_id, p_win, best_win_odds FROM modeling.signals "
        "WHERE as_of = %s AND best_win_odds IS NOT NULL ORDER BY race_id LIMIT 1",
        (bet_on,)).fetchone() or (0, 0, 0.0, 0.0)
    synth_conn.execute(
        "INSERT INTO modeling.bets (race_id, horse_id, race_date, model_id, signal_as_of, "
        "bet_type, stake, odds, odds_source, p_win, edge) "
        "VALUES (%s, %s, %s, %s, %s, 'win', 10, %s, 'test', %s, 0.1)",
        (race, horse, DAY, model_id, bet_on, odds, p_win))
    shown = synth_conn.execute("SELECT race_id, horse_id, as_of, p_win FROM "
                               "modeling.latest_signals WHERE race_date = %s ORDER BY 1, 2",
                               (DAY,)).fetchall()
    other_day = synth_conn.execute("SELECT count(*) FROM modeling.signals WHERE race_date <> %s",
                                   (DAY,)).fetchone()
    synth_conn.commit()

    assert synth_conn.execute("SELECT modeling.thin_signals(%s)", (DAY,)).fetchone() == (0,)
    deleted = synth_conn.execute("SELECT modeling.thin_signals(%s)",
                                 (DAY + dt.timedelta(days=1),)).fetchone()
    synth_conn.commit()
    assert deleted is not None and deleted[0] > 0
    assert _publications(synth_conn, race) == {early, bet_on, pre_off, late}
    others = synth_conn.execute("SELECT DISTINCT race_id FROM modeling.signals "
                                "WHERE race_date = %s AND race_id <> %s", (DAY, race)).fetchall()
    for (other,) in others:
        assert _publications(synth_conn, other) == {early, pre_off, late}
    assert synth_conn.execute("SELECT race_id, horse_id, as_of, p_win FROM "
                              "modeling.latest_signals WHERE race_date = %s ORDER BY 1, 2",
                              (DAY,)).fetchall() == shown
    assert synth_conn.execute("SELECT count(*) FROM modeling.signals WHERE race_date <> %s",
                              (DAY,)).fetchone() == other_day
    again = synth_conn.execute("SELECT modeling.thin_signals(%s)",
                               (DAY + dt.timedelta(days=1),)).fetchone()
    assert again == (0,)  # idempotent
