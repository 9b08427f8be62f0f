"""`hrdpg schedule install|status|remove|run-now`: the pg_cron job that runs modeling.tick.

install/remove execute the same plain SQL scripts a psql user runs (sql/scripts/)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import replace
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from rich.console import Console
from rich.table import Table

from hrdpg.cli.argtypes import iso_timestamp
from hrdpg.config import SQL_DIR, load_settings
from hrdpg.db import connect
from hrdpg.errors import HrdpgError

JOB_NAME = "hrdpg-tick"
# When pg_cron lives in another database, housekeeping (which runs in the engine database)
# cannot reach cron.job_run_details: this job of the cron database trims it there instead.
HISTORY_JOB = "hrdpg-cron-history"
HISTORY_DAYS = 14  # as housekeeping's cron_retention_days
HISTORY_SQL = ("DELETE FROM cron.job_run_details "  # noqa: S608 (a constant)
               f"WHERE end_time < now() - interval '{HISTORY_DAYS} days'")
SCRIPTS = SQL_DIR / "scripts"
# This engine's jobs: the tick (named after the engine when pg_cron runs it from elsewhere)
# and the history trim of the cron database.
JOBS_SQL = """
SELECT j.jobid, j.jobname, j.schedule, j.command, j.database, j.username, j.active
  FROM cron.job j
 WHERE (j.jobname IN (%(tick)s, %(named)s) AND j.database = %(engine)s)
    OR j.jobname = %(history)s
 ORDER BY j.jobid
"""
RUNS_SQL = """
SELECT d.runid, j.jobname, d.status, d.start_time, d.end_time,
       left(d.return_message, 60) AS message
  FROM cron.job_run_details d JOIN cron.job j ON j.jobid = d.jobid
 WHERE j.jobid = ANY(%s) ORDER BY d.runid DESC LIMIT 5
"""
# Every time the schedule's status shows in the job's own zone, as its title says.
STATUS_SQL = """
SELECT job, kind, enabled, tz, to_char(local_time, 'HH24:MI') AS at,
       to_char(last_slot AT TIME ZONE tz, 'YYYY-MM-DD HH24:MI') AS last_slot, last_status,
       decision, to_char(next_due AT TIME ZONE tz, 'YYYY-MM-DD HH24:MI') AS next_due
  FROM modeling.schedule_status()
"""


def register(commands: Any) -> None:
    p = commands.add_parser("schedule", help="pg_cron scheduling: install, status, remove, "
                            "run a tick now")
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    inst = sub.add_parser("install", help=f"schedule {JOB_NAME} (modeling.tick every minute); "
                          "idempotent")
    inst.add_argument("--database", help="the engine database when pg_cron lives in another "
                      "one: connect (--dsn) to cron.database_name and name the engine's here")
    inst.set_defaults(handler=cmd_install)
    rm = sub.add_parser("remove", help=f"unschedule {JOB_NAME}")
    rm.add_argument("--database", help="as for install")
    rm.set_defaults(handler=cmd_remove)
    sub.add_parser("status", help="the job, its last runs, and what is due next"
                   ).set_defaults(handler=cmd_status)
    run = sub.add_parser("run-now", help="run one tick now (or as if at --at)")
    run.add_argument("--at", type=iso_timestamp,
                     help="the instant the tick decides for (default: now)")
    run.set_defaults(handler=cmd_run_now)


def has_cron(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT to_regclass('cron.job') IS NOT NULL").fetchone()
    return bool(row and row[0])


def _require_cron(conn: psycopg.Connection) -> None:
    if not has_cron(conn):
        raise HrdpgError("pg_cron is not installed in this database: run this in the database "
                         "named by cron.database_name (shared_preload_libraries = 'pg_cron')")


def job_name(database: str | None = None) -> str:
    return JOB_NAME if database is None else f"{JOB_NAME}:{database}"


def install(conn: psycopg.Connection, database: str | None = None) -> int:
    """Schedule (or update) the tick job; returns its jobid. database: run the tick there
    instead of in this (the cron) database."""
    _require_cron(conn)
    if database is None:
        row = conn.execute((SCRIPTS / "schedule_install.sql").read_text().encode()).fetchone()
    else:
        row = conn.execute("SELECT cron.schedule_in_database(%s, '* * * * *', "
                           "'SELECT modeling.tick()', %s)",
                           (job_name(database), database)).fetchone()
        conn.execute("SELECT cron.schedule(%s, '30 3 * * *', %s)", (HISTORY_JOB, HISTORY_SQL))
    conn.commit()
    assert row is not None
    return int(row[0])


def remove(conn: psycopg.Connection, database: str | None = None) -> bool:
    """Unschedule the tick job; False when it was not installed."""
    _require_cron(conn)
    if database is None:
        rows = conn.execute((SCRIPTS / "schedule_remove.sql").read_text().encode()).fetchall()
    else:
        rows = conn.execute("SELECT cron.unschedule(j.jobid) FROM cron.job j "
                            "WHERE j.jobname = %s", (job_name(database),)).fetchall()
        # The history trim serves every engine scheduled from here: it goes with the last one.
        conn.execute("SELECT cron.unschedule(j.jobid) FROM cron.job j WHERE j.jobname = %s "
                     "AND NOT EXISTS (SELECT 1 FROM cron.job o WHERE o.jobname LIKE %s)",
                     (HISTORY_JOB, f"{JOB_NAME}:%"))
    conn.commit()
    return bool(rows)


def run_now(conn: psycopg.Connection, at: dt.datetime | None = None) -> dict[str, Any]:
    row = conn.execute("SELECT modeling.tick(coalesce(%s::timestamptz, now()))",
                       (at,)).fetchone()
    conn.commit()
    assert row is not None
    result: dict[str, Any] = row[0]
    return result


def _table(console: Console, title: str, cur: psycopg.Cursor[Any]) -> None:
    table = Table(title=title)
    for col in cur.description or []:
        table.add_column(col.name, no_wrap=True)
    for r in cur.fetchall():
        table.add_row(*("" if v is None else str(v) for v in r))
    console.print(table)


def cmd_install(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        jobid = install(conn, args.database)
        print(f"{job_name(args.database)}: jobid {jobid}, '* * * * *' SELECT modeling.tick()")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        removed = remove(conn, args.database)
        print(f"{job_name(args.database)}: {'removed' if removed else 'was not installed'}")
    return 0


def cron_database(conn: psycopg.Connection) -> tuple[str, str | None]:
    """(this database, where pg_cron keeps its tables): this one, the one cron.database_name
    names (a server-wide setting, readable from any database), or None without pg_cron."""
    row = conn.execute("SELECT current_database(), "
                       "current_setting('cron.database_name', true)").fetchone()
    assert row is not None
    here = str(row[0])
    return here, here if has_cron(conn) else row[1]


def show_cron(console: Console, conn: psycopg.Connection, engine: str) -> None:
    """This engine's pg_cron jobs and their last runs, read where pg_cron lives."""
    cur = conn.execute(JOBS_SQL, {"tick": JOB_NAME, "named": job_name(engine),
                                  "engine": engine, "history": HISTORY_JOB})
    jobs = cur.fetchall()
    table = Table(title="pg_cron jobs")
    for col in cur.description or []:
        table.add_column(col.name, no_wrap=True)
    for r in jobs:
        table.add_row(*("" if v is None else str(v) for v in r))
    console.print(table)
    _table(console, "last pg_cron runs", conn.execute(RUNS_SQL, ([r[0] for r in jobs],)))


def cmd_status(args: argparse.Namespace) -> int:
    console = Console(width=160)
    settings = load_settings(args.dsn)
    with connect(settings) as conn:
        engine, where = cron_database(conn)
        if where == engine:
            show_cron(console, conn, engine)
        elif where:
            elsewhere = replace(settings, dsn=make_conninfo(settings.conninfo(), dbname=where),
                                dbname=where)
            try:
                with connect(elsewhere) as cron_conn:
                    console.print(f"pg_cron lives in database {where}:")
                    show_cron(console, cron_conn, engine)
            except (HrdpgError, psycopg.Error) as exc:
                console.print(f"pg_cron lives in database {where}, which this login cannot "
                              f"read ({' '.join(str(exc).split())[:120]}): run `hrdpg --dsn "
                              f"'<dsn of {where}>' schedule status` there")
        else:
            console.print("pg_cron is not installed in this database")
        _table(console, "last ticks", conn.execute(
            "SELECT run_id, status, started_at, params ->> 'now' AS tick_now FROM modeling.runs "
            "WHERE kind = 'tick' ORDER BY run_id DESC LIMIT 5"))
        _table(console, "schedule (local time)", conn.execute(STATUS_SQL))
    return 0


def cmd_run_now(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        print(json.dumps(run_now(conn, args.at), indent=2, default=str))
    return 0
