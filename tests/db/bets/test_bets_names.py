"""`hrdpg bets propose` lists each bet's horse by name, and by id where no name is known."""

from __future__ import annotations

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings
from tests.db.bets import world as w


def test_propose_lists_names_else_ids(db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(db.conninfo()) as conn:
        _, a, b = w.card(conn)
        conn.execute("UPDATE racing.runners SET horse_name = 'Kalomi Harbour' "
                     "WHERE race_id = 1 AND horse_id = %s", (a[0],))
        conn.commit()
    assert main(["--dsn", db.conninfo(), "bets", "propose", w.DAY.isoformat(), "--as-of",
                 w.MORNING.isoformat()]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sum("Kalomi Harbour" in line for line in lines) == 1
    for horse in (*a[1:3], *b[:2]):  # the unnamed bets show their ids in the horse column
        assert sum(f" {horse} " in line for line in lines) == 1
