"""Same as_of twice: the same rows, no duplicates; a new as_of adds a snapshot."""

from __future__ import annotations

import psycopg

from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, LATE, install, score, signals, trained

LATER = "2020-01-02 00:00+00"


def test_same_as_of_is_idempotent_new_as_of_adds(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    first = score(synth_conn)
    before = signals(synth_conn)
    again = score(synth_conn)
    after = signals(synth_conn)
    assert first == again == len(before) == len(after) > 0
    keep = ("p_win", "p_place", "best_win_odds", "stake_fraction", "reasons_json")
    assert {k: tuple(v[c] for c in keep) for k, v in before.items()} == \
        {k: tuple(v[c] for c in keep) for k, v in after.items()}
    total = synth_conn.execute("SELECT count(*) FROM modeling.signals").fetchone()
    assert total == (first,)

    assert score(synth_conn, as_of=LATER) == first
    rows = synth_conn.execute(
        "SELECT as_of, count(*) FROM modeling.signals GROUP BY as_of ORDER BY as_of").fetchall()
    assert [n for _, n in rows] == [first, first]
    latest = synth_conn.execute(
        "SELECT count(*), count(DISTINCT as_of), min(as_of) = %s::timestamptz "
        "FROM modeling.latest_signals WHERE race_date = %s", (LATER, DAY)).fetchone()
    assert latest == (first, 1, True)
    runs = synth_conn.execute("SELECT count(*) FROM modeling.runs WHERE kind = 'score_day' "
                              "AND status = 'ok'").fetchone()
    assert runs == (3,)
    assert LATE < LATER
