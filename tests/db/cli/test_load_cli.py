"""`hrdpg --dsn ... load TABLE FILE...` end to end, and its exit codes."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings
from tests.paths import TEST_DATA

DATA = TEST_DATA


def test_cli_loads_and_reports(db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    dsn = db.conninfo()
    assert main(["--dsn", dsn, "load", "races", str(DATA / "races.csv"), "--quiet"]) == 0
    assert main(["--dsn", dsn, "load", "runners", str(DATA / "runners.csv"),
                 "--chunk-rows", "2"]) == 0
    out = capsys.readouterr().out
    assert "inserted 3, updated 0, unchanged 0, rejected 0" in out
    assert "inserted 7, updated 0, unchanged 0, rejected 0" in out
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM racing.runners").fetchone() == (7,)


def test_cli_strict_with_rejects_exits_1(db: Settings, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "races.csv"
    bad.write_text((DATA / "races.csv").read_text().replace(",1600,", ",16OO,"))
    code = main(["--dsn", db.conninfo(), "load", "races", str(bad), "--strict"])
    captured = capsys.readouterr()
    assert code == 1
    assert "bad_integer:distance_m  (line 2)" in captured.out and "--strict" in captured.out
    assert "1 of 1 file(s) not loaded" in captured.err
    # Non-strict, the same file loads the good rows and exits 0.
    assert main(["--dsn", db.conninfo(), "load", "races", str(bad)]) == 0
    with psycopg.connect(db.conninfo()) as conn:
        assert conn.execute("SELECT count(*) FROM racing.races").fetchone() == (2,)
