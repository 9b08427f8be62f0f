"""`hrdpg score` names the horses where the source has names, and shows ids where it has none
(a team's source views without the optional names view still migrate and score)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from hrdpg import migrate
from hrdpg.cli import main
from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.install.source_views import required_only
from tests.db.scoring.world import DAY, LATE, install, trained


def scored(synth_db: Settings, synth_conn: psycopg.Connection, server: ServerHandle,
           synth_template: str, capsys: pytest.CaptureFixture[str]) -> tuple[str, list[int]]:
    """The score table's text and the horse ids of the first race it published."""
    install(synth_conn, trained(server, synth_template))
    assert main(["--dsn", synth_db.conninfo(), "score", DAY.isoformat(), "--as-of", LATE]) == 0
    horses = [h for h, in synth_conn.execute(
        "SELECT horse_id FROM modeling.signals WHERE race_id = (SELECT min(race_id) FROM "
        "modeling.signals WHERE race_date = %s)", (DAY,)).fetchall()]
    return capsys.readouterr().out, horses


def test_score_shows_horse_and_jockey_names(
        synth_db: Settings, synth_conn: psycopg.Connection, server: ServerHandle,
        synth_template: str, capsys: pytest.CaptureFixture[str]) -> None:
    out, horses = scored(synth_db, synth_conn, server, synth_template, capsys)
    names = synth_conn.execute("SELECT horse_name, jockey_name FROM modeling.src_runner_names "
                               "WHERE race_id = (SELECT min(race_id) FROM modeling.signals "
                               "WHERE race_date = %s) AND horse_id = ANY(%s)",
                               (DAY, horses)).fetchall()
    assert names and all(h in out and j in out for h, j in names)


def test_without_a_names_view_score_shows_the_ids(
        synth_db: Settings, synth_conn: psycopg.Connection, server: ServerHandle,
        synth_template: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    migrate.migrate(synth_db, source_views=required_only(tmp_path))
    out, horses = scored(synth_db, synth_conn, server, synth_template, capsys)
    assert horses and all(f" {h} " in out for h in horses)
