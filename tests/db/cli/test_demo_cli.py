"""`hrdpg demo` (the README's main job) end to end on a small world, pointed at a database by
--dsn: it trains, promotes, scores the undecided last day and prints that day's top signals."""

from __future__ import annotations

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings


def test_demo_runs_end_to_end(db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dsn", db.conninfo(), "demo", "--days", "90", "--races-per-day", "10",
                 "--top", "5"]) == 0
    out = capsys.readouterr().out
    with psycopg.connect(db.conninfo()) as conn:
        day, races, runners = conn.execute(
            "SELECT race_date, count(DISTINCT race_id), count(*) FROM modeling.latest_signals "
            "GROUP BY race_date").fetchone() or (None, 0, 0)
        last = conn.execute("SELECT max(race_date) FROM racing.races").fetchone()
        unrun = conn.execute(
            "SELECT count(*) FROM racing.runners r JOIN racing.races USING (race_id) "
            "WHERE race_date = %s AND finish_pos IS NOT NULL", (day,)).fetchone()
        alias = conn.execute("SELECT count(*) FROM modeling.model_aliases "
                             "WHERE alias = 'production'").fetchone()
    assert last is not None and day == last[0]  # the last day, and only it, is scored
    assert unrun == (0,)  # it has no results yet
    assert races == 10 and runners > 20
    assert alias == (1,)
    assert f"{runners} signals published" in out
    assert f"{day}: top 5 signals by edge" in out
