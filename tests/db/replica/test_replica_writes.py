"""The standby refuses writes, and the CLI says so in one line with what to do."""

from __future__ import annotations

import psycopg
import pytest

from hrdpg.cli import main
from tests.db.replica.conftest import DAY, Pair


def test_score_on_the_standby_is_refused_in_one_line(
        pair: Pair, capsys: pytest.CaptureFixture[str]) -> None:
    with pair.on_standby(autocommit=True) as standby:
        before = standby.execute("SELECT count(*) FROM modeling.signals").fetchone()
        assert main(["--dsn", pair.standby.conninfo(), "score", DAY.isoformat()]) == 1
        err = capsys.readouterr().err.strip()
        after = standby.execute("SELECT count(*) FROM modeling.signals").fetchone()
    assert len(err.splitlines()) == 1
    assert "read-only" in err and "primary" in err
    assert after == before


def test_sql_writes_on_the_standby_are_refused(pair: Pair) -> None:
    with pair.on_standby() as standby, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        standby.execute("SELECT modeling.score_day(%s)", (DAY,))
