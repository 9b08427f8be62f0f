"""Test harness: one throwaway PostgreSQL 15 cluster per session (or HRDPG_TEST_DSN), a migrated
template database, and a fresh database per test cloned from it."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from hrdpg import migrate
from hrdpg.cli.db import start_embedded
from hrdpg.cluster import Cluster
from hrdpg.config import PROJECT_ROOT, Settings

TEMPLATE_DB = "hrdpg_template"
SHARED_SERVER_VENV = PROJECT_ROOT / ".hrdpg" / "server-venv"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scratch_home(prefix: str) -> Path:
    """A directory the postgres OS user can enter (pytest's tmp dirs are private to root)."""
    home = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    home.chmod(0o755)
    return home


def embedded_settings(home: Path, port: int | None = None) -> Settings:
    return Settings(dsn=None, home=home, port=port or free_port(), dbname="hrdpg",
                    server_venv=SHARED_SERVER_VENV)


@dataclass(frozen=True)
class ServerHandle:
    """The session's server: the cron-enabled engine database and how to reach others."""

    engine: Settings
    base_conninfo: str

    def settings_for(self, dbname: str) -> Settings:
        return Settings(dsn=make_conninfo(self.base_conninfo, dbname=dbname),
                        home=self.engine.home, port=self.engine.port, dbname=dbname)

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(make_conninfo(self.base_conninfo, dbname="postgres"),
                               autocommit=True)


@pytest.fixture(scope="session")
def server() -> Iterator[ServerHandle]:
    external = os.environ.get("HRDPG_TEST_DSN")
    if external:
        engine = Settings(dsn=external, home=PROJECT_ROOT / ".hrdpg", port=0, dbname="")
        migrate.migrate(engine)
        yield ServerHandle(engine=engine, base_conninfo=external)
        return
    home = scratch_home("hrdpg-test-")
    settings = embedded_settings(home)
    cluster = start_embedded(settings, quiet=True)
    migrate.migrate(settings)
    engine = Settings(dsn=settings.conninfo(), home=home, port=settings.port, dbname="hrdpg")
    schedule_cron_probe(engine.conninfo())
    try:
        yield ServerHandle(engine=engine, base_conninfo=settings.conninfo())
    finally:
        cluster.stop()
        shutil.rmtree(home, ignore_errors=True)


CRON_PROBE_JOB = "hrdpg-test-probe"


def schedule_cron_probe(conninfo: str) -> None:
    """Scheduled at session start: pg_cron has minute granularity, so the probe job gets
    the whole session to fire instead of the test waiting up to a minute on its own."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS public.cron_probe (ran_at timestamptz)")
        conn.execute("SELECT cron.schedule(%s, '* * * * *', "
                     "'INSERT INTO public.cron_probe VALUES (now())')", (CRON_PROBE_JOB,))


@pytest.fixture(scope="session")
def template_db(server: ServerHandle) -> str:
    with server.admin() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(TEMPLATE_DB)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE_DB)))
    migrate.migrate(server.settings_for(TEMPLATE_DB))
    return TEMPLATE_DB


def create_database(server: ServerHandle, template: str = "template0") -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    with server.admin() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)))
    if template != "template0":  # a clone of an engine database lacks its database grants
        with psycopg.connect(server.settings_for(name).conninfo(), autocommit=True) as conn:
            conn.execute("SELECT modeling.apply_database_grants()")
    return name


def drop_database(server: ServerHandle, name: str) -> None:
    with server.admin() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


@contextmanager
def private_copy(server: ServerHandle, template: str = "template0") -> Iterator[Settings]:
    """A throwaway database cloned from ``template``, dropped afterwards."""
    name = create_database(server, template)
    try:
        yield server.settings_for(name)
    finally:
        drop_database(server, name)


@pytest.fixture
def db(server: ServerHandle, template_db: str) -> Iterator[Settings]:
    """A fresh, migrated database of its own for one test."""
    with private_copy(server, template_db) as settings:
        yield settings


@pytest.fixture
def empty_db(server: ServerHandle) -> Iterator[Settings]:
    """A fresh database with nothing installed (for migration tests)."""
    with private_copy(server) as settings:
        yield settings


@pytest.fixture
def conn(db: Settings) -> Iterator[psycopg.Connection]:
    with psycopg.connect(db.conninfo()) as connection:
        yield connection


@pytest.fixture
def scratch_cluster() -> Iterator[Cluster]:
    """A cluster of its own, for lifecycle tests that stop and start it."""
    if os.environ.get("HRDPG_TEST_DSN"):
        pytest.skip("lifecycle tests need the embedded cluster")
    home = scratch_home("hrdpg-life-")
    cluster = Cluster(embedded_settings(home))
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(home, ignore_errors=True)


SYNTH_TEMPLATE_DB = "hrdpg_synth_template"
SMALL_WORLD_DAYS = 150
SMALL_WORLD_RACES_PER_DAY = 16


def signal_months(conn: psycopg.Connection) -> None:
    """The signals partitions of the world's months, as housekeeping makes them ahead of live
    racing: scoring a day then never stops to create one (tests of locks and races rely on it)."""
    conn.execute("SELECT modeling.create_signal_partitions(min(race_date), max(race_date)) "
                 "FROM racing.races")


@pytest.fixture(scope="session")
def synth_template(server: ServerHandle, template_db: str) -> str:
    """A migrated database holding a small synthetic world with features computed."""
    from hrdpg.synth.config import SynthConfig
    from hrdpg.synth.world import generate
    from hrdpg.synth.write import write_world

    with server.admin() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(SYNTH_TEMPLATE_DB)))
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(SYNTH_TEMPLATE_DB), sql.Identifier(template_db)))
    world = generate(SynthConfig(seed=7, n_days=SMALL_WORLD_DAYS,
                                 races_per_day=SMALL_WORLD_RACES_PER_DAY))
    with psycopg.connect(server.settings_for(SYNTH_TEMPLATE_DB).conninfo()) as conn:
        write_world(conn, world)
        # fresh statistics before and after the feature build, as `hrdpg synth` has: without
        # them the build and every copy of the template plan for empty tables
        conn.execute("ANALYZE")
        conn.execute("SELECT modeling.refresh_features(min(race_date), max(race_date)) "
                     "FROM racing.races")
        signal_months(conn)
        conn.execute("ANALYZE")
        conn.commit()
    return SYNTH_TEMPLATE_DB


@pytest.fixture
def synth_db(server: ServerHandle, synth_template: str) -> Iterator[Settings]:
    """A private copy of the small synthetic world, free to modify."""
    with private_copy(server, synth_template) as settings:
        yield settings


@pytest.fixture
def synth_conn(synth_db: Settings) -> Iterator[psycopg.Connection]:
    with psycopg.connect(synth_db.conninfo()) as connection:
        yield connection
