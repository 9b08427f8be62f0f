"""The scorer scores (score_day, and score_range, whose steps run as the caller) with no table
write privileges of its own, and cannot register, promote, or edit the schedule."""

from __future__ import annotations

import datetime as dt

import psycopg

from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, LATE, install, score, signals, trained
from tests.db.security.roles import denied, login_as


def test_scorer_scores_but_cannot_write_or_promote(
        server: ServerHandle, synth_template: str, synth_db: Settings,
        synth_conn: psycopg.Connection) -> None:
    model_id = install(synth_conn, trained(server, synth_template))
    reference = score(synth_conn)
    next_day = DAY + dt.timedelta(days=1)
    with login_as(server, synth_db, "hrdpg_scorer") as scorer:
        row = scorer.execute("SELECT modeling.score_day(%s, %s::timestamptz + interval '1 day')",
                             (DAY, LATE)).fetchone()
        assert row == (reference,)
        scorer.execute("CALL modeling.score_range(%s, %s, 1, %s)", (next_day, next_day, LATE))
        assert scorer.execute("SELECT modeling.refresh_features(%s, %s)",
                              (DAY, DAY)).fetchone() is not None
        denied(scorer, "DELETE FROM modeling.signals")
        denied(scorer, "UPDATE modeling.runs SET status = 'ok'")
        denied(scorer, "UPDATE modeling.schedule SET params = '{}'")
        denied(scorer, "SELECT artifact FROM modeling.models")
        denied(scorer, "SELECT modeling.promote_model(%s, 'staging')", (model_id,))
        denied(scorer, "SELECT modeling.register_model('x', 1, '\\x00', '{a}', 'v', 'i', 'o',"
                       " '{}', '{}', '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL)")
    later = signals(synth_conn, as_of=None)
    assert len(later) == reference
    assert {v["as_of"] for v in later.values()} == {
        synth_conn.execute("SELECT %s::timestamptz + interval '1 day'", (LATE,)).fetchone()[0]}
    ranged = synth_conn.execute("SELECT status FROM modeling.runs WHERE kind = 'score_range'"
                                ).fetchall()
    assert ranged == [("ok",)]
    assert signals(synth_conn, day=next_day, as_of=LATE)
