"""Integration: pg_cron really runs modeling.tick in an engine database (scheduled from the cron
database with `install(database=...)`), the morning job scores today's races with the real
score_day, and production signals appear; bounded wait, polled."""

from __future__ import annotations

import datetime as dt
import time

import psycopg

from hrdpg.cli import schedule
from hrdpg.config import Settings
from hrdpg.synth.config import SynthConfig
from hrdpg.synth.world import generate
from hrdpg.synth.write import write_world
from tests.conftest import ServerHandle
from tests.db.scoring.world import install, trained

CRON_WAIT_S = 150  # minute granularity: the job fires at the next minute boundary


def _world_until_today(conn: psycopg.Connection) -> int:
    """A small synthetic world whose last day is today in Madrid; the morning job due at once
    (local 00:00). Returns today's races."""
    row = conn.execute("SELECT (now() AT TIME ZONE 'Europe/Madrid')::date").fetchone()
    assert row is not None
    today: dt.date = row[0]
    write_world(conn, generate(SynthConfig(seed=11, n_days=40, races_per_day=6,
                                           start_date=today - dt.timedelta(days=39))))
    conn.execute("UPDATE modeling.schedule SET local_time = '00:00' WHERE job = 'morning'")
    row = conn.execute("SELECT count(*) FROM racing.races WHERE race_date = %s",
                       (today,)).fetchone()
    conn.commit()
    assert row is not None
    return int(row[0])


def _covered(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(DISTINCT race_id) FROM modeling.latest_signals "
                       "WHERE race_date = (now() AT TIME ZONE 'Europe/Madrid')::date").fetchone()
    conn.commit()
    return int(row[0]) if row else 0


def test_pg_cron_tick_publishes_todays_signals(
        server: ServerHandle, synth_template: str, db: Settings) -> None:
    with psycopg.connect(db.conninfo()) as conn, \
            psycopg.connect(server.engine.conninfo()) as cron_conn:
        races = _world_until_today(conn)
        assert races > 0
        install(conn, trained(server, synth_template))
        job_id = schedule.install(cron_conn, database=db.dbname)
        try:
            deadline = time.monotonic() + CRON_WAIT_S
            while (covered := _covered(conn)) < races and time.monotonic() < deadline:
                time.sleep(0.5)  # polling interval while waiting for the minute boundary
            details = cron_conn.execute(
                "SELECT status, return_message FROM cron.job_run_details WHERE jobid = %s",
                (job_id,)).fetchall()
            cron_conn.commit()
        finally:
            assert schedule.remove(cron_conn, database=db.dbname) is True
        morning = conn.execute(
            "SELECT d FROM modeling.runs, jsonb_array_elements(params -> 'decisions') d "
            "WHERE kind = 'tick' AND d ->> 'job' = 'morning'").fetchall()
        assert covered == races, (details, morning)
        run = conn.execute("SELECT status FROM modeling.runs WHERE kind = 'score_day' "
                           "AND triggered_by = 'schedule:morning'").fetchall()
        assert run == [("ok",)]
