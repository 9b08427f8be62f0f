"""A promote racing with scoring: a score_day publishes everything from the one model it
resolved when it started, even when the alias moves before its upsert; a score_range never
mixes models in one run (a chunk that finds the alias moved fails the run, saying so)."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from hrdpg.config import Settings
from hrdpg.registry import store
from tests.conftest import ServerHandle
from tests.db.faults.util import Background, hold_date_lock, wait_until, waits_on_lock
from tests.db.scoring.world import (
    DAY,
    LATE,
    TEST_FROM,
    expected_p,
    install,
    score,
    signals,
    trained,
)


def _two_models(conn: psycopg.Connection, server: ServerHandle,
                synth_template: str) -> tuple[int, int]:
    """(production model trained with the market, an unaliased one trained without)."""
    first = install(conn, trained(server, synth_template))
    second = install(conn, trained(server, synth_template, with_market=False), alias=None,
                     name="win_nomkt")
    return first, second


def test_promote_during_score_day(synth_db: Settings, synth_conn: psycopg.Connection,
                                  server: ServerHandle, synth_template: str) -> None:
    old, new = _two_models(synth_conn, server, synth_template)
    with psycopg.connect(synth_db.conninfo()) as table_holder:
        table_holder.execute("LOCK TABLE modeling.signals IN SHARE MODE")
        job = Background(synth_db.conninfo(), "SELECT modeling.score_day(%s, %s)",
                         (DAY, LATE)).start()
        wait_until("score_day blocked at its signals upsert",
                   lambda: waits_on_lock(synth_conn, job.pid, "relation"))
        store.promote(synth_conn, new, "production", "race")  # commits while it is in flight
        synth_conn.commit()
    job.join()
    assert job.error is None
    published = signals(synth_conn, model_id=None)
    assert published and {s["model_id"] for s in published.values()} == {old}
    run = synth_conn.execute("SELECT model_id FROM modeling.runs WHERE kind = 'score_day'"
                             ).fetchone()
    assert run == (old,)
    names = list(trained(server, synth_template).metrics["feature_importance_gain"])
    want = expected_p(synth_conn, trained(server, synth_template), DAY, names)
    for key, s in published.items():
        assert s["p_win"] == pytest.approx(want[key], abs=1e-9)

    later = "2020-01-02 00:00+00"
    assert score(synth_conn, as_of=later) > 0
    latest = synth_conn.execute("SELECT DISTINCT model_id FROM modeling.latest_signals "
                                "WHERE race_date = %s", (DAY,)).fetchall()
    assert latest == [(new,)]


def test_promote_between_range_chunks(synth_db: Settings, synth_conn: psycopg.Connection,
                                      server: ServerHandle, synth_template: str) -> None:
    old, new = _two_models(synth_conn, server, synth_template)
    first, last = TEST_FROM, TEST_FROM + dt.timedelta(days=5)
    call = "CALL modeling.score_range(%s, %s, chunk_days => 2, challengers => false)"
    with psycopg.connect(synth_db.conninfo()) as day_holder:
        hold_date_lock(day_holder, first + dt.timedelta(days=2))
        job = Background(synth_db.conninfo(), call, (first, last)).start()
        wait_until("chunk 2 waiting for its date lock",
                   lambda: waits_on_lock(synth_conn, job.pid, "advisory"))
        store.promote(synth_conn, new, "production", "race")
        synth_conn.commit()
    job.join()
    assert job.error is not None and "production moved" in str(job.error)
    run = synth_conn.execute("SELECT status, model_id, error FROM modeling.runs "
                             "WHERE kind = 'score_range'").fetchone()
    assert run is not None and run[:2] == ("failed", old) and "production moved" in run[2]
    by_model = synth_conn.execute("SELECT model_id, min(race_date), max(race_date) "
                                  "FROM modeling.signals GROUP BY 1").fetchall()
    assert by_model == [(old, first, first + dt.timedelta(days=1))]

    synth_conn.commit()
    with psycopg.connect(synth_db.conninfo(), autocommit=True) as rerun:
        rerun.execute(call, (first + dt.timedelta(days=2), last))
    by_model = synth_conn.execute("SELECT model_id, min(race_date), max(race_date) "
                                  "FROM modeling.signals GROUP BY 1 ORDER BY 2").fetchall()
    assert by_model == [(old, first, first + dt.timedelta(days=1)),
                        (new, first + dt.timedelta(days=2), last)]
