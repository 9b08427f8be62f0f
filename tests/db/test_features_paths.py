"""A short range (index probes per runner) and a long range (window functions) compute the
same feature rows: scoring a day sees exactly what training saw for that day."""

from __future__ import annotations

import psycopg

from tests.db.features_util import middle_race, same_row


def store_rows(conn: psycopg.Connection, day: object) -> list[tuple[object, ...]]:
    return [tuple(r) for r in conn.execute(
        "SELECT * FROM modeling.feature_store WHERE race_date = %s ORDER BY race_id, horse_id",
        (day,)).fetchall()]


def test_day_path_equals_bulk_path(synth_conn: psycopg.Connection) -> None:
    _, day = middle_race(synth_conn)
    later = synth_conn.execute(
        "SELECT max(race_date) FROM racing.races").fetchone()[0]
    for check_day in (day, later):
        bulk = store_rows(synth_conn, check_day)  # the fixture computed every day in one range
        synth_conn.execute("SELECT modeling.refresh_features(%s, %s)", (check_day, check_day))
        single = store_rows(synth_conn, check_day)
        assert len(bulk) == len(single) > 50
        # computed_at (last column) differs by construction
        mismatched = [(a, b) for a, b in zip(bulk, single, strict=True)
                      if not same_row(a, b, skip_last=True)]
        assert mismatched == []
