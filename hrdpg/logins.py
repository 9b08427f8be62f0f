"""Logins for the engine's group roles, with the limits of modeling.login_limits.

The password never reaches the server in clear text: libpq turns it into a SCRAM-SHA-256
verifier on the client, so it cannot end up in a statement log.
"""

from __future__ import annotations

import psycopg

from hrdpg.errors import HrdpgError

GROUPS = {"reader": "hrdpg_reader", "scorer": "hrdpg_scorer", "trainer": "hrdpg_trainer",
          "owner": "hrdpg_owner"}

OPEN_DATABASES_SQL = """
SELECT d.datname::text FROM pg_database d
 WHERE d.datallowconn AND d.datname <> current_database()
   AND has_database_privilege('public', d.oid, 'CONNECT')
 ORDER BY 1
"""


def create_login(conn: psycopg.Connection, login: str, role: str,
                 password: str | None) -> tuple[str, list[str]]:
    """('created' | 'updated', other databases PUBLIC may still connect to)."""
    if role not in GROUPS:
        raise HrdpgError(f"unknown role {role!r}: use one of {', '.join(GROUPS)}")
    verifier = None
    if password:
        raw = conn.pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256")
        verifier = raw.decode()
    try:
        with conn.transaction():
            row = conn.execute("SELECT modeling.create_login(%s, %s, %s)",
                               (login, GROUPS[role], verifier)).fetchone()
    except psycopg.errors.InsufficientPrivilege as exc:
        raise HrdpgError("creating logins needs a superuser connection (the migrating role); "
                         f"the server said: {exc.diag.message_primary}") from None
    except psycopg.Error as exc:
        raise HrdpgError(f"login {login!r} not changed: {exc.diag.message_primary}") from None
    assert row is not None
    others = [r[0] for r in conn.execute(OPEN_DATABASES_SQL).fetchall()]
    return str(row[0]), others
