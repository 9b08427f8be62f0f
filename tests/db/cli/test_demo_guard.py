"""`hrdpg demo` never deletes racing data that is not a demo world without --yes."""

from __future__ import annotations

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings


def test_demo_refuses_to_replace_real_racing_data(db: Settings,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(db.conninfo()) as conn:
        conn.execute("INSERT INTO racing.races (race_id, race_date, off_time, course, country, "
                     "distance_m) VALUES (1, '2025-01-01', '2025-01-01 14:00+00', 'Ascot', 'GB', "
                     "1600)")
        conn.commit()
    assert main(["--dsn", db.conninfo(), "demo", "--days", "5", "--races-per-day", "2"]) == 1
    assert "not a demo world" in capsys.readouterr().err
    with psycopg.connect(db.conninfo()) as conn:
        assert conn.execute("SELECT count(*) FROM racing.races").fetchone() == (1,)
