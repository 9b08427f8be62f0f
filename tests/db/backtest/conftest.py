"""One walk-forward backtest over the small synthetic world, shared by this folder's tests:
two monthly periods (April and May 2019), each trained from 2019-01-01 to the day before it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from hrdpg.backtest.walk import BacktestSpec, Hooks, PeriodResult, run
from tests.conftest import ServerHandle, create_database, drop_database

SPEC = BacktestSpec(name="wf", date_from=dt.date(2019, 4, 1), date_to=dt.date(2019, 5, 30),
                    period="month", train_from=dt.date(2019, 1, 1), seed=3, max_rounds=60,
                    # one thread: two OpenMP threads on a loaded 2-core machine fit 40x slower
                    lgb_overrides={"num_threads": 1})


@dataclass
class Backtested:
    conninfo: str
    run_id: int
    periods: list[PeriodResult]
    overall: dict[str, Any]


def analyse(conninfo: str) -> None:
    """Statistics for a clone of the synthetic template, whose history tables were analysed
    only after it was cloned, if at all: without them a training window's feature refresh
    plans badly and takes minutes instead of seconds."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("ANALYZE")


@pytest.fixture(scope="session")
def backtested(server: ServerHandle, synth_template: str) -> Iterator[Backtested]:
    name = create_database(server, synth_template)
    conninfo = server.settings_for(name).conninfo()
    try:
        analyse(conninfo)
        with psycopg.connect(conninfo) as conn:
            hooks = Hooks(lambda *_: None, lambda *_: None, lambda *_: None)
            run_id, periods, overall = run(conn, conninfo, SPEC, hooks, show=False)
        yield Backtested(conninfo, run_id, periods, overall)
    finally:
        drop_database(server, name)
