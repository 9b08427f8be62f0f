"""Every modeling function is classified in sql/privileges.sql, and the grants in the database
are exactly what the classification says (PUBLIC never has EXECUTE), also after a re-migrate."""

from __future__ import annotations

import psycopg

from hrdpg import migrate
from hrdpg.config import Settings
from tests.db.security.roles import GROUP_ROLES, modeling_functions

# The owner inherits whatever the scorer and the trainer may do.
INHERITED = {"hrdpg_owner": {"hrdpg_owner", "hrdpg_scorer", "hrdpg_trainer"},
             "hrdpg_scorer": {"hrdpg_scorer"}, "hrdpg_trainer": {"hrdpg_trainer"},
             "hrdpg_reader": {"hrdpg_reader"}}


def classification(conn: psycopg.Connection) -> dict[str, set[str]]:
    return {r[0]: set(r[1]) for r in conn.execute(
        "SELECT function_name, granted_to FROM modeling.function_grants").fetchall()}


def unclassified(conn: psycopg.Connection) -> list[str]:
    known = classification(conn)
    return sorted({name for name, _ in modeling_functions(conn)} - set(known))


def public_can_execute(conn: psycopg.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace"
        " CROSS JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a"
        " WHERE n.nspname = 'modeling' AND a.grantee = 0 AND a.privilege_type = 'EXECUTE'"
        ).fetchall()]


def test_every_modeling_function_is_classified(conn: psycopg.Connection) -> None:
    assert unclassified(conn) == [], (
        "add these functions to modeling.function_grants in sql/privileges.sql")
    # And the list names no function that does not exist (a typo would grant nothing).
    present = {name for name, _ in modeling_functions(conn)}
    assert set(classification(conn)) - present == set()


def test_an_unlisted_function_is_caught_and_gets_no_grant(conn: psycopg.Connection) -> None:
    conn.execute("CREATE FUNCTION modeling.zz_probe() RETURNS int LANGUAGE sql RETURN 1")
    conn.execute(migrate.SQL_DIR.joinpath("privileges.sql").read_text().encode())
    assert unclassified(conn) == ["zz_probe"]
    assert "modeling.zz_probe()" not in public_can_execute(conn)
    for role in GROUP_ROLES:
        row = conn.execute("SELECT has_function_privilege(%s, 'modeling.zz_probe()', 'EXECUTE')",
                           (role,)).fetchone()
        assert row == (False,), role


def assert_grants_match(conn: psycopg.Connection) -> None:
    known = classification(conn)
    assert public_can_execute(conn) == []
    for name, signature in modeling_functions(conn):
        for role in GROUP_ROLES:
            row = conn.execute("SELECT has_function_privilege(%s, %s::regprocedure, 'EXECUTE')",
                               (role, signature)).fetchone()
            expected = bool(known[name] & INHERITED[role])
            assert row == (expected,), f"{role} on {signature}"


def test_grants_follow_the_list_and_survive_a_migrate(db: Settings) -> None:
    with psycopg.connect(db.conninfo()) as conn:
        assert_grants_match(conn)
    # migrate drops and recreates every function; the grants must come back with them.
    migrate.migrate(db)
    with psycopg.connect(db.conninfo()) as conn:
        assert_grants_match(conn)
        group = conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = ANY(%s)"
                             " AND NOT rolcanlogin AND NOT rolsuper", (list(GROUP_ROLES),))
        assert group.fetchone() == (len(GROUP_ROLES),)
