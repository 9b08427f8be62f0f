"""Cancel and statement_timeout during a large score_range: the call ends within a bounded
time, the chunk in flight rolls back whole, the run row says failed and why, and the chunks
committed before it hold whole days (exactly what re-running them publishes)."""

from __future__ import annotations

import datetime as dt
import time

import psycopg
from psycopg.conninfo import make_conninfo

from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.faults.util import Background, wait_until
from tests.db.scoring.world import START, TEST_TO, install, trained

CALL = "CALL modeling.score_range(%s, %s, chunk_days => 3)"
FROM, TO = START + dt.timedelta(days=60), TEST_TO
STOP_BOUND_S = 10.0  # a cancel must take effect within this, whatever the chunk is doing


def _run(conn: psycopg.Connection) -> tuple[str, str, int]:
    row = conn.execute("SELECT status, error, (params #>> '{progress,days_done}')::int "
                       "FROM modeling.runs WHERE kind = 'score_range' "
                       "ORDER BY run_id DESC LIMIT 1").fetchone()
    conn.commit()
    assert row is not None
    return row[0], row[1], row[2]


def _keys_by_day(conn: psycopg.Connection) -> dict[dt.date, set[tuple[int, int]]]:
    out: dict[dt.date, set[tuple[int, int]]] = {}
    for day, race, horse in conn.execute("SELECT race_date, race_id, horse_id "
                                         "FROM modeling.signals"):
        out.setdefault(day, set()).add((race, horse))
    conn.commit()
    return out


def _chunks_done(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT (params #>> '{progress,chunks_done}')::int >= 1 "
                       "FROM modeling.runs WHERE kind = 'score_range'").fetchone()
    conn.commit()
    return bool(row and row[0])


def _assert_whole_days_then_rerun(conn: psycopg.Connection, conninfo: str,
                                  error_part: str) -> None:
    status, error, days_done = _run(conn)
    assert status == "failed" and error_part in error, error
    assert 1 <= days_done < (TO - FROM).days + 1
    before = _keys_by_day(conn)
    assert max(before) < FROM + dt.timedelta(days=days_done)  # nothing past the last chunk
    with psycopg.connect(conninfo, autocommit=True) as rerun:
        rerun.execute(CALL, (FROM, FROM + dt.timedelta(days=days_done - 1)))
    assert _run(conn)[0] == "ok"
    after = _keys_by_day(conn)
    assert before == {d: after[d] for d in before}  # committed days were whole


def test_cancel_mid_range(synth_db: Settings, synth_conn: psycopg.Connection,
                          server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    job = Background(synth_db.conninfo(), CALL, (FROM, TO)).start()
    wait_until("the first chunk to commit", lambda: _chunks_done(synth_conn))
    asked = time.monotonic()
    assert synth_conn.execute("SELECT pg_cancel_backend(%s)", (job.pid,)).fetchone() == (True,)
    synth_conn.commit()
    job.join()
    assert job.finished_at - asked < STOP_BOUND_S
    assert isinstance(job.error, psycopg.errors.RaiseException)  # the procedure's own report
    assert "canceling statement due to user request" in str(job.error)
    _assert_whole_days_then_rerun(synth_conn, synth_db.conninfo(),
                                  "canceling statement due to user request")


def test_statement_timeout_mid_range(synth_db: Settings, synth_conn: psycopg.Connection,
                                     server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    timeout_ms = 1500
    limited = make_conninfo(synth_db.conninfo(), options=f"-c statement_timeout={timeout_ms}")
    job = Background(limited, CALL, (FROM, TO)).start()
    started = time.monotonic()
    job.join()
    assert job.finished_at - started < timeout_ms / 1000 + STOP_BOUND_S
    assert job.error is not None and "statement timeout" in str(job.error)
    _assert_whole_days_then_rerun(synth_conn, synth_db.conninfo(), "statement timeout")
