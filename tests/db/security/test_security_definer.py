"""Every engine function pins its search_path, and the functions roles may call that need more
rights than the caller has are SECURITY DEFINER (checked over pg_proc, so a new one is covered)."""

from __future__ import annotations

import psycopg

PINNED = "search_path=pg_catalog, pg_temp"

# Procedures that COMMIT cannot carry SET options or be SECURITY DEFINER; they run as their
# caller with schema-qualified names and do their writes through SECURITY DEFINER helpers.
TRANSACTION_CONTROL = {"score_range"}

# Granted functions that deliberately run with the caller's rights: they write nothing and read
# only what their callers may read anyway.
CALLER_RIGHTS = {"feature_version", "engine_info", "installed_engine_hash", "schedule_defaults",
                 "feature_version_inputs", "feature_modules_hash", "feature_module_calls",
                 "refresh_day",  # deprecated alias: calls the definer reprice_day
                 "market_odds",
                 "distance_band", "exchange_terms",
                 "going_group",
                 "places_for_field", "shrunk_rate", "default_risk_profile",
                 *TRANSACTION_CONTROL}


def procs(conn: psycopg.Connection) -> list[tuple[str, str, bool, list[str], bool, str, bool]]:
    cur = conn.execute(
        "SELECT p.proname::text, p.oid::regprocedure::text, p.prosecdef,"
        " coalesce(p.proconfig, '{}'), p.prosqlbody IS NOT NULL, l.lanname::text,"
        " EXISTS (SELECT 1 FROM modeling.function_grants g"
        "          WHERE g.function_name = p.proname AND cardinality(g.granted_to) > 0)"
        " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " JOIN pg_language l ON l.oid = p.prolang WHERE n.nspname = 'modeling'"
        " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')")
    return [(r[0], r[1], r[2], list(r[3]), r[4], r[5], r[6]) for r in cur.fetchall()]


def test_security_definer_functions_pin_search_path(conn: psycopg.Connection) -> None:
    unpinned = [sig for _, sig, secdef, config, *_ in procs(conn)
                if secdef and PINNED not in config]
    assert unpinned == []


def test_every_function_resolves_names_safely(conn: psycopg.Connection) -> None:
    """Pinned search_path, or a SQL-standard body (names bound to objects at CREATE time, and
    still inlinable), or a transaction-control procedure with schema-qualified names."""
    loose = [sig for name, sig, _, config, sqlbody, _, _ in procs(conn)
             if PINNED not in config and not sqlbody and name not in TRANSACTION_CONTROL]
    assert loose == []


def test_granted_functions_that_need_rights_are_security_definer(
        conn: psycopg.Connection) -> None:
    invoker = sorted(name for name, _, secdef, _, _, _, granted in procs(conn)
                     if granted and not secdef)
    assert set(invoker) <= CALLER_RIGHTS, (
        "granted functions running with the caller's rights; make them SECURITY DEFINER or add "
        "them to CALLER_RIGHTS with a reason")

