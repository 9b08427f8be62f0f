"""Every reject reason is found in SQL, on the right line, and the good rows still load."""

from __future__ import annotations

from pathlib import Path

import psycopg

from hrdpg.loader import load_file
from tests.paths import TEST_DATA

DATA = TEST_DATA


def write(tmp_path: Path, name: str, header: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def rejects(conn: psycopg.Connection, load_id: int | None) -> dict[int, str]:
    rows = conn.execute("SELECT line_no, reason FROM modeling.load_rejects WHERE load_id = %s",
                        (load_id,)).fetchall()
    return dict(rows)


def test_race_rejects(conn: psycopg.Connection, tmp_path: Path) -> None:
    path = write(tmp_path, "races.csv", "race_id,race_date,off_time,course,country,distance_m,"
                 "handicap", [
                     "1,2025-03-01,2025-03-01T14:30:00Z,Ascot,GB,1600,true",   # 2 good
                     "2,2025-02-30,2025-03-01T14:30:00Z,Ascot,GB,1600,",       # 3
                     "3,2025-03-01,2025-03-01 14:30,Ascot,GB,1600,",           # 4 no offset
                     "4,2025-03-01,2025-03-01T14:30:00Z,Ascot,GB,1600m,",      # 5
                     "5,2025-03-01,2025-03-01T14:30:00Z,Ascot,GB,300,",        # 6
                     "6,2025-03-01,2025-03-05T14:30:00Z,Ascot,GB,1600,",       # 7
                     "7,2025-03-01,2025-03-01T14:30:00Z,  ,GB,1600,",          # 8
                     "8,2025-03-01,2025-03-01T14:30:00Z,Ascot,GB,1600,maybe",  # 9
                     "9,2025-03-01,2025-03-01T15:30:00Z,Ascot,GB,1600,",       # 10 dup
                     "9,2025-03-01,2025-03-01T15:30:00Z,Ascot,GB,1400,",       # 11 dup
                     "x,2025-03-01,2025-03-01T15:30:00Z,Ascot,GB,1400,",       # 12
                     "99999999999999999999,2025-03-01,2025-03-01T15:30:00Z,A,GB,1400,",  # 13
                 ])
    report = load_file(conn, "races", path)
    assert report.ok and (report.inserted, report.rejected) == (1, 11)
    assert rejects(conn, report.load_id) == {
        3: "bad_date:race_date", 4: "bad_timestamp:off_time", 5: "bad_integer:distance_m",
        6: "out_of_range:distance_m", 7: "off_time_not_on_race_date",
        8: "null_required:course", 9: "bad_boolean:handicap", 10: "duplicate_key",
        11: "duplicate_key", 12: "bad_integer:race_id", 13: "bad_integer:race_id"}
    assert conn.execute("SELECT race_id FROM racing.races").fetchall() == [(1,)]
    by_reason = {r.reason: r.example_lines for r in report.reasons}
    assert by_reason["duplicate_key"] == (10, 11)
    raw = conn.execute("SELECT raw FROM modeling.load_rejects WHERE load_id = %s AND line_no = 5",
                       (report.load_id,)).fetchone()
    assert raw == ({"race_id": "4", "race_date": "2025-03-01", "off_time": "2025-03-01T14:30:00Z",
                    "course": "Ascot", "country": "GB", "distance_m": "1600m",
                    "handicap": None},)


def test_runner_rejects(conn: psycopg.Connection, tmp_path: Path) -> None:
    load_file(conn, "races", DATA / "races.csv")
    path = write(tmp_path, "runners.csv", "race_id,horse_id,draw,age,weight_kg,finish_pos,"
                 "status,sp_decimal", [
                     "101,1,1,4,60.5,1,finished,3.5",   # 2 good
                     "101,2,0,4,60,,,",                 # 3
                     "101,3,-1,4,60,,,",                # 4
                     "101,4,4,30,60,,,",                # 5
                     "101,5,5,4,sixty,,,",              # 6
                     "101,6,6,4,60,2,fell,",            # 7
                     "101,7,7,4,60,,,1.0",              # 8
                     "999,1,1,4,60,,,",                 # 9
                     "102,8,1,3,57,,,",                 # 10 dup
                     "102,8,2,3,57,,,",                 # 11 dup
                     "102,9,2,3,57,,finished,2.0",      # 12 good
                 ])
    report = load_file(conn, "runners", path)
    assert report.ok and (report.inserted, report.rejected) == (7, 4)
    assert rejects(conn, report.load_id) == {
        7: "finish_pos_without_finish", 9: "unknown_race", 10: "duplicate_runner",
        11: "duplicate_runner"}
    # A bad optional field costs the field, not the runner: nulled, reported, row kept.
    nulled = conn.execute("SELECT line_no, column_name, reason, raw_value FROM "
                          "modeling.load_nulled WHERE load_id = %s ORDER BY line_no",
                          (report.load_id,)).fetchall()
    assert nulled == [(3, "draw", "bad_draw:draw", "0"), (4, "draw", "bad_draw:draw", "-1"),
                      (5, "age", "out_of_range:age", "30"),
                      (6, "weight_kg", "bad_number:weight_kg", "sixty"),
                      (8, "sp_decimal", "odds_out_of_range:sp_decimal", "1.0")]
    kept = dict(conn.execute("SELECT horse_id, (draw, age, weight_kg, sp_decimal)::text "
                             "FROM racing.runners WHERE race_id = 101").fetchall())
    assert kept[2] == "(,4,60.00,)" and kept[5] == "(5,4,,)" and kept[7] == "(7,4,60.00,)"
    assert {r.reason: r.count for r in report.nulled}["bad_draw:draw"] == 2


def test_odds_rejects(conn: psycopg.Connection, tmp_path: Path) -> None:
    load_file(conn, "races", DATA / "races.csv")
    load_file(conn, "runners", DATA / "runners.csv")
    path = write(tmp_path, "odds.csv", "race_id,horse_id,observed_at,source,source_kind,"
                 "decimal_odds", [
                     "101,1,2025-03-01T14:00:00Z,b,bookmaker,3.5",     # 2 good
                     "101,1,2025-03-01T14:01:00Z,b,bookmaker,1.0",     # 3
                     "101,1,2025-03-01T14:02:00Z,b,bookmaker,10000",   # 4
                     "101,1,2025-03-01T14:03:00Z,b,pool,3.0",          # 5
                     "101,9,2025-03-01T14:03:00Z,b,bookmaker,3.0",     # 6
                     "555,1,2025-03-01T14:03:00Z,b,bookmaker,3.0",     # 7
                     "101,2,2025-03-01T14:03:00Z,b,bookmaker,3.0",     # 8 dup
                     "101,2,2025-03-01T14:03:00+00:00,b,bookmaker,3.2",  # 9 dup (same instant)
                     "101,2,2025-03-01T14:04:00Z,b,bookmaker,",        # 10
                     "101,2,2025-13-01T14:04:00Z,b,bookmaker,3",       # 11
                     "101,2,2025-03-01T14:05:00Z,b,bookmaker,1e999",   # 12
                 ])
    report = load_file(conn, "odds", path)
    assert report.ok and (report.inserted, report.rejected) == (1, 10)
    assert rejects(conn, report.load_id) == {
        3: "odds_out_of_range:decimal_odds", 4: "odds_out_of_range:decimal_odds",
        5: "out_of_range:source_kind", 6: "unknown_runner", 7: "unknown_race",
        8: "duplicate_key", 9: "duplicate_key", 10: "null_required:decimal_odds",
        11: "bad_timestamp:observed_at", 12: "bad_number:decimal_odds"}
