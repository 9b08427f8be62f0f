"""DQ gate: a one-runner race is blocked with dq_results rows; the other races publish."""

from __future__ import annotations

import psycopg

from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, install, score, signals, trained


def test_bad_race_blocked_others_published(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    race = synth_conn.execute("SELECT min(race_id) FROM racing.races WHERE race_date = %s",
                              (DAY,)).fetchone()
    assert race is not None
    synth_conn.execute(
        "UPDATE racing.runners SET non_runner = true, status = NULL, finish_pos = NULL "
        "WHERE race_id = %s AND horse_id <> (SELECT min(horse_id) FROM racing.runners "
        "WHERE race_id = %s)", (race[0], race[0]))
    synth_conn.commit()
    published = score(synth_conn)
    rows = signals(synth_conn)
    assert race[0] not in {r for r, _ in rows}
    n_races = synth_conn.execute("SELECT count(*) FROM racing.races WHERE race_date = %s",
                                 (DAY,)).fetchone()
    assert n_races is not None
    assert len({r for r, _ in rows}) == n_races[0] - 1 and published == len(rows)
    failed = synth_conn.execute(
        "SELECT check_name, blocked FROM modeling.dq_results WHERE race_id = %s "
        "AND NOT passed ORDER BY check_name", (race[0],)).fetchall()
    assert ("min_runners", True) in failed and ("probabilities_valid", True) in failed
    run = synth_conn.execute("SELECT races_published, races_blocked FROM modeling.runs "
                             "WHERE kind = 'score_day'").fetchone()
    assert run == (n_races[0] - 1, 1)
    per_race = synth_conn.execute(
        "SELECT count(DISTINCT check_name), count(DISTINCT race_id) FROM modeling.dq_results"
    ).fetchone()
    # six gate checks, book_plausible and the three content checks
    assert per_race == (10, n_races[0])
