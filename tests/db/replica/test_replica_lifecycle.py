"""`hrdpg db replica up|status|down` on a cluster of its own: a streaming hot standby through a
slot, and nothing left behind by down."""

from __future__ import annotations

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.cli.db import start_embedded
from hrdpg.cluster import Cluster
from hrdpg.replica import SLOT, standby_of
from tests.conftest import SHARED_SERVER_VENV, free_port
from tests.db.replica.conftest import wait_for


@pytest.fixture
def cli_env(scratch_cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> Cluster:
    """The CLI pointed at the scratch cluster through the environment, as a user would."""
    settings = scratch_cluster.settings
    monkeypatch.delenv("HRDPG_DSN", raising=False)
    monkeypatch.setenv("HRDPG_HOME", str(settings.home))
    monkeypatch.setenv("HRDPG_PORT", str(settings.port))
    monkeypatch.setenv("HRDPG_SERVER_VENV", str(SHARED_SERVER_VENV))
    return scratch_cluster


def slots(primary: Cluster) -> list[tuple[str, bool]]:
    with psycopg.connect(primary.settings.maintenance_conninfo()) as conn:
        return [(str(n), bool(a)) for n, a in conn.execute(
            "SELECT slot_name, active FROM pg_replication_slots")]


def test_up_streams_status_reports_down_cleans(
        cli_env: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    primary = cli_env
    start_embedded(primary.settings, quiet=True)
    assert main(["db", "replica", "up", "--port", str(free_port())]) == 0
    assert "wal_level = replica" in capsys.readouterr().out
    assert main(["db", "replica", "up"]) == 0  # again: nothing new
    assert "already running" in capsys.readouterr().out
    assert slots(primary) == [(SLOT, True)]

    standby = standby_of(primary)
    assert standby is not None
    with psycopg.connect(primary.settings.maintenance_conninfo(), autocommit=True) as conn:
        conn.execute("CREATE TABLE streamed AS SELECT 42 AS x")
        lsn = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert lsn is not None
    with psycopg.connect(standby.settings.maintenance_conninfo(), autocommit=True) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        wait_for(conn, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn[0],))
        assert conn.execute("SELECT x FROM streamed").fetchone() == (42,)

    assert main(["db", "replica", "status"]) == 0
    out = capsys.readouterr().out
    assert "streaming" in out and f"{SLOT} (active" in out and "replay lag:" in out

    assert main(["db", "replica", "down"]) == 0
    capsys.readouterr()
    assert slots(primary) == []
    assert not primary.paths.replica_home.exists()
    assert main(["db", "replica", "status"]) == 3
    assert "no standby set up" in capsys.readouterr().out


def test_up_without_a_running_primary_says_what_to_do(
        cli_env: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "replica", "up"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "`hrdpg db up`" in err
    assert not cli_env.paths.replica_home.exists()
