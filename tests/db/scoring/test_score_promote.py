"""A promote between two calls is picked up by the next call in the same backend; a
challenger alias is scored under its own model and never shows in latest_signals."""

from __future__ import annotations

import psycopg

from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, expected_p, install, score, signals, trained

FIRST, SECOND = "2020-01-01 00:00+00", "2020-01-01 00:05+00"


def test_promote_between_calls_uses_new_model(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    a = trained(server, synth_template, with_market=True)
    b = trained(server, synth_template, with_market=False)
    model_a = install(synth_conn, a)
    score(synth_conn, as_of=FIRST)  # warms this backend's cache with model a
    model_b = install(synth_conn, b, name="core")
    score(synth_conn, as_of=SECOND)
    got = signals(synth_conn, as_of=SECOND)
    assert {v["model_id"] for v in got.values()} == {model_b}
    want = expected_p(synth_conn, b, DAY, list(b.metrics["feature_importance_gain"]))
    assert max(abs(got[k]["p_win"] - want[k]) for k in want) <= 1e-6
    assert {v["model_id"] for v in signals(synth_conn, as_of=FIRST).values()} == {model_a}
    cached = synth_conn.execute(
        "SELECT params -> 'models' -> 'production' ->> 'cached' FROM modeling.runs "
        "WHERE kind = 'score_day' ORDER BY run_id").fetchall()
    assert cached == [("false",), ("false",)]
    score(synth_conn, as_of=SECOND)
    last = synth_conn.execute(
        "SELECT params -> 'models' -> 'production' ->> 'cached' FROM modeling.runs "
        "WHERE kind = 'score_day' ORDER BY run_id DESC LIMIT 1").fetchone()
    assert last == ("true",)


def test_challenger_scored_but_hidden(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    prod = install(synth_conn, trained(server, synth_template, with_market=True))
    chal = install(synth_conn, trained(server, synth_template, with_market=False),
                   alias="staging", name="core")
    published = score(synth_conn)
    rows = synth_conn.execute(
        "SELECT model_id, alias, count(*) FROM modeling.signals GROUP BY 1, 2 ORDER BY 1"
    ).fetchall()
    assert rows == [(prod, "production", published), (chal, "staging", published)]
    api = synth_conn.execute("SELECT DISTINCT model_id FROM modeling.latest_signals "
                             "WHERE race_date = %s", (DAY,)).fetchall()
    assert api == [(prod,)]
    assert score(synth_conn, challengers=False) == published
