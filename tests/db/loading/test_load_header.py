"""File-level problems: the header names the columns; unknown/missing ones stop the file."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from hrdpg.loader import load_file

RACE = "1,2025-03-01,2025-03-01T14:30:00Z,Ascot,GB,1600"


@pytest.mark.parametrize(("header", "row", "message"), [
    ("race_id,race_date,off_time,course,country,distance_m,colour", RACE + ",bay",
     "unknown column(s) colour"),
    ("race_id,race_date,off_time,course,distance_m", "1,2025-03-01,2025-03-01T14:30:00Z,A,1600",
     "required column(s) missing for races: country"),
    ("race_id,race_date,off_time,course,country,distance_m", RACE + ",extra",
     "malformed CSV"),
    ("race_id,race_date,off_time,course,country,distance_m", '1,"2025-03-01,x,y,z,w',
     "unbalanced quote"),
])
def test_file_level_errors(conn: psycopg.Connection, tmp_path: Path, header: str, row: str,
                           message: str) -> None:
    path = tmp_path / "races.csv"
    path.write_text(f"{header}\n{RACE}\n{row}\n")
    report = load_file(conn, "races", path)
    assert not report.ok and report.error is not None and message in report.error
    assert conn.execute("SELECT count(*) FROM racing.races").fetchone() == (0,)
    assert conn.execute("SELECT status FROM modeling.runs WHERE run_id = %s",
                        (report.load_id,)).fetchone() == ("failed",)


def test_optional_columns_missing_are_null_or_default(conn: psycopg.Connection,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "races.csv"
    # A BOM, CRLF line ends, a blank line and padded fields are all tolerated.
    path.write_bytes(b"\xef\xbb\xbfrace_id, race_date,off_time,course,country,distance_m\r\n"
                     b"\r\n1, 2025-03-01 ,2025-03-01T14:30:00Z,Ascot,GB,1600\r\n")
    report = load_file(conn, "races", path)
    assert report.ok and report.inserted == 1
    assert conn.execute("SELECT surface, handicap, going, prize FROM racing.races").fetchone() \
        == ("turf", False, None, None)


def test_parquet_without_pyarrow_says_what_to_do(conn: psycopg.Connection,
                                                 tmp_path: Path) -> None:
    try:
        import pyarrow  # noqa: F401
        pytest.skip("pyarrow is installed")
    except ImportError:
        pass
    path = tmp_path / "races.parquet"
    path.write_bytes(b"PAR1")
    report = load_file(conn, "races", path)
    assert report.error is not None and "pyarrow" in report.error
