"""Alembic owns the modeling schema: upgrade to head, downgrade to base, upgrade again."""

from __future__ import annotations

import psycopg

from hrdpg import migrate
from hrdpg.config import Settings

ENGINE_TABLES = {
    "models", "model_aliases", "model_alias_history", "runs", "signals", "dq_results",
    "alerts", "risk_limits", "bets",
}


def modeling_tables(conninfo: str) -> set[str]:
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'modeling'").fetchall()
    return {r[0] for r in rows}


def test_upgrade_downgrade_upgrade(empty_db: Settings) -> None:
    migrate.migrate(empty_db)
    assert modeling_tables(empty_db.conninfo()) >= ENGINE_TABLES
    migrate.downgrade(empty_db, "0001_modeling_core")
    tables = modeling_tables(empty_db.conninfo())
    assert "bets" not in tables and "risk_limits" not in tables and "signals" in tables
    migrate.downgrade(empty_db, "base")
    with psycopg.connect(empty_db.conninfo()) as conn:
        assert conn.execute("SELECT to_regnamespace('modeling')").fetchone() == (None,)
        assert migrate.current_revision(conn) is None
    migrate.migrate(empty_db)
    assert modeling_tables(empty_db.conninfo()) >= ENGINE_TABLES


def test_migrate_twice_is_idempotent(db: Settings) -> None:
    with psycopg.connect(db.conninfo()) as conn:
        before = migrate.current_revision(conn)
        conn.execute("INSERT INTO modeling.alerts (severity, category, dedup_key, message) "
                     "VALUES ('info', 'test', 'k', 'kept')")
        conn.commit()
    migrate.migrate(db)
    with psycopg.connect(db.conninfo()) as conn:
        assert migrate.current_revision(conn) == before
        assert conn.execute("SELECT message FROM modeling.alerts").fetchall() == [("kept",)]


def test_every_engine_object_is_commented(conn: psycopg.Connection) -> None:
    uncommented = conn.execute(
        """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('modeling', 'racing') AND c.relkind IN ('r', 'v', 'm', 'p')
              AND obj_description(c.oid, 'pg_class') IS NULL
           UNION ALL
           SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'modeling' AND obj_description(p.oid, 'pg_proc') IS NULL"""
    ).fetchall()
    assert uncommented == []


def test_constraints_reject_impossible_rows(conn: psycopg.Connection) -> None:
    bad_statements = [
        "INSERT INTO modeling.runs (kind, status) VALUES ('score_day', 'bogus')",
        "INSERT INTO modeling.runs (kind, status, finished_at, error) "
        "VALUES ('score_day', 'failed', now(), NULL)",
        "UPDATE modeling.risk_limits SET kelly_multiplier = 1.5",
        "UPDATE modeling.risk_limits SET max_stake_per_bet = max_stake_per_day + 1",
    ]
    for statement in bad_statements:
        try:
            with conn.transaction():
                conn.execute(statement)
        except psycopg.errors.CheckViolation:
            continue
        raise AssertionError(f"accepted: {statement}")
