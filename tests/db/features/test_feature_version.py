"""The feature version is a stable hash of everything that defines a feature."""

from __future__ import annotations

import psycopg
import pytest

from hrdpg.serverenv import feature_modules

VERSION = "SELECT modeling.feature_version()"


def test_version_is_stable_and_view_follows_catalogue(conn: psycopg.Connection) -> None:
    first = conn.execute(VERSION).fetchone()[0]
    assert first == conn.execute(VERSION).fetchone()[0]
    assert len(first) == 16
    names = [r[0] for r in conn.execute(
        "SELECT name FROM modeling.feature_catalog ORDER BY position").fetchall()]
    columns = [r[0] for r in conn.execute(
        """SELECT attname FROM pg_attribute WHERE attrelid = 'modeling.runner_features'::regclass
             AND attnum > 4 ORDER BY attnum""").fetchall()]
    assert columns == names, "view columns must follow the catalogue order"


def test_inputs_reach_helpers_through_bodies_and_modules(conn: psycopg.Connection) -> None:
    inputs = {r[0].split("(")[0] for r in conn.execute(
        "SELECT fn::text FROM modeling.feature_version_inputs()").fetchall()}
    # shrunk_rate is called by the catalogue's definitions (via feature_values), the draw
    # totals by feature_parts' bodies, going_group only by the history module's SQL.
    assert {"modeling.shrunk_rate", "modeling.draw_totals_before", "modeling.market_odds",
            "modeling.going_group", "modeling.distance_band"} <= inputs


@pytest.mark.parametrize("helper", [
    "modeling.shrunk_rate(successes double precision, trials double precision, "
    "prior double precision, prior_weight double precision) RETURNS double precision "
    "LANGUAGE sql IMMUTABLE "
    "RETURN (successes + prior * prior_weight + 1) / (trials + prior_weight)",
    "modeling.going_group(going text, surface text) RETURNS text LANGUAGE sql IMMUTABLE "
    "RETURN 'good'",
    "modeling.refresh_speed_figures(from_date date) RETURNS void LANGUAGE sql "
    "BEGIN ATOMIC SELECT 1; END",
])
def test_version_moves_when_a_helper_changes(conn: psycopg.Connection, helper: str) -> None:
    first = conn.execute(VERSION).fetchone()[0]
    conn.execute(f"CREATE OR REPLACE FUNCTION {helper}")
    assert conn.execute(VERSION).fetchone()[0] != first


def test_version_moves_with_the_history_modules(conn: psycopg.Connection) -> None:
    first = conn.execute(VERSION).fetchone()[0]
    conn.execute("CREATE OR REPLACE FUNCTION modeling.feature_modules_hash() RETURNS text "
                 "LANGUAGE sql IMMUTABLE RETURN 'another checkout'")
    assert conn.execute(VERSION).fetchone()[0] != first


def test_history_modules_include_their_imports() -> None:
    names = {p.name for p in feature_modules()}
    assert {"history.py", "elo.py"} <= names  # the Elo constants define h_elo
