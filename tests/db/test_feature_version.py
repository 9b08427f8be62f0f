"""The feature version is a stable hash of the definitions and moves when they change."""

from __future__ import annotations

import psycopg


def test_version_is_stable_and_tracks_definitions(conn: psycopg.Connection) -> None:
    first = conn.execute("SELECT modeling.feature_version()").fetchone()[0]
    assert first == conn.execute("SELECT modeling.feature_version()").fetchone()[0]
    assert len(first) == 16
    names = [r[0] for r in conn.execute(
        "SELECT name FROM modeling.feature_catalog ORDER BY position").fetchall()]
    columns = [r[0] for r in conn.execute(
        """SELECT attname FROM pg_attribute WHERE attrelid = 'modeling.runner_features'::regclass
             AND attnum > 4 ORDER BY attnum""").fetchall()]
    assert columns == names, "view columns must follow the catalogue order"
    conn.execute("CREATE OR REPLACE FUNCTION modeling.refresh_daily_totals(from_date date) "
                 "RETURNS void LANGUAGE sql BEGIN ATOMIC SELECT 1; END")
    assert conn.execute("SELECT modeling.feature_version()").fetchone()[0] != first
