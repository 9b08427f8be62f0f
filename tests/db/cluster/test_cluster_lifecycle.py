"""The embedded cluster: idempotent up, data kept across down/up, stale pid files."""

from __future__ import annotations

import psycopg

from hrdpg.cluster import Cluster


def test_up_twice_is_a_noop(scratch_cluster: Cluster) -> None:
    assert scratch_cluster.init() is True
    assert scratch_cluster.init() is False
    assert scratch_cluster.start() is True
    pid = scratch_cluster.running_pid()
    assert scratch_cluster.start() is False
    assert scratch_cluster.running_pid() == pid


def test_down_and_up_keep_data(scratch_cluster: Cluster) -> None:
    scratch_cluster.init()
    scratch_cluster.start()
    conninfo = scratch_cluster.settings.maintenance_conninfo()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)")
    assert scratch_cluster.stop() is True
    assert scratch_cluster.status().running is False
    assert scratch_cluster.stop() is False
    scratch_cluster.start()
    with psycopg.connect(conninfo) as conn:
        assert conn.execute("SELECT x FROM kept").fetchone() == (42,)


def test_stale_pidfile_is_cleared(scratch_cluster: Cluster) -> None:
    scratch_cluster.init()
    pidfile = scratch_cluster.paths.data_dir / "postmaster.pid"
    # PID 2**22 - 1 is above the default pid_max, so no live process holds it.
    pidfile.write_text(f"{2**22 - 1}\n{scratch_cluster.paths.data_dir}\n")
    assert scratch_cluster.start() is True
    assert scratch_cluster.running_pid() not in (None, 2**22 - 1)
