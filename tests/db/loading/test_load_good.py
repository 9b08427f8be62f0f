"""A clean file set loads completely, typed as the contract says, and logs a run per file."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import psycopg

from hrdpg.loader import load_file
from tests.paths import TEST_DATA

DATA = TEST_DATA


def test_fixture_files_load_cleanly(conn: psycopg.Connection) -> None:
    reports = [load_file(conn, t, DATA / f"{t}.csv") for t in ("races", "runners", "odds")]
    assert [(r.inserted, r.updated, r.unchanged, r.rejected) for r in reports] == [
        (3, 0, 0, 0), (7, 0, 0, 0), (5, 0, 0, 0)]
    assert all(r.ok for r in reports)

    off, handicap, prize = conn.execute(
        "SELECT off_time, handicap, prize FROM racing.races WHERE race_id = 103").fetchone() or ()
    assert off == datetime(2025, 3, 2, 2, 15, tzinfo=UTC) and handicap and prize is None
    assert conn.execute("SELECT count(*) FROM racing.runners WHERE dead_heat").fetchone() == (2,)
    assert conn.execute("SELECT weight_kg FROM racing.runners WHERE horse_id = 1"
                        ).fetchone() == (Decimal("60.50"),)
    runs = conn.execute("SELECT status, rows_in, rows_out, params->>'table',"
                        " finished_at IS NOT NULL FROM modeling.runs WHERE kind = 'load'"
                        " ORDER BY run_id").fetchall()
    assert runs == [("ok", 3, 3, "races", True), ("ok", 7, 7, "runners", True),
                    ("ok", 5, 5, "odds", True)]
