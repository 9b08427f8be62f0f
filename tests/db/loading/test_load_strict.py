"""--strict: one rejected row rolls back the whole file, rejects included; the run says why."""

from __future__ import annotations

from pathlib import Path

import psycopg

from hrdpg.loader import load_file


def test_strict_loads_nothing(conn: psycopg.Connection, tmp_path: Path) -> None:
    path = tmp_path / "races.csv"
    path.write_text("race_id,race_date,off_time,course,country,distance_m\n"
                    "1,2025-03-01,2025-03-01T14:30:00Z,Ascot,GB,1600\n"
                    "2,2025-03-01,2025-03-01T15:00:00Z,Ascot,GB,99999\n")
    report = load_file(conn, "races", path, strict=True)
    assert not report.ok and report.rejected == 1 and report.inserted == 0
    assert report.error is not None and "--strict" in report.error
    assert [(r.reason, r.example_lines) for r in report.reasons] == [
        ("out_of_range:distance_m", (3,))]
    assert conn.execute("SELECT count(*) FROM racing.races").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM modeling.load_rejects").fetchone() == (0,)
    run = conn.execute("SELECT status, rows_in, rows_out, error IS NOT NULL,"
                       " (params->>'rejected')::int FROM modeling.runs WHERE run_id = %s",
                       (report.load_id,)).fetchone()
    assert run == ("failed", 2, 0, True, 1)


def test_strict_without_rejects_commits(conn: psycopg.Connection, tmp_path: Path) -> None:
    path = tmp_path / "races.csv"
    path.write_text("race_id,race_date,off_time,course,country,distance_m\n"
                    "1,2025-03-01,2025-03-01T14:30:00Z,Ascot,GB,1600\n")
    assert load_file(conn, "races", path, strict=True).ok
    assert conn.execute("SELECT count(*) FROM racing.races").fetchone() == (1,)
