"""Logins made by `hrdpg db login` carry their group's limits, and a reader that lifts its own
statement_timeout is still cancelled by the scheduler's tick."""

from __future__ import annotations

import secrets
import threading
import uuid

import psycopg
import pytest
from psycopg import errors, sql
from psycopg.conninfo import make_conninfo

from hrdpg import logins
from hrdpg.cli import main
from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.faults.util import wait_until

RUNAWAY = "SELECT pg_sleep(600)"  # the payload: a read that would hold a backend for 10 min


def make_login(server: ServerHandle, db: Settings, role: str) -> tuple[str, str]:
    name, password = f"hrdpg_l_{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(16)
    with psycopg.connect(db.conninfo(), autocommit=True) as admin:
        assert logins.create_login(admin, name, role, password)[0] == "created"
    return name, password


def drop_login(server: ServerHandle, name: str) -> None:
    with server.admin() as admin:
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def running(conn: psycopg.Connection, pid: int) -> bool:
    row = conn.execute("SELECT state = 'active' AND query LIKE '%%pg_sleep%%' "
                       "FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    conn.commit()  # a fresh snapshot of pg_stat_activity on the next poll
    return row == (True,)


def test_reader_login_gets_the_reader_limits(server: ServerHandle, db: Settings,
                                             conn: psycopg.Connection) -> None:
    name, password = make_login(server, db, "reader")
    try:
        limits = conn.execute("SELECT connection_limit, settings FROM modeling.login_limits "
                              "WHERE group_role = 'hrdpg_reader'").fetchone()
        assert limits is not None
        row = conn.execute("SELECT rolconnlimit, rolsuper, rolpassword LIKE 'SCRAM-SHA-256$%%' "
                           "FROM pg_authid WHERE rolname = %s", (name,)).fetchone()
        assert row == (limits[0], False, True)
        with psycopg.connect(make_conninfo(db.conninfo(), user=name, password=password)) as api:
            for setting in limits[1]:
                key, value = setting.split("=")
                assert api.execute(sql.SQL("SHOW {}").format(sql.Identifier(key))).fetchone() \
                    == (value,)
            with pytest.raises(errors.QueryCanceled):
                api.execute(RUNAWAY)
    finally:
        drop_login(server, name)


def test_tick_cancels_a_reader_that_lifted_its_timeout(server: ServerHandle, db: Settings,
                                                       conn: psycopg.Connection) -> None:
    name, password = make_login(server, db, "reader")
    outcome: list[BaseException] = []
    try:
        with psycopg.connect(make_conninfo(db.conninfo(), user=name, password=password),
                             autocommit=True) as api:
            api.execute("SET statement_timeout = 0")
            pid = api.info.backend_pid

            def run() -> None:
                try:
                    api.execute(RUNAWAY)
                except psycopg.Error as exc:
                    outcome.append(exc)

            worker = threading.Thread(target=run)
            worker.start()
            wait_until("the reader's query to run", lambda: running(conn, pid))
            assert conn.execute("SELECT modeling.cancel_long_reads('0 seconds')").fetchone() \
                == (1,)
            worker.join(timeout=60)
        assert len(outcome) == 1 and isinstance(outcome[0], errors.QueryCanceled)
    finally:
        drop_login(server, name)


def test_db_login_cli_refuses_an_unknown_group(db: Settings, capsys: pytest.CaptureFixture[str]
                                               ) -> None:
    with pytest.raises(SystemExit):
        main(["--dsn", db.conninfo(), "db", "login", "api", "--role", "admin"])
    assert "invalid choice" in capsys.readouterr().err
