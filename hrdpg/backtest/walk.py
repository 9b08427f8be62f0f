"""`hrdpg backtest`: walk forward over the periods of D1..D2. First refresh the features of
D0..D2, once for every period. For each period, train on
D0 .. the day before it (the trainer's own pipeline and fit | stop | calibrate windows), register
the model, point the backtest alias at it (never production, never a challenger of live runs),
score the period in the database with score_range, read the published probabilities back and
evaluate them against the closing market (hrdpg.backtest.closing). Every figure is stored in
modeling.backtest_runs / backtest_periods as soon as it is known.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg
from hrdpg_pl.model_cache import BACKTEST_ALIAS

from hrdpg import backfill, features
from hrdpg.backtest import closing
from hrdpg.backtest import store as bt_store
from hrdpg.backtest.periods import Period, check_races, split
from hrdpg.errors import HrdpgError
from hrdpg.registry import store
from hrdpg.trainer.pipeline import TrainSpec, train
from hrdpg.trainer.windows import SplitRule

LOCK_KEY = "hrdpg.backtest"  # one backtest at a time: they share the alias


@dataclass(frozen=True)
class BacktestSpec:
    name: str
    date_from: dt.date
    date_to: dt.date
    period: str
    train_from: dt.date
    with_market: bool = True
    seed: int = 1
    features: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    split: SplitRule = field(default_factory=SplitRule)
    max_rounds: int = 2000
    lgb_overrides: dict[str, Any] = field(default_factory=dict)
    jobs: int = 1  # backends scoring each period side by side (hrdpg.backfill); not a result

    def periods(self) -> list[Period]:
        periods = split(self.date_from, self.date_to, self.period)
        if self.train_from >= self.date_from:
            raise HrdpgError(f"--train-from {self.train_from} must be before --from "
                             f"{self.date_from}: each period trains on the days before it")
        return periods

    def train_spec(self, p: Period) -> TrainSpec:
        """The period's training: train_from .. the day before it; the period is the test
        window (evaluated by the trainer, never fitted on)."""
        return TrainSpec(name=self.name, train_from=self.train_from,
                         train_to=p.date_from - dt.timedelta(days=1), test_from=p.date_from,
                         test_to=p.date_to, with_market=self.with_market, seed=self.seed,
                         register=True, promote=None, max_rounds=self.max_rounds,
                         lgb_overrides=self.lgb_overrides,
                         features=self.features, exclude=self.exclude, split=self.split)

    def as_json(self) -> dict[str, Any]:
        return {"with_market": self.with_market, "seed": self.seed,
                "features": list(self.features), "exclude": list(self.exclude),
                "split": self.split.as_json(), "max_rounds": self.max_rounds,
                "lgb_overrides": self.lgb_overrides}

    def described(self) -> dict[str, Any]:
        """as_json plus the walk itself (name, period, dates): what an MLflow run shows."""
        return {"name": self.name, "period": self.period, "from": self.date_from.isoformat(),
                "to": self.date_to.isoformat(), "train_from": self.train_from.isoformat(),
                **self.as_json()}


@dataclass
class PeriodResult:
    period: Period
    model_id: int
    train_to: dt.date
    summary: dict[str, Any]
    train_seconds: float
    score_seconds: float
    rows: closing.Closing  # the evaluated rows, for the overall figures (not stored)


def score_period(conninfo: str, p: Period, triggered_by: str = "backtest",
                 jobs: int = 1) -> None:
    """score_range over the period under the backtest alias, in `jobs` parts side by side
    (hrdpg.backfill), in score_range's own chunks (sized to memory by
    modeling.backfill_chunk_days). The caller has refreshed the features of the period, so
    the chunks read the feature store as it is."""
    parts = backfill.run(conninfo, p.date_from, p.date_to, jobs, backfill.Options(
        alias=BACKTEST_ALIAS, challengers=False, refresh_features=False,
        triggered_by=triggered_by))
    failed, lines = backfill.summary(parts)
    if failed:
        raise HrdpgError(f"scoring period {p.label} failed: " + "; ".join(lines))


def run_period(conn: psycopg.Connection, conninfo: str, spec: BacktestSpec, run_id: int,
               p: Period, show: bool) -> PeriodResult:
    t0 = time.perf_counter()
    ts = spec.train_spec(p)
    result = train(conn, replace(ts, refresh=False), show=show)  # _walk refreshed the span
    assert result.model_id is not None
    point_alias(conn, result.model_id, f"backtest run {run_id} ({spec.name}) period {p.label}")
    t1 = time.perf_counter()
    score_period(conninfo, p, jobs=spec.jobs)
    t2 = time.perf_counter()
    c = closing.read_closing(conn, p.date_from, p.date_to, BACKTEST_ALIAS, result.model_id)
    weights = [w.as_json() for w in closing.cross_fit(c)]
    summary = closing.summarise(c, spec.seed)
    summary["blend_weights"] = weights
    summary["train_stage_seconds"] = result.timings  # the trainer's own stages
    conn.commit()
    out = PeriodResult(p, result.model_id, ts.train_to, summary, t1 - t0, t2 - t1, c)
    bt_store.add_period(conn, run_id, p, spec.train_from, ts.train_to, result.model_id,
                        summary, weights, out.train_seconds, out.score_seconds)
    return out


@dataclass(frozen=True)
class Hooks:
    """What the caller hears while it runs (the CLI prints each)."""

    started: Callable[[int, list[int], list[Period]], None]  # run id, earlier runs, periods
    training: Callable[[Period, dt.date], None]  # period, last training day
    done: Callable[[PeriodResult], None]
    refreshed: Callable[[float], None] = lambda _seconds: None  # the span's features, once


def run(conn: psycopg.Connection, conninfo: str, spec: BacktestSpec, hooks: Hooks,
        show: bool = True) -> tuple[int, list[PeriodResult], dict[str, Any]]:
    """Validate, then walk forward; returns (run id, periods, overall figures)."""
    periods = spec.periods()
    check_races(conn, periods)
    with backtest_lock(conn):
        return _walk(conn, conninfo, spec, periods, hooks, show)


@contextmanager
def backtest_lock(conn: psycopg.Connection) -> Iterator[None]:
    """One user of the backtest alias at a time (a session lock, released on exit)."""
    row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (LOCK_KEY,)).fetchone()
    conn.commit()
    if not (row and row[0]):
        raise HrdpgError("another backtest is running in this database (they share the "
                         f"{BACKTEST_ALIAS!r} alias); wait for it to finish")
    try:
        yield
    finally:
        # A broken connection (cancelled, server gone) has released the session lock itself.
        with suppress(psycopg.Error):
            conn.rollback()
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (LOCK_KEY,))
            conn.commit()


def point_alias(conn: psycopg.Connection, model_id: int, note: str) -> None:
    row = conn.execute("SELECT model_id FROM modeling.model_aliases WHERE alias = %s",
                       (BACKTEST_ALIAS,)).fetchone()
    conn.commit()
    if row is None or int(row[0]) != model_id:
        store.promote(conn, model_id, BACKTEST_ALIAS, note)


def score_models(conn: psycopg.Connection, conninfo: str, model_ids: list[int],
                 date_from: dt.date, date_to: dt.date, jobs: int = 1) -> None:
    """Score date_from..date_to with each model in turn under the backtest alias (for a
    paired comparison of models that never published the same races)."""
    window = Period(0, date_from, date_to, f"{date_from}..{date_to}")
    with backtest_lock(conn):
        # Once for all the models: the rows do not depend on which model reads them.
        features.refresh_range(conn, date_from, date_to)
        for m in model_ids:
            point_alias(conn, m, f"models compare: score {window.label}")
            score_period(conninfo, window, triggered_by="models compare", jobs=jobs)


def _walk(conn: psycopg.Connection, conninfo: str, spec: BacktestSpec, periods: list[Period],
          hooks: Hooks, show: bool) -> tuple[int, list[PeriodResult], dict[str, Any]]:
    run_id = bt_store.start_run(conn, spec.name, spec.period, periods[0], periods[-1],
                                spec.train_from, BACKTEST_ALIAS, spec.as_json())
    hooks.started(run_id, bt_store.earlier_runs(conn, spec.name, run_id), periods)
    done: list[PeriodResult] = []
    try:
        # Once for every period: a feature row is as of its race's off, whichever period
        # trains on it, so refreshing train_from..the last period per period only redid it.
        t0 = time.perf_counter()
        features.refresh_range(conn, spec.train_from, periods[-1].date_to)
        refresh_seconds = time.perf_counter() - t0
        hooks.refreshed(refresh_seconds)
        for p in periods:
            hooks.training(p, spec.train_spec(p).train_to)
            done.append(run_period(conn, conninfo, spec, run_id, p, show))
            hooks.done(done[-1])
        overall = closing.summarise(
            closing.Closing.concat([d.rows for d in done]), spec.seed)
        overall["refresh_seconds"] = refresh_seconds
        overall["train_seconds"] = sum(d.train_seconds for d in done)
        overall["score_seconds"] = sum(d.score_seconds for d in done)
    except BaseException as exc:
        with suppress(psycopg.Error):  # best effort: the original error is what to report
            bt_store.finish_run(conn, run_id, None, f"{type(exc).__name__}: {exc}"[:2000])
        raise
    bt_store.finish_run(conn, run_id, overall)
    return run_id, done, overall

