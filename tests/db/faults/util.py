"""Shared helpers of the fault tests (no tests here): bounded polling, backend states, a
scratch cluster loaded with a small synthetic world and the session's trained model."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from hrdpg import migrate
from hrdpg.cli.db import start_embedded
from hrdpg.cluster import Cluster
from hrdpg.config import Settings
from hrdpg.trainer.pipeline import TrainResult
from tests.conftest import signal_months
from tests.db.scoring.world import install

POLL_TIMEOUT_S = 60.0


def wait_until(what: str, probe: Callable[[], Any], timeout: float = POLL_TIMEOUT_S) -> Any:
    """Poll probe() with a short backoff until it returns something truthy; fail after
    timeout seconds saying what was awaited."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def backend_wait(conn: psycopg.Connection, pid: int) -> tuple[str | None, str | None]:
    """(wait_event_type, wait_event) of backend pid, read in a fresh snapshot."""
    row = conn.execute("SELECT wait_event_type, wait_event FROM pg_stat_activity "
                       "WHERE pid = %s", (pid,)).fetchone()
    conn.commit()
    return (row[0], row[1]) if row else (None, None)


def waits_on_lock(conn: psycopg.Connection, pid: int, event: str) -> bool:
    """True when backend pid is blocked on a heavyweight lock of kind event
    ('advisory', 'relation', ...)."""
    return backend_wait(conn, pid) == ("Lock", event)


def date_lock_key(day: dt.date) -> int:
    """The second key of score_day's per-date advisory lock (hrdpg_pl.scoring_guards.LOCK_SQL)."""
    return (day - dt.date(2000, 1, 1)).days


def hold_date_lock(conn: psycopg.Connection, day: dt.date) -> None:
    """Take score_day's advisory lock for day in conn's open transaction: any scoring of
    that day blocks until conn commits or rolls back."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('hrdpg.score_day'), %s)",
                 (date_lock_key(day),))


@dataclass
class Background:
    """One SQL call on its own connection in a thread; the backend pid is known at start."""

    conninfo: str
    query: str
    params: tuple[Any, ...] = ()
    autocommit: bool = True
    pid: int = 0
    error: BaseException | None = None
    result: Any = None
    finished_at: float = 0.0
    _ready: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Background:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(POLL_TIMEOUT_S):
            raise AssertionError("the background connection did not open")
        return self

    def _run(self) -> None:
        try:
            with psycopg.connect(self.conninfo, autocommit=self.autocommit) as conn:
                self.pid = conn.info.backend_pid
                self._ready.set()
                cur = conn.execute(self.query, self.params)
                self.result = cur.fetchall() if cur.description else None
                if not self.autocommit:
                    conn.commit()
        except BaseException as exc:  # inspected by the test
            self.error = exc
        finally:
            self.finished_at = time.monotonic()
            self._ready.set()

    def join(self, timeout: float = POLL_TIMEOUT_S) -> Background:
        assert self._thread is not None
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError(f"{self.query!r} still running after {timeout:.0f} s")
        return self


def scratch_migrated(cluster: Cluster) -> Settings:
    """Start the scratch cluster and migrate its engine database (no pg_cron job: ticks in
    the tests are explicit)."""
    start_embedded(cluster.settings, quiet=True)
    migrate.migrate(cluster.settings)
    return cluster.settings


def scratch_engine(cluster: Cluster, model: TrainResult | None, n_days: int = 20,
                   races_per_day: int = 8) -> Settings:
    """Start the scratch cluster, migrate it, write a small synthetic world (first day
    2019-01-01) and, given a trained model, register and promote it to production."""
    from hrdpg.synth.config import SynthConfig
    from hrdpg.synth.world import generate
    from hrdpg.synth.write import write_world

    settings = scratch_migrated(cluster)
    with psycopg.connect(settings.conninfo()) as conn:
        write_world(conn, generate(SynthConfig(seed=11, n_days=n_days,
                                               races_per_day=races_per_day)))
        signal_months(conn)
        conn.commit()
        if model is not None:
            install(conn, model)
    return settings


def day_coverage(conn: psycopg.Connection) -> dict[dt.date, tuple[int, int]]:
    """Per race day with production signals: (races with signals, races that day)."""
    rows = conn.execute(
        "SELECT s.race_date, count(DISTINCT s.race_id), "
        "       (SELECT count(*) FROM modeling.src_races r WHERE r.race_date = s.race_date) "
        "  FROM modeling.signals s WHERE s.alias = 'production' GROUP BY s.race_date").fetchall()
    conn.commit()
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}
