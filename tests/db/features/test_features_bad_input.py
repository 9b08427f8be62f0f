"""Bad input to the feature pipeline gives a clear error and changes nothing."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from tests.db.features.util import middle_race, rebuild


def duplicate_a_runner(conn: psycopg.Connection, race_id: int) -> None:
    """Point the source view at the racing tables plus a second copy of one runner."""
    conn.execute(sql.SQL(
        """CREATE OR REPLACE VIEW modeling.src_runners AS
           SELECT * FROM racing.runners
           UNION ALL
           SELECT * FROM racing.runners WHERE race_id = {} AND draw = 1""").format(
        sql.Literal(race_id)))
    conn.commit()


def test_duplicate_runner_in_source_view_is_named(synth_conn: psycopg.Connection) -> None:
    race_id, day = middle_race(synth_conn)
    before = synth_conn.execute(
        "SELECT count(*) FROM modeling.feature_store WHERE race_date = %s", (day,)).fetchone()
    duplicate_a_runner(synth_conn, race_id)
    with pytest.raises(psycopg.errors.UniqueViolation, match=f"race {race_id} horse"):
        synth_conn.execute("SELECT modeling.refresh_features(%s, %s)", (day, day))
    synth_conn.rollback()
    after = synth_conn.execute(
        "SELECT count(*) FROM modeling.feature_store WHERE race_date = %s", (day,)).fetchone()
    assert after == before


def test_duplicate_runner_fails_a_rebuild_and_keeps_the_store(
        synth_conn: psycopg.Connection) -> None:
    race_id, _ = middle_race(synth_conn)
    before = synth_conn.execute(
        "SELECT count(*), sum(h_runs) FROM modeling.feature_store").fetchone()
    duplicate_a_runner(synth_conn, race_id)
    # The fold into run_history (with its indexes suspended for the bulk load) meets the
    # duplicate when it rebuilds the primary key.
    with pytest.raises(psycopg.errors.UniqueViolation):
        rebuild(synth_conn)
    synth_conn.rollback()
    after = synth_conn.execute(
        "SELECT count(*), sum(h_runs) FROM modeling.feature_store").fetchone()
    assert after == before
    indexes = synth_conn.execute(
        "SELECT count(*) FROM pg_index WHERE indrelid = 'modeling.run_history'::regclass"
    ).fetchone()
    assert indexes is not None and indexes[0] == 3


@pytest.mark.parametrize("bounds", [(None, "2024-01-01"), ("2024-02-01", "2024-01-01")])
def test_bad_date_range_is_refused(conn: psycopg.Connection,
                                   bounds: tuple[str | None, str]) -> None:
    with pytest.raises(psycopg.errors.RaiseException, match="bad date range"):
        conn.execute("SELECT modeling.refresh_features(%s::date, %s::date)", bounds)
