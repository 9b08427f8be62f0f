"""Bad situations give a clear message naming the fix and never delete a user's data."""

from __future__ import annotations

import os
import socket

import pytest

from hrdpg.cluster import Cluster
from hrdpg.errors import HrdpgError
from hrdpg.pgbin import find_binaries


def test_port_already_taken(scratch_cluster: Cluster) -> None:
    scratch_cluster.init()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", scratch_cluster.settings.port))
        squatter.listen()
        with pytest.raises(HrdpgError, match="HRDPG_PORT"):
            scratch_cluster.start()
    assert scratch_cluster.status().running is False


def test_foreign_directory_is_left_alone(scratch_cluster: Cluster) -> None:
    data = scratch_cluster.paths.data_dir
    data.mkdir(parents=True)
    (data / "thesis.txt").write_text("precious")
    if os.geteuid() == 0:
        os.chown(data, scratch_cluster.user.uid, scratch_cluster.user.gid)
    with pytest.raises(HrdpgError, match="not a PostgreSQL data directory"):
        scratch_cluster.init()
    assert (data / "thesis.txt").read_text() == "precious"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs two OS users")
def test_data_dir_owned_by_someone_else(scratch_cluster: Cluster) -> None:
    data = scratch_cluster.paths.data_dir
    data.mkdir(parents=True)
    (data / "PG_VERSION").write_text("15\n")
    with pytest.raises(HrdpgError, match="chown"):
        scratch_cluster.init()
    assert (data / "PG_VERSION").exists()


def test_other_major_version_refused(scratch_cluster: Cluster) -> None:
    data = scratch_cluster.paths.data_dir
    data.mkdir(parents=True)
    (data / "PG_VERSION").write_text("14\n")
    if os.geteuid() == 0:
        os.chown(data, scratch_cluster.user.uid, scratch_cluster.user.gid)
    with pytest.raises(HrdpgError, match="PostgreSQL 14 cluster"):
        scratch_cluster.init()
    with pytest.raises(HrdpgError, match="PostgreSQL 14 cluster"):
        scratch_cluster.start()
    assert (data / "PG_VERSION").read_text() == "14\n"


def test_missing_server_package_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HRDPG_PG_BINDIR", "/nonexistent/postgresql/15/bin")
    with pytest.raises(HrdpgError, match="make bootstrap"):
        find_binaries()
