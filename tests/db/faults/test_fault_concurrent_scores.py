"""Overlapping backfills and a score_day released at the same instant: per-date locks taken
in date order serialise them without a deadlock, all three runs finish ok, and every race's
signals for one as_of come whole from one run (never half from each)."""

from __future__ import annotations

import datetime as dt

import psycopg

from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.faults.util import Background, hold_date_lock, wait_until, waits_on_lock
from tests.db.scoring.world import LATE, TEST_FROM, install, trained

RANGE = "CALL modeling.score_range(%s, %s, chunk_days => %s)"


def day(i: int) -> dt.date:
    return TEST_FROM + dt.timedelta(days=i)


def test_overlapping_ranges_and_a_day(synth_db: Settings, synth_conn: psycopg.Connection,
                                      server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    conninfo = synth_db.conninfo()
    with psycopg.connect(conninfo) as holder:
        hold_date_lock(holder, day(3))
        hold_date_lock(holder, day(4))
        jobs = [Background(conninfo, RANGE, (day(0), day(5), 2)).start(),
                Background(conninfo, RANGE, (day(3), day(8), 3)).start(),
                Background(conninfo, "SELECT modeling.score_day(%s, %s)", (day(4), LATE),
                           ).start()]
        for job in jobs:
            wait_until(f"{job.query} to wait for a date lock",
                       lambda job=job: waits_on_lock(synth_conn, job.pid, "advisory"))
    for job in jobs:
        job.join()
        assert job.error is None, job.error
    runs = synth_conn.execute("SELECT kind, status FROM modeling.runs ORDER BY run_id"
                              ).fetchall()
    assert sorted(runs) == [("score_day", "ok"), ("score_range", "ok"), ("score_range", "ok")]
    mixed = synth_conn.execute(
        "SELECT race_id, as_of, count(DISTINCT run_id) FROM modeling.signals "
        "GROUP BY race_id, as_of HAVING count(DISTINCT run_id) > 1").fetchall()
    assert mixed == []
    covered = synth_conn.execute("SELECT count(DISTINCT race_date) FROM modeling.signals "
                                 "WHERE as_of <> %s", (LATE,)).fetchone()
    assert covered == (9,)
    both = synth_conn.execute(  # days 3-5 were scored by both ranges: last writer, whole
        "SELECT count(DISTINCT run_id) FROM modeling.signals WHERE race_date = %s "
        "AND as_of <> %s", (day(4), LATE)).fetchone()
    assert both == (1,)
