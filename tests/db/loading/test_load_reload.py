"""Re-loading a file is a no-op down to xmin; changing one field updates exactly that row."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
from psycopg import sql

from hrdpg.loader import load_file
from tests.paths import TEST_DATA

DATA = TEST_DATA
TABLES = ("races", "runners", "odds")


def snapshot(conn: psycopg.Connection, table: str) -> list[tuple[object, ...]]:
    # xmin changes whenever a row is rewritten, even with identical values.
    rows = conn.execute(sql.SQL("SELECT xmin::text, t.* FROM {} t ORDER BY 2, 3, 4, 5").format(
        sql.Identifier("racing", table))).fetchall()
    conn.rollback()  # load_file wants an idle connection
    return rows


def test_reload_changes_nothing(conn: psycopg.Connection) -> None:
    for table in TABLES:
        assert load_file(conn, table, DATA / f"{table}.csv").ok
    before = {t: snapshot(conn, t) for t in TABLES}
    again = [load_file(conn, t, DATA / f"{t}.csv") for t in TABLES]
    assert [(r.inserted, r.updated, r.unchanged) for r in again] == [
        (0, 0, 3), (0, 0, 7), (0, 0, 5)]
    assert {t: snapshot(conn, t) for t in TABLES} == before


def test_one_changed_field_updates_one_row(conn: psycopg.Connection, tmp_path: Path) -> None:
    races = shutil.copy(DATA / "races.csv", tmp_path / "races.csv")
    assert load_file(conn, "races", races).ok
    before = dict((r[1], r) for r in snapshot(conn, "races"))
    text = Path(races).read_text().replace("GB,aw,standard,1200,", "GB,aw,soft,1200,")
    Path(races).write_text(text)
    report = load_file(conn, "races", races)
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2)
    after = dict((r[1], r) for r in snapshot(conn, "races"))
    assert after[101] == before[101] and after[103] == before[103]
    assert after[102][0] != before[102][0] and after[102][7] == "soft"
