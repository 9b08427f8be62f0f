"""`hrdpg db migrate`: extensions, Alembic revisions, then the reloadable sql/ objects.

Alembic owns the tables of the ``modeling`` schema. Views and functions are not history: they
live in sql/ as CREATE OR REPLACE files, are dropped before a revision runs (so a revision never
trips over a view that depends on a column it changes) and reinstalled after it.

An upgrade (or downgrade) is ONE transaction on one connection: extensions, the reference
racing schema, dropping the reloadable objects, every revision, reloading sql/ and the grants.
PostgreSQL DDL is transactional, so a failure anywhere leaves the database as it was, still
scoring; concurrent sessions wait on the locks and then see the new schema whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from alembic import command
from hrdpg.config import ALEMBIC_DIR, SQL_DIR, Settings
from hrdpg.contract import install_missing_optional_views
from hrdpg.db import connect
from hrdpg.errors import HrdpgError
from hrdpg.features import vacuum_history
from hrdpg.serverenv import engine_source_hash, feature_module_facts

REFERENCE_RACING_SQL = SQL_DIR / "reference" / "racing_schema.sql"
MANIFEST = SQL_DIR / "manifest.txt"


def ensure_database(settings: Settings) -> None:
    """Create the engine database on the embedded cluster (external servers bring their own)."""
    if not settings.embedded:
        return
    with connect(settings, autocommit=True, maintenance=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (settings.dbname,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings.dbname)))


def ensure_extensions(conn: psycopg.Connection) -> list[str]:
    """plpython3u always; pg_cron where this database is cron.database_name. Returns warnings."""
    warnings: list[str] = []
    conn.execute("CREATE EXTENSION IF NOT EXISTS plpython3u")
    row = conn.execute(
        "SELECT current_setting('shared_preload_libraries') ~ 'pg_cron', "
        "current_setting('cron.database_name', true) = current_database()"
    ).fetchone()
    preload, is_cron_db = row if row else (False, False)
    if preload and is_cron_db:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_cron")
    else:
        warnings.append(
            "pg_cron is not available in this database (needs shared_preload_libraries = "
            "'pg_cron' and cron.database_name = this database); scheduling is disabled"
        )
    return warnings


def alembic_config(connection: object) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def known_revision(target: str) -> None:
    """Refuse a revision Alembic does not know before anything changes."""
    if target in ("head", "base"):
        return
    script = ScriptDirectory.from_config(alembic_config(None))
    try:
        found = script.get_revision(target)
    except (CommandError, KeyError, ValueError):
        found = None
    if found is None:
        known = ", ".join(r.revision for r in reversed(list(script.walk_revisions())))
        raise HrdpgError(f"unknown revision {target!r}; nothing was changed. Known: base, "
                         f"{known}, head")


@contextmanager
def one_transaction(settings: Settings) -> Iterator[tuple[psycopg.Connection, Any]]:
    """(psycopg connection, SQLAlchemy connection) of one session inside one transaction,
    committed at the end, rolled back on any error."""
    conninfo = settings.conninfo()
    engine = create_engine(
        "postgresql+psycopg://", creator=lambda: psycopg.connect(conninfo), poolclass=NullPool
    )
    try:
        with engine.begin() as connection:
            raw = connection.connection.driver_connection
            assert isinstance(raw, psycopg.Connection)
            yield raw, connection
    finally:
        engine.dispose()


def _run_alembic(connection: Any, action: str, target: str) -> None:
    cfg = alembic_config(connection)
    try:
        if action == "upgrade":
            command.upgrade(cfg, target)
        else:
            command.downgrade(cfg, target)
    except CommandError as exc:
        raise HrdpgError(f"alembic {action} {target} refused: {exc}; nothing was changed") \
            from None


DATA_TABLES = ("models", "signals", "bets", "runs", "feature_store")


def data_held(conn: psycopg.Connection) -> dict[str, int]:
    """Rows of the modeling tables a downgrade would take with it (that exist here)."""
    held = {}
    for table in DATA_TABLES:
        name = f"modeling.{table}"
        if conn.execute("SELECT to_regclass(%s)", (name,)).fetchone() != (None,):
            row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
                sql.Identifier("modeling", table))).fetchone()
            held[table] = int(row[0]) if row else 0
    return held


def current_revision(conn: psycopg.Connection) -> str | None:
    if conn.execute("SELECT to_regclass('public.alembic_version')").fetchone() == (None,):
        return None
    row = conn.execute("SELECT version_num FROM public.alembic_version").fetchone()
    return row[0] if row else None


def drop_reloadable(conn: psycopg.Connection) -> int:
    """Drop every view and function in ``modeling`` that no extension owns."""
    objects = conn.execute(
        """
        SELECT 'VIEW', c.oid::regclass::text, NULL FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'modeling' AND c.relkind IN ('v', 'm')
        UNION ALL
        SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
               p.oid::regprocedure::text, NULL FROM pg_proc p
          JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'modeling'
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
        """
    ).fetchall()
    for kind, name, _ in objects:
        # regclass/regprocedure text is already quoted and schema-qualified.
        conn.execute(sql.SQL("DROP {} IF EXISTS {} CASCADE").format(sql.SQL(kind), sql.SQL(name)))
    return len(objects)


def manifest_files(manifest: Path = MANIFEST) -> list[Path]:
    files = []
    for line in manifest.read_text().splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            path = manifest.parent / entry
            if not path.exists():
                raise HrdpgError(f"{manifest} lists {entry}, which does not exist")
            files.append(path)
    return files


def record_engine_hash(conn: psycopg.Connection) -> None:
    """modeling.installed_engine_hash(): the hash of this checkout's engine modules, which
    scoring compares with the server's own (a server with other modules refuses to score)."""
    conn.execute(sql.SQL(
        "CREATE OR REPLACE FUNCTION modeling.installed_engine_hash() RETURNS text "
        "LANGUAGE sql IMMUTABLE RETURN {}").format(sql.Literal(engine_source_hash())))
    conn.execute("COMMENT ON FUNCTION modeling.installed_engine_hash() IS 'Hash of the hrdpg_pl "
                 "modules of the checkout that migrated this database (written by hrdpg db "
                 "migrate); scoring refuses server modules with another hash.'")


def record_feature_modules(conn: psycopg.Connection) -> None:
    """modeling.feature_modules_hash() / feature_module_calls(): the history modules' source
    hash and the modeling functions they call, which feature_version() covers."""
    digest, calls = feature_module_facts()
    conn.execute(sql.SQL(
        "CREATE OR REPLACE FUNCTION modeling.feature_modules_hash() RETURNS text "
        "LANGUAGE sql IMMUTABLE RETURN {}").format(sql.Literal(digest)))
    conn.execute(sql.SQL(
        "CREATE OR REPLACE FUNCTION modeling.feature_module_calls() RETURNS text[] "
        "LANGUAGE sql IMMUTABLE RETURN {}::text[]").format(sql.Literal(calls)))
    conn.execute("COMMENT ON FUNCTION modeling.feature_modules_hash() IS 'Hash of the history "
                 "modules (hrdpg_pl.history and its imports) of the checkout that migrated this "
                 "database; part of feature_version().'")
    conn.execute("COMMENT ON FUNCTION modeling.feature_module_calls() IS 'The modeling "
                 "functions the history modules call; feature_version() covers them.'")


def reload_sql(conn: psycopg.Connection, source_views: Path | None = None) -> list[Path]:
    """(Re)install all reloadable objects in manifest order, in the caller's transaction."""
    loaded = []
    # Written first: the engine hash is classified by the grants, the feature module facts
    # are read by feature_version().
    record_engine_hash(conn)
    record_feature_modules(conn)
    for path in manifest_files():
        is_source = path.name == "source_views.sql"
        if source_views is not None and is_source:
            path = source_views
        try:
            conn.execute(path.read_text().encode())
        except psycopg.Error as exc:
            raise HrdpgError(f"loading {path} failed: {exc}") from exc
        loaded.append(path)
        if is_source:
            # A team's file may leave the optional views out; later objects read them.
            install_missing_optional_views(conn)
    return loaded


def migrate(
    settings: Settings,
    target: str = "head",
    reference_racing: bool = True,
    source_views: Path | None = None,
) -> list[str]:
    """Bring a database to ``target`` and reinstall the reloadable objects, all in one
    transaction. Returns warnings."""
    known_revision(target)
    ensure_database(settings)
    with one_transaction(settings) as (conn, connection):
        warnings = ensure_extensions(conn)
        if reference_racing:
            conn.execute(REFERENCE_RACING_SQL.read_text().encode())
        drop_reloadable(conn)
        _run_alembic(connection, "upgrade", target)
        if target != "head":
            # Reloadable objects target the newest schema; an older one runs without them.
            warnings.append(f"schema at {target}: reloadable sql/ objects not installed")
        else:
            reload_sql(conn, source_views)
    if target == "head":
        with connect(settings) as conn:
            # A revision that rewrote the run history (0009 filled its state columns) leaves
            # its pages not all-visible, so the day path's index-only scans would visit the
            # heap until autovacuum came by. Cheap when there is nothing to do; after the
            # commit, since VACUUM cannot run inside a transaction.
            vacuum_history(conn)
    return warnings


def downgrade(settings: Settings, target: str) -> None:
    """Downgrade in one transaction (an unknown revision is refused before anything runs)."""
    known_revision(target)
    with one_transaction(settings) as (conn, connection):
        drop_reloadable(conn)
        _run_alembic(connection, "downgrade", target)
