"""The team-server set-up: pg_cron in its own database (cron.database_name), the engine in
another, the tick scheduled with cron.schedule_in_database. `hrdpg schedule status` run on the
engine reads the jobs and their runs where pg_cron lives and shows next-due in local time; the
history the engine's housekeeping cannot reach is trimmed by a job of the cron database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import psycopg
import pytest

from hrdpg.cli import main, schedule
from hrdpg.config import Settings
from tests.conftest import ServerHandle

MARK = "hrdpg-elsewhere-probe"


@pytest.fixture
def scheduled_from_cron_db(server: ServerHandle, db: Settings) -> Iterator[int]:
    """The tick of db scheduled from the cron database; yields its jobid, removed after."""
    assert main(["--dsn", server.engine.conninfo(), "schedule", "install",
                 "--database", db.dbname]) == 0
    with psycopg.connect(server.engine.conninfo(), autocommit=True) as cron:
        row = cron.execute("SELECT jobid FROM cron.job WHERE jobname = %s AND database = %s",
                           (schedule.job_name(db.dbname), db.dbname)).fetchone()
    assert row is not None
    try:
        yield int(row[0])
    finally:
        assert main(["--dsn", server.engine.conninfo(), "schedule", "remove",
                     "--database", db.dbname]) == 0


def _add_run(cron: psycopg.Connection, jobid: int, ended: dt.datetime, message: str) -> None:
    cron.execute("INSERT INTO cron.job_run_details (jobid, runid, job_pid, database, username, "
                 "command, status, return_message, start_time, end_time) "
                 "SELECT %s, nextval('cron.runid_seq'), 0, 'x', 'x', 'x', 'succeeded', %s, "
                 "%s, %s", (jobid, message, ended, ended))


def test_status_reads_pg_cron_where_it_lives(
        server: ServerHandle, db: Settings, scheduled_from_cron_db: int,
        capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(server.engine.conninfo(), autocommit=True) as cron:
        _add_run(cron, scheduled_from_cron_db, dt.datetime.now(dt.UTC), MARK)
    assert main(["--dsn", db.conninfo(), "schedule", "run-now"]) == 0  # today's slots done
    with psycopg.connect(db.conninfo()) as conn:
        assert not schedule.has_cron(conn)
        due = conn.execute("SELECT job, tz, next_due FROM modeling.schedule_status() "
                           "WHERE job = 'housekeeping'").fetchone()  # tomorrow 03:30 local
    assert due is not None
    capsys.readouterr()
    assert main(["--dsn", db.conninfo(), "schedule", "status"]) == 0
    out = capsys.readouterr().out
    assert f"pg_cron lives in database {server.engine.dbname}" in out
    assert schedule.job_name(db.dbname) in out and MARK in out
    local = due[2].astimezone(ZoneInfo(due[1]))
    assert f"{local:%Y-%m-%d %H:%M}" in out  # next-due as the job's zone shows it


def test_the_cron_database_trims_its_own_history(
        server: ServerHandle, scheduled_from_cron_db: int) -> None:
    now = dt.datetime.now(dt.UTC)
    old, recent = (now - dt.timedelta(days=schedule.HISTORY_DAYS + d) for d in (1, -1))
    with psycopg.connect(server.engine.conninfo(), autocommit=True) as cron:
        _add_run(cron, scheduled_from_cron_db, old, f"{MARK}-old")
        _add_run(cron, scheduled_from_cron_db, recent, f"{MARK}-recent")
        job = cron.execute("SELECT command, schedule FROM cron.job WHERE jobname = %s",
                           (schedule.HISTORY_JOB,)).fetchone()
        assert job is not None and job[1] == "30 3 * * *"
        cron.execute(job[0])  # what pg_cron runs at 03:30 GMT
        left = {r[0] for r in cron.execute(
            "SELECT return_message FROM cron.job_run_details WHERE jobid = %s",
            (scheduled_from_cron_db,)).fetchall()}
    assert left == {f"{MARK}-recent"}


def test_housekeeping_says_where_the_cron_history_is_trimmed(conn: psycopg.Connection) -> None:
    out = conn.execute("SELECT modeling.housekeeping(now())").fetchone()
    assert out is not None and out[0]["cron_details_deleted"] is None
    assert schedule.HISTORY_JOB in out[0]["cron_history"]
