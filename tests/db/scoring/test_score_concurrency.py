"""Two connections scoring one date at once never double-publish; wait => false skips."""

from __future__ import annotations

import threading

import psycopg

from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, LATE, install, score, trained


def test_concurrent_calls_serialise_and_nowait_skips(
        synth_db: Settings, synth_conn: psycopg.Connection, server: ServerHandle,
        synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with psycopg.connect(synth_db.conninfo()) as conn:
                results.append(score(conn))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results[0] == results[1] > 0
    count = synth_conn.execute("SELECT count(*), count(DISTINCT (race_id, horse_id)) "
                               "FROM modeling.signals").fetchone()
    assert count == (results[0], results[0])

    with psycopg.connect(synth_db.conninfo()) as holder:
        holder.execute("SELECT modeling.score_day(%s, %s)", (DAY, "2020-01-03 00:00+00"))
        # holder's transaction is open: the date's lock is held
        assert score(synth_conn, as_of="2020-01-04 00:00+00", wait=False) == 0
        holder.commit()
    runs = synth_conn.execute("SELECT status, count(*) FROM modeling.runs "
                              "GROUP BY status ORDER BY status").fetchall()
    assert runs == [("ok", 3), ("skipped", 1)]
    snapshots = synth_conn.execute("SELECT count(DISTINCT as_of) FROM modeling.signals "
                                   "WHERE as_of <> %s", (LATE,)).fetchone()
    assert snapshots == (1,)  # the skipped call published nothing
