"""The optional runner details load like any optional field: a good value lands typed, a bad
one is nulled and reported in modeling.load_nulled, and the row is kept."""

from __future__ import annotations

from pathlib import Path

import psycopg

from hrdpg.loader import load_file
from tests.paths import TEST_DATA

DATA = TEST_DATA
HEADER = "race_id,horse_id,body_weight_kg,running_positions,sectional_times,gear_first_time"


def load_runners(conn: psycopg.Connection, tmp_path: Path, lines: list[str]) -> int | None:
    load_file(conn, "races", DATA / "races.csv")
    path = tmp_path / "runners.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    report = load_file(conn, "runners", path)
    assert report.ok and report.rejected == 0
    return report.load_id


def nulled(conn: psycopg.Connection, load_id: int | None) -> list[tuple[object, ...]]:
    return conn.execute("SELECT line_no, column_name, reason, raw_value FROM modeling.load_nulled"
                        " WHERE load_id = %s ORDER BY line_no, column_name",
                        (load_id,)).fetchall()


def test_good_details_land_typed(conn: psycopg.Connection, tmp_path: Path) -> None:
    load_runners(conn, tmp_path, ['101,1,494.4,"{9,8,5,1}","{14.06,22.11}",true'])
    row = conn.execute("SELECT body_weight_kg::text, running_positions, sectional_times, "
                       "gear_first_time FROM modeling.src_runner_details "
                       "WHERE race_id = 101 AND horse_id = 1").fetchone()
    assert row is not None
    assert row[:2] == ("494.4", [9, 8, 5, 1]) and row[3] is True
    assert [round(t, 2) for t in row[2]] == [14.06, 22.11]


def test_a_bad_body_weight_is_nulled_and_reported(conn: psycopg.Connection,
                                                  tmp_path: Path) -> None:
    load_id = load_runners(conn, tmp_path, ['101,1,4944,"{9,8}",,'])
    assert nulled(conn, load_id) == [(2, "body_weight_kg", "out_of_range:body_weight_kg",
                                      "4944")]
    kept = conn.execute("SELECT body_weight_kg, running_positions FROM racing.runners "
                        "WHERE race_id = 101 AND horse_id = 1").fetchone()
    assert kept == (None, [9, 8])


def test_bad_arrays_are_nulled_by_shape_and_range(conn: psycopg.Connection,
                                                  tmp_path: Path) -> None:
    load_id = load_runners(conn, tmp_path, ['101,1,,"{9,x}","{1e9}",',
                                            '101,2,,"{0,3}","{12.5,900}",'])
    assert nulled(conn, load_id) == [
        (2, "running_positions", "bad_array:running_positions", "{9,x}"),
        (2, "sectional_times", "bad_array:sectional_times", "{1e9}"),
        (3, "running_positions", "out_of_range:running_positions", "{0,3}"),
        (3, "sectional_times", "out_of_range:sectional_times", "{12.5,900}")]
    assert conn.execute("SELECT count(*) FROM racing.runners WHERE race_id = 101").fetchone() \
        == (2,)
