"""A short range (index probes per runner) and a long range (window functions) compute the
same feature rows: scoring a day sees exactly what training saw for that day."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from tests.db.features.util import middle_race, same_row


def store_rows(conn: psycopg.Connection, day: object) -> list[tuple[object, ...]]:
    """Every stored column but computed_at (the clock, different by construction), by name."""
    return [tuple(value for _, value in sorted(r[0].items())) for r in conn.execute(
        "SELECT to_jsonb(f) - 'computed_at' FROM modeling.feature_store f "
        "WHERE race_date = %s ORDER BY race_id, horse_id", (day,)).fetchall()]


def test_day_path_equals_bulk_path(synth_conn: psycopg.Connection) -> None:
    _, day = middle_race(synth_conn)
    later = synth_conn.execute(
        "SELECT max(race_date) FROM racing.races").fetchone()[0]
    for check_day in (day, later):
        bulk = store_rows(synth_conn, check_day)  # the fixture computed every day in one range
        synth_conn.execute("SELECT modeling.refresh_features(%s, %s)", (check_day, check_day))
        single = store_rows(synth_conn, check_day)
        assert len(bulk) == len(single) > 50
        mismatched = [(a, b) for a, b in zip(bulk, single, strict=True)
                      if not same_row(a, b)]
        assert mismatched == []


@pytest.mark.parametrize("share", [0.05, 0.3])
def test_range_inside_history_equals_bulk_path(synth_conn: psycopg.Connection,
                                               share: float) -> None:
    # A range in the middle of the history: 5 % of its span takes the probe branch for every
    # runner, 30 % the window branch (windows from a fifth of the span on); both have history
    # before and after them, which the horses' earlier runs and the totals' windows must reach.
    _, day = middle_race(synth_conn)
    span = synth_conn.execute(
        "SELECT max(race_date) - min(race_date) FROM modeling.run_history").fetchone()[0]
    half = dt.timedelta(days=max(3, round(span * share / 2)))
    first, last = day - half, day + half
    days = [r[0] for r in synth_conn.execute(
        "SELECT DISTINCT race_date FROM modeling.feature_store WHERE race_date BETWEEN %s AND %s"
        " ORDER BY 1", (first, last)).fetchall()]
    bulk = {d: store_rows(synth_conn, d) for d in days}
    written = synth_conn.execute("SELECT modeling.refresh_features(%s, %s)",
                                 (first, last)).fetchone()[0]
    assert written == sum(len(rows) for rows in bulk.values()) > 100
    for d in days:
        ranged = store_rows(synth_conn, d)
        assert len(ranged) == len(bulk[d])
        assert [(a, b) for a, b in zip(bulk[d], ranged, strict=True)
                if not same_row(a, b)] == []
