"""A primary with a month of synthetic racing and a promoted model (a small LightGBM booster
through the real ONNX export: what it predicts does not matter here), and its streaming
standby (`hrdpg db replica up`), shared by the replica tests of a session."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from hrdpg import migrate, replica
from hrdpg.cli.db import start_embedded
from hrdpg.config import Settings
from hrdpg.errors import HrdpgError
from hrdpg.registry import store
from tests.conftest import embedded_settings, free_port, scratch_home
from tests.db.training.test_models_registry import artifact, names, reg

REPLAY_DEADLINE_S = 60.0
WORLD_DAYS = 30
# The days the tests publish: one each where a test's publications must not meet another's.
DAY = dt.date(2019, 1, 1) + dt.timedelta(days=WORLD_DAYS - 6)


@dataclass(frozen=True)
class Pair:
    primary: Settings
    standby: Settings

    def on_primary(self, **kw: bool) -> psycopg.Connection:
        return psycopg.connect(self.primary.conninfo(), **kw)

    def on_standby(self, **kw: bool) -> psycopg.Connection:
        return psycopg.connect(self.standby.conninfo(), **kw)


@pytest.fixture(scope="session")
def pair() -> Iterator[Pair]:
    if os.environ.get("HRDPG_TEST_DSN"):
        pytest.skip("the replica tests make an embedded primary and standby")
    from hrdpg.synth.config import SynthConfig
    from hrdpg.synth.world import generate
    from hrdpg.synth.write import write_world

    home = scratch_home("hrdpg-replica-")
    settings = embedded_settings(home)
    cluster = start_embedded(settings, quiet=True)
    try:
        migrate.migrate(settings)
        with psycopg.connect(settings.conninfo()) as conn:
            write_world(conn, generate(SynthConfig(seed=7, n_days=WORLD_DAYS,
                                                   races_per_day=16)))
            conn.execute("SELECT modeling.refresh_features(min(race_date), max(race_date)) "
                         "FROM racing.races")
            feats = names(conn)
            store.promote(conn, reg(conn, artifact(len(feats)), feats), "production", "test")
            conn.commit()
        standby = replica.up(settings, free_port(), say=lambda _: None)
        yield Pair(primary=settings, standby=standby.settings)
    finally:
        with contextlib.suppress(HrdpgError):  # the primary is stopped next anyway
            replica.down(settings, say=lambda _: None)
        cluster.stop()
        shutil.rmtree(home, ignore_errors=True)


def wait_replayed(primary: psycopg.Connection, standby: psycopg.Connection,
                  timeout: float = REPLAY_DEADLINE_S) -> None:
    """Until the standby has replayed everything the primary committed so far."""
    row = primary.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert row is not None
    wait_for(standby, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (row[0],), timeout)


def wait_for(conn: psycopg.Connection, query: str, params: tuple[object, ...] = (),
             timeout: float = REPLAY_DEADLINE_S) -> None:
    """Poll a one-boolean query with backoff until it is true, or fail at the deadline."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        row = conn.execute(query, params).fetchone()
        if not conn.autocommit:
            conn.rollback()
        if row is not None and row[0]:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"not true within {timeout:.0f} s: {query} {params}")
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def publish(conn: psycopg.Connection, day: dt.date, ahead_s: float = 0.0) -> dt.datetime:
    """score_day on the primary as of now() + ahead_s, committed; returns that as_of."""
    row = conn.execute("SELECT now() + make_interval(secs => %s)", (ahead_s,)).fetchone()
    assert row is not None
    conn.execute("SELECT modeling.score_day(%s, %s)", (day, row[0]))
    conn.commit()
    return row[0]  # type: ignore[no-any-return]
