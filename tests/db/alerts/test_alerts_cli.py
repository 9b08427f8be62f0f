"""`hrdpg alerts list` shows open alerts; `hrdpg alerts ack` closes them."""

from __future__ import annotations

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings


def test_list_and_ack(db: Settings, conn: psycopg.Connection,
                      capsys: pytest.CaptureFixture[str]) -> None:
    row = conn.execute("SELECT modeling.raise_alert('warning', 'coverage', 'acceptance:x', "
                       "'coverage 50%')").fetchone()
    conn.commit()
    assert row is not None
    assert main(["--dsn", db.conninfo(), "alerts", "list"]) == 0
    assert "coverage 50%" in capsys.readouterr().out
    assert main(["--dsn", db.conninfo(), "alerts", "ack", str(row[0]), "--note", "ok"]) == 0
    assert "acknowledged" in capsys.readouterr().out
    assert main(["--dsn", db.conninfo(), "alerts", "list"]) == 0
    assert "coverage 50%" not in capsys.readouterr().out
    acked = conn.execute("SELECT acknowledged_by FROM modeling.alerts").fetchone()
    assert acked is not None and acked[0].endswith(": ok")
    assert main(["--dsn", db.conninfo(), "alerts", "ack", "999999"]) == 1
    assert "does not exist" in capsys.readouterr().err
