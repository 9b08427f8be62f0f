"""A non-runner declared after a first run disappears from the next snapshot and from
latest_signals; the race's probabilities are renormalised over the runners left."""

from __future__ import annotations

import math

import psycopg

from tests.conftest import ServerHandle
from tests.db.scoring.world import install, score, signals, trained

FIRST, SECOND = "2020-01-01 00:00+00", "2020-01-01 00:05+00"


def test_non_runner_dropped_and_race_renormalised(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    score(synth_conn, as_of=FIRST)
    before = signals(synth_conn, as_of=FIRST)
    race, horse = max(before)  # any runner of the day
    synth_conn.execute("UPDATE racing.runners SET non_runner = true, status = NULL, "
                       "finish_pos = NULL WHERE race_id = %s AND horse_id = %s", (race, horse))
    synth_conn.commit()
    score(synth_conn, as_of=SECOND)
    after = signals(synth_conn, as_of=SECOND)
    assert (race, horse) not in after
    assert len(after) == len(before) - 1
    field = [v["p_win"] for (r, _), v in after.items() if r == race]
    assert len(field) == sum(1 for r, _ in before if r == race) - 1
    assert math.isclose(sum(field), 1.0, abs_tol=1e-9)
    latest = synth_conn.execute(
        "SELECT horse_id, p_win FROM modeling.latest_signals WHERE race_id = %s", (race,)
    ).fetchall()
    assert horse not in {h for h, _ in latest}
    assert math.isclose(sum(p for _, p in latest), 1.0, abs_tol=1e-9)
    assert (race, horse) in signals(synth_conn, as_of=FIRST)  # history is kept
