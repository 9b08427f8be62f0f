"""A feature is one catalogue row: the view, the store insert and the version follow it."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from tests.db.features.util import middle_race

ROW = sql.SQL("SELECT {}, {}::text, 'core'::text, {}::text, 'double precision'::text, {}::text, "
              "'test feature'::text")


def add_catalogue_row(conn: psycopg.Connection, name: str, stage: str, definition: str) -> None:
    current = conn.execute(
        "SELECT pg_get_viewdef('modeling.feature_catalog'::regclass)").fetchone()[0]
    pos = conn.execute("SELECT max(position) + 1 FROM modeling.feature_catalog").fetchone()[0]
    row = ROW.format(sql.Literal(pos), sql.Literal(name), sql.Literal(stage),
                     sql.Literal(definition))
    conn.execute(sql.SQL("CREATE OR REPLACE VIEW modeling.feature_catalog AS "
                         "SELECT * FROM ({}) c UNION ALL {}").format(
                             sql.SQL(current.rstrip(";")), row))


def test_field_feature_from_one_row(synth_conn: psycopg.Connection) -> None:
    race_id, _ = middle_race(synth_conn)
    before = synth_conn.execute("SELECT modeling.feature_version()").fetchone()[0]
    add_catalogue_row(synth_conn, "weight_x_draw", "field", "weight_kg * draw")
    synth_conn.execute("SELECT modeling.install_feature_sql()")
    got = dict(synth_conn.execute(
        "SELECT horse_id, weight_x_draw FROM modeling.runner_features WHERE race_id = %s",
        (race_id,)).fetchall())
    want = dict(synth_conn.execute(
        "SELECT horse_id, weight_kg::float8 * draw FROM racing.runners WHERE race_id = %s "
        "AND NOT non_runner AND status IS DISTINCT FROM 'non_runner'", (race_id,)).fetchall())
    assert got.keys() == want.keys() and got
    assert all(abs(got[h] - want[h]) < 1e-9 for h in want)
    assert synth_conn.execute("SELECT modeling.feature_version()").fetchone()[0] != before


def test_history_feature_needs_its_store_column(synth_conn: psycopg.Connection) -> None:
    add_catalogue_row(synth_conn, "h_runs_twice", "history", "runs * 2.0")
    with pytest.raises(psycopg.errors.RaiseException, match="h_runs_twice"):
        synth_conn.execute("SELECT modeling.install_feature_sql()")


def test_history_feature_stored_and_read(synth_conn: psycopg.Connection) -> None:
    race_id, day = middle_race(synth_conn)
    add_catalogue_row(synth_conn, "h_runs_twice", "history", "runs * 2.0")
    synth_conn.execute("ALTER TABLE modeling.feature_store ADD COLUMN h_runs_twice float8")
    synth_conn.execute("SELECT modeling.install_feature_sql()")
    synth_conn.execute("SELECT modeling.refresh_features(%s, %s)", (day, day))
    rows = synth_conn.execute(
        "SELECT h_runs, h_runs_twice FROM modeling.runner_features WHERE race_id = %s",
        (race_id,)).fetchall()
    assert rows and all(twice == 2 * runs for runs, twice in rows)


def test_scorer_read_follows_the_catalogue(synth_conn: psycopg.Connection) -> None:
    """The scorer's as-of read has the view's columns, in the catalogue's order."""
    cols = [d.name for d in synth_conn.execute(
        "SELECT * FROM modeling.runner_features_as_of(current_date, current_date, "
        "ARRAY[]::bigint[], ARRAY[]::timestamptz[])").description or []]
    view = [d.name for d in synth_conn.execute(
        "SELECT * FROM modeling.runner_features LIMIT 0").description or []]
    want = [r[0] for r in synth_conn.execute(
        "SELECT name FROM modeling.feature_catalog ORDER BY position").fetchall()]
    assert cols == view == ["race_id", "horse_id", "race_date", "off_time", *want]
