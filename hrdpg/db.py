"""Connections to the engine database, with errors that say what to do next."""

from __future__ import annotations

import psycopg

from hrdpg.config import Settings
from hrdpg.errors import HrdpgError


def connect(
    settings: Settings, autocommit: bool = False, maintenance: bool = False
) -> psycopg.Connection:
    conninfo = settings.maintenance_conninfo() if maintenance else settings.conninfo()
    try:
        return psycopg.connect(conninfo, autocommit=autocommit, application_name="hrdpg")
    except psycopg.OperationalError as exc:
        hint = (
            "start the embedded cluster with `hrdpg db up`"
            if settings.embedded
            else "check HRDPG_DSN / --dsn and that the server accepts connections"
        )
        raise HrdpgError(f"cannot connect to the database ({exc}). Next: {hint}.") from exc
