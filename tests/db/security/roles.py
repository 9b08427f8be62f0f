"""Shared helpers of the security tests (no tests here): throwaway LOGIN roles in the engine's
group roles, connected the way an application would connect."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import errors, sql
from psycopg.conninfo import make_conninfo

from hrdpg.config import Settings
from tests.conftest import ServerHandle

GROUP_ROLES = ("hrdpg_owner", "hrdpg_scorer", "hrdpg_trainer", "hrdpg_reader")


@contextmanager
def login_as(server: ServerHandle, db: Settings, *groups: str,
             create_schema: bool = False, temp: bool = False) -> Iterator[psycopg.Connection]:
    """A new LOGIN role (random name and password) in ``groups``, connected to ``db``.

    Roles are cluster-global: the role is dropped afterwards, with whatever it created in db.
    ``create_schema`` lets it create schemas in db (an attacker with a schema of its own);
    ``temp`` gives it TEMP, which the engine's lower roles lack (as if a DBA granted it).
    """
    name = f"hrdpg_t_{uuid.uuid4().hex[:10]}"
    password = secrets.token_urlsafe(18)
    with server.admin() as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(name), sql.Literal(password)))
        for group in groups:
            admin.execute(sql.SQL("GRANT {} TO {}").format(
                sql.Identifier(group), sql.Identifier(name)))
        if create_schema:
            admin.execute(sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(
                sql.Identifier(db.dbname), sql.Identifier(name)))
        if temp:
            admin.execute(sql.SQL("GRANT TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(db.dbname), sql.Identifier(name)))
    try:
        with psycopg.connect(make_conninfo(db.conninfo(), user=name, password=password),
                             autocommit=True) as conn:
            yield conn
    finally:
        with psycopg.connect(db.conninfo(), autocommit=True) as owner:
            owner.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        with server.admin() as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def denied(conn: psycopg.Connection, statement: str, params: tuple[object, ...] = ()) -> str:
    """Run statement expecting a permission error; returns its message."""
    with pytest.raises(errors.InsufficientPrivilege) as info:
        conn.execute(statement.encode(), params)  # bytes: statements are the tests' own
    return str(info.value)


def modeling_functions(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(name, regprocedure) of every function/procedure in modeling no extension owns."""
    return [(r[0], r[1]) for r in conn.execute(
        "SELECT p.proname::text, p.oid::regprocedure::text FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'modeling'"
        " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
        " ORDER BY 2").fetchall()]
