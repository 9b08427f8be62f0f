"""`hrdpg score`: prints the day's latest signals; a failed call leaves a failed run row."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, install, trained


def test_cli_scores_prints_and_records_failure(
        synth_db: Settings, synth_conn: psycopg.Connection, server: ServerHandle,
        synth_template: str, capsys: pytest.CaptureFixture[str]) -> None:
    model_id = install(synth_conn, trained(server, synth_template))
    dsn = synth_db.conninfo()
    assert main(["--dsn", dsn, "score", DAY.isoformat(), "--as-of", "2020-01-01T00:00:00+00:00",
                 "--top", "2"]) == 0
    out = capsys.readouterr().out
    n = synth_conn.execute("SELECT count(*) FROM modeling.latest_signals WHERE race_date = %s",
                           (DAY,)).fetchone()
    assert n is not None and f"{n[0]} runner signals published" in out
    assert "p_win" in out and "best odds" in out
    # Off times in the course's zone, named: the first race of the day as London shows it.
    first = synth_conn.execute("SELECT min(off_time) FROM modeling.src_races WHERE race_date "
                               "= %s AND country = 'GB'", (DAY,)).fetchone()
    assert first is not None and first[0] is not None
    london = first[0].astimezone(ZoneInfo("Europe/London"))
    assert f"{london:%H:%M} {london.tzname()}" in out

    # A later publication, then a replay of the earlier as_of shows what that call published.
    assert main(["--dsn", dsn, "score", DAY.isoformat(), "--as-of",
                 "2020-01-02T00:00:00+00:00"]) == 0
    capsys.readouterr()
    assert main(["--dsn", dsn, "score", DAY.isoformat(), "--as-of",
                 "2020-01-01T00:00:00+00:00"]) == 0
    replay = capsys.readouterr().out
    assert "as of 2020-01-01T00:00:00+00:00" in replay
    shown = synth_conn.execute(
        "SELECT count(*) FROM modeling.signals WHERE race_date = %s AND alias = 'production' "
        "AND as_of = '2020-01-01 00:00+00'", (DAY,)).fetchone()
    assert shown is not None and shown[0] > 0
    assert len(re.findall(r"\b\d\d:\d\d [A-Z]{2,5}\b", replay)) == shown[0]

    synth_conn.execute("UPDATE modeling.models SET feature_version = 'stale' "
                       "WHERE model_id = %s", (model_id,))
    synth_conn.commit()
    assert main(["--dsn", dsn, "score", DAY.isoformat()]) == 1
    assert "feature version stale" in capsys.readouterr().err
    failed = synth_conn.execute("SELECT kind, race_date, error, finished_at IS NOT NULL "
                                "FROM modeling.runs WHERE status = 'failed'").fetchone()
    assert failed is not None and failed[0] == "score_day" and failed[1] == DAY
    assert "feature version stale" in failed[2] and failed[3]
    # The scoring alerts only: the successful calls above may have raised a 'dq' warning of
    # their own (stakes withheld in a race of the day, as the world's draws have it).
    alert = synth_conn.execute("SELECT severity, category, dedup_key, message "
                               "FROM modeling.alerts WHERE category <> 'dq'").fetchall()
    assert len(alert) == 1 and alert[0][:3] == ("critical", "scoring", f"score_day:{DAY}")
    assert "feature version stale" in alert[0][3]
