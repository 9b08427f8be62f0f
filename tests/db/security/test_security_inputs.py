"""Inputs a scorer controls get a clear error or are ignored, and no session setting of the
caller changes a result: a future or infinite as_of, a huge chunk_days, another session's run,
DateStyle and IntervalStyle."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, LATE, install, score, signals, trained
from tests.db.security.roles import login_as


@pytest.mark.parametrize("as_of", ["2099-01-01 00:00+00", "infinity"])
def test_as_of_in_the_future_is_refused(synth_conn: psycopg.Connection, server: ServerHandle,
                                        synth_template: str, as_of: str) -> None:
    install(synth_conn, trained(server, synth_template))
    with pytest.raises(errors.InvalidParameterValue, match="as_of"):
        score(synth_conn, as_of=as_of)
    synth_conn.rollback()
    with pytest.raises(errors.InvalidParameterValue, match="as_of"):
        synth_conn.execute("CALL modeling.score_range(%s, %s, 1, %s)", (DAY, DAY, as_of))
    synth_conn.rollback()
    assert synth_conn.execute("SELECT count(*) FROM modeling.runs WHERE kind IN "
                              "('score_day', 'score_range')").fetchone() == (0,)


def test_session_date_styles_change_no_published_probability(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    assert score(synth_conn) > 0
    reference = {k: v["p_win"] for k, v in signals(synth_conn).items()}
    synth_conn.execute("SET DateStyle = 'Postgres, YMD'")
    synth_conn.execute("SET IntervalStyle = sql_standard")
    assert score(synth_conn, as_of="2020-01-02 00:00+00") > 0
    synth_conn.execute("RESET ALL")
    again = {k: v["p_win"] for k, v in signals(synth_conn, as_of="2020-01-02 00:00+00").items()}
    assert again == reference


def test_huge_chunk_days_scores_the_range_in_one_chunk(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    synth_conn.commit()
    synth_conn.autocommit = True
    synth_conn.execute("CALL modeling.score_range(%s, %s, 2147483647, %s)", (DAY, DAY, LATE))
    run = synth_conn.execute("SELECT status, params #>> '{progress,chunks_done}' "
                             "FROM modeling.runs WHERE kind = 'score_range'").fetchone()
    assert run == ("ok", "1")


def test_a_scorer_cannot_close_another_sessions_run(server: ServerHandle, db: Settings,
                                                   conn: psycopg.Connection) -> None:
    run = conn.execute("INSERT INTO modeling.runs (kind, params) VALUES ('score_range', '{}') "
                       "RETURNING run_id").fetchone()
    conn.commit()
    assert run is not None
    with login_as(server, db, "hrdpg_scorer") as scorer:
        scorer.execute("SELECT modeling.finish_run(%s, 'forged')", (run[0],))
        scorer.execute("SELECT modeling.record_failed_run('score_day', %s, '{}', "
                       "'URGENT: wire funds', 'manual')", (DAY,))
        login = scorer.info.user
    assert conn.execute("SELECT status FROM modeling.runs WHERE run_id = %s",
                        (run[0],)).fetchone() == ("running",)
    alert = conn.execute("SELECT message, details ->> 'reported_by' FROM modeling.alerts"
                         ).fetchone()
    assert alert is not None and f"reported by {login}" in alert[0] and alert[1] == login
