"""`hrdpg schedule run-now|status|install` from the command line."""

from __future__ import annotations

import json

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings


def test_run_now_at_and_status(db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dsn", db.conninfo(), "schedule", "run-now",
                 "--at", "2026-03-29T08:00:00+02:00"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["skipped"] is False
    decisions = {d["job"]: d["decision"] for d in out["decisions"]}
    assert decisions["morning"] == "ran" and decisions["housekeeping"] == "ran"
    with psycopg.connect(db.conninfo()) as conn:
        row = conn.execute("SELECT local_day, slot, result ->> 'note' FROM "
                           "modeling.schedule_runs WHERE job = 'morning'").fetchone()
    assert row is not None and str(row[0]) == "2026-03-29" and row[2] == "no races"
    assert row[1].isoformat() == "2026-03-29T06:00:00+00:00"
    assert main(["--dsn", db.conninfo(), "schedule", "status"]) == 0
    shown = capsys.readouterr().out
    assert "pg_cron lives in database" in shown and "housekeeping" in shown


def test_install_needs_pg_cron(db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dsn", db.conninfo(), "schedule", "install"]) == 1
    assert "pg_cron is not installed" in capsys.readouterr().err
