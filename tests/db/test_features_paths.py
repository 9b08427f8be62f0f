"""A short range (direct aggregation per runner) and a long range (window frames) compute the
same feature rows: scoring a day sees exactly what training saw for that day."""

from __future__ import annotations

import math

import psycopg

from tests.db.features_util import middle_race


def store_rows(conn: psycopg.Connection, day: object) -> list[tuple[object, ...]]:
    return [tuple(r) for r in conn.execute(
        "SELECT * FROM modeling.feature_store WHERE race_date = %s ORDER BY race_id, horse_id",
        (day,)).fetchall()]


def same_row(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    # computed_at (last column) differs by construction
    for x, y in zip(a[:-1], b[:-1], strict=True):
        if isinstance(x, float) and isinstance(y, float):
            if not math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12):
                return False
        elif x != y:
            return False
    return True


def test_day_path_equals_bulk_path(synth_conn: psycopg.Connection) -> None:
    _, day = middle_race(synth_conn)
    later = synth_conn.execute(
        "SELECT max(race_date) FROM racing.races").fetchone()[0]
    for check_day in (day, later):
        bulk = store_rows(synth_conn, check_day)  # the fixture computed every day in one range
        synth_conn.execute("SELECT modeling.refresh_features(%s, %s)", (check_day, check_day))
        single = store_rows(synth_conn, check_day)
        assert len(bulk) == len(single) > 50
        mismatched = [(a, b) for a, b in zip(bulk, single, strict=True) if not same_row(a, b)]
        assert mismatched == []
