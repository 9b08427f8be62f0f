"""Alembic environment: hrdpg hands in an open connection (see hrdpg.migrate)."""

from __future__ import annotations

from sqlalchemy import create_engine

from alembic import context
from hrdpg.config import load_settings

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        # Plain `alembic upgrade head` from the command line: resolve the DSN like hrdpg does.
        import psycopg

        conninfo = load_settings().conninfo()
        engine = create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(conninfo))
        with engine.begin() as conn:
            context.configure(connection=conn, transaction_per_migration=True)
            context.run_migrations()
        return
    context.configure(connection=connection, transaction_per_migration=True)
    context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) mode is not supported; run against a database")
run_migrations_online()
