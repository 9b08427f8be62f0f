"""`train`: refresh features, read, fit, calibrate, blend, evaluate, export, parity, register.

Nothing is written to the registry unless every step before registration succeeded; the
registration itself is one SQL call (one transaction).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from hrdpg import __version__, features
from hrdpg.config import PROJECT_ROOT
from hrdpg.errors import HrdpgError
from hrdpg.registry import store
from hrdpg.trainer import evaluate, fit, metrics, windows
from hrdpg.trainer.calibrate import Blend, fit_blend, fit_temperature
from hrdpg.trainer.condlogit import Races
from hrdpg.trainer.data import Window, feature_list, read_window
from hrdpg.trainer.onnx_export import INPUT_NAME, OUTPUT_NAME, booster_to_onnx

MIN_RACES = 200
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TrainSpec:
    name: str
    train_from: dt.date
    train_to: dt.date
    test_from: dt.date
    test_to: dt.date
    with_market: bool = True
    seed: int = 1
    register: bool = True
    promote: str | None = None
    max_rounds: int = 2000
    lgb_overrides: dict[str, Any] = field(default_factory=dict)
    features: tuple[str, ...] = ()  # only these (catalogue order); empty = the catalogue's
    exclude: tuple[str, ...] = ()
    split: windows.SplitRule = field(default_factory=windows.SplitRule)
    refit: bool = True  # after early stopping, grow the trees again on fit + stop
    # False: the caller has refreshed the features of train_from..test_to already (a
    # walk-forward refreshes its whole span once instead of once per period)
    refresh: bool = True


@dataclass
class TrainResult:
    model_id: int | None
    metrics: dict[str, Any]
    params: dict[str, Any]
    artifact: bytes
    parity_max_diff: float
    timings: dict[str, float]
    feature_reference: dict[str, Any]  # what drift is measured against (registered with it)


def check_windows(s: TrainSpec) -> None:
    if s.train_from > s.train_to:
        raise HrdpgError(f"--train-from {s.train_from} is after --train-to {s.train_to}")
    if s.test_from > s.test_to:
        raise HrdpgError(f"--test-from {s.test_from} is after --test-to {s.test_to}")
    if s.test_from <= s.train_to:
        raise HrdpgError(f"the test window ({s.test_from}..) must start after the training "
                         f"window ends ({s.train_to}): evaluation is out of time")
    c = s.split.calibrate_from
    if c is not None and not s.train_from < c <= s.train_to:
        raise HrdpgError(f"--calibrate-from {c} must fall inside the training window, after "
                         f"{s.train_from} and no later than {s.train_to}")
    s.split.check()


def check_window_data(w: Window, label: str, min_races: int) -> None:
    if w.n_rows == 0:
        raise HrdpgError(f"the {label} window has no runners with features; check the dates "
                         "and that racing data is loaded (`hrdpg load`)")
    if w.n_races < min_races:
        raise HrdpgError(f"the {label} window has {w.n_races} races, fewer than {min_races}; "
                         "widen it")


def empty_features(w: Window) -> list[str]:
    """Features with no value at all in the window (the source data does not carry them)."""
    return [n for j, n in enumerate(w.feature_names) if not np.isfinite(w.x[:, j]).any()]


def window_entry(date_from: dt.date, date_to: dt.date, w: Window) -> dict[str, Any]:
    return {"from": str(date_from), "to": str(date_to), "races": w.n_races, "rows": w.n_rows}


def code_version() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT,
                             capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"hrdpg {__version__}" + (f" ({sha})" if sha else "")


class _Stages:
    """Rich progress display plus wall-clock timings per stage."""

    def __init__(self, progress: Progress) -> None:
        self.progress, self.timings = progress, dict[str, float]()

    @contextmanager
    def stage(self, name: str, total: float | None = None) -> Iterator[Any]:
        task = self.progress.add_task(name, total=total)
        start = time.perf_counter()
        try:
            yield lambda done, tot=None, note=None: self.progress.update(
                task, completed=done, total=tot if tot is not None else total,
                description=f"{name} {note}" if note else name)
        finally:
            self.timings[name] = time.perf_counter() - start
            self.progress.update(task, completed=1, total=1)


def train(conn: psycopg.Connection, s: TrainSpec, show: bool = True) -> TrainResult:
    check_windows(s)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TimeElapsedColumn(), disable=not show, transient=False) as progress:
        st = _Stages(progress)
        return _train(conn, s, st)


def fit_training_window(conn: psycopg.Connection, s: TrainSpec) -> FittedWindow:
    """The training-window part of `train` alone, quietly: refresh, read, fit, calibrate,
    blend, export; no test window, no registration."""
    check_windows(s)
    with Progress(disable=True) as progress:
        return fit_window(conn, s, _Stages(progress), refresh_to=s.train_to)


@dataclass
class FittedWindow:
    """What the training window alone yields: the chosen features, the slices, the booster,
    its temperature and blend, and the ONNX artifact. Nothing here has seen the test window."""

    names: list[str]
    dropped: list[str]
    feature_version: str
    window: Window
    labels: npt.NDArray[np.int8]
    stop: Window
    cal: Window
    cal_races: Races
    cal_score: F64
    cal_logp: F64
    fitted: fit.Fitted
    temperature: float
    blend: Blend | None
    artifact: bytes


def fit_window(conn: psycopg.Connection, s: TrainSpec, st: _Stages,
               refresh_to: dt.date) -> FittedWindow:
    """Refresh features over train_from..refresh_to (unless s.refresh is off), then read, cut,
    fit, calibrate, blend and export from the training window only (the walk-forward
    backtest's tests re-run this to show a period's model does not depend on the period)."""
    if s.refresh:
        with st.stage("refresh features"):
            features.refresh_range(conn, s.train_from, refresh_to)
    names = feature_list(conn, s.with_market, s.features, s.exclude)
    row = conn.execute("SELECT modeling.feature_version()").fetchone()
    feature_version = str(row[0]) if row else ""
    with st.stage("read training window") as tick:
        tw = read_window(conn, names, s.train_from, s.train_to, lambda d, t: tick(d, t))
    check_window_data(tw, "training", MIN_RACES)
    dropped = empty_features(tw)
    if dropped == names:
        raise HrdpgError(f"every chosen feature is NULL in the training window "
                         f"({', '.join(dropped)}); check the source data")
    names = [n for n in names if n not in dropped]
    tw = tw.select(names)
    conn.commit()
    labels = windows.slice_labels(tw, s.split)
    tr, stop, cal = (tw.take(labels == code) for code in range(3))
    with st.stage("fit lightgbm", total=s.max_rounds) as tick:
        fitted = fit.fit(tr, stop, s.seed, max_rounds=s.max_rounds, overrides=s.lgb_overrides,
                         tick=lambda i, loss: tick(i, None, f"iter {i} stop-slice {loss:.4f}"))
    if s.refit:
        with st.stage("refit on fit + stop"):
            fitted = fit.refit(fitted, tw.take(labels < 2), tr.n_rows, s.seed)
    with st.stage("calibrate + blend"):
        cal_races = Races.from_rows(cal.race_id, cal.won)
        cal_score = fit.raw_score(fitted, cal.x)
        temperature = fit_temperature(cal_races, cal_score)
        cal_logp = cal_races.log_softmax(temperature * cal_score)
        blend = fit_blend(cal.race_id, cal.won, cal_logp, cal.market)
    with st.stage("export onnx"):
        artifact = booster_to_onnx(fitted.booster, len(names), temperature,
                                   fitted.best_iteration)
    return FittedWindow(names, dropped, feature_version, tw, labels, stop, cal, cal_races,
                        cal_score, cal_logp, fitted, temperature, blend, artifact)


def _train(conn: psycopg.Connection, s: TrainSpec, st: _Stages) -> TrainResult:
    fw = fit_window(conn, s, st, refresh_to=s.test_to)
    names, dropped, feature_version = fw.names, fw.dropped, fw.feature_version
    tw, labels, stop, fitted = fw.window, fw.labels, fw.stop, fw.fitted
    cal_races, cal_score, cal_logp = fw.cal_races, fw.cal_score, fw.cal_logp
    temperature, blend, artifact = fw.temperature, fw.blend, fw.artifact
    tr_rows, tr_races = int((labels == 0).sum()), int(np.unique(tw.race_id[labels == 0]).size)
    with st.stage("read test window") as tick:
        ts = read_window(conn, names, s.test_from, s.test_to, lambda d, t: tick(d, t))
    check_window_data(ts, "test", 1)
    conn.commit()
    with st.stage("evaluate"):
        ts_races = Races.from_rows(ts.race_id, ts.won)
        ts_logp = ts_races.log_softmax(temperature * fit.raw_score(fitted, ts.x))
        test = evaluate.evaluate(ts, ts_logp, blend, s.seed)
        truth = evaluate.bayes(conn, ts, ts_logp)
        conn.commit()
    with st.stage("parity check"):
        sample = evaluate.parity_sample(ts, s.seed)
        diff = evaluate.parity(artifact, ts.take(sample), ts_logp[sample], blend)
    gain = fitted.booster.feature_importance("gain", iteration=fitted.best_iteration)
    params = {"lightgbm": fitted.params, "best_iteration": fitted.best_iteration,
              "temperature": temperature, "with_market": s.with_market,
              "blend": blend.as_json() if blend else None, "split": s.split.as_json(),
              "features": names, "features_dropped_all_null": dropped,
              "normalisation": "race softmax of log_strength (hrdpg_pl.racenorm)"}
    result_metrics: dict[str, Any] = {
        "test": test, "bayes": truth, "parity_max_abs_diff": diff,
        "early_stopping": {"log_loss": fitted.valid_loss, "races": stop.n_races},
        "calibration": {"log_loss_uncalibrated": cal_races.log_loss(
                            cal_races.log_softmax(cal_score)),
                        "log_loss": cal_races.log_loss(cal_logp), "races": cal_races.n},
        "train": {"rows": tr_rows, "races": tr_races},
        "windows": {"train": window_entry(s.train_from, s.train_to, tw),
                    **windows.describe(tw, labels),
                    "test": window_entry(s.test_from, s.test_to, ts)},
        "warnings": ([f"left out (no value in the training window): {', '.join(dropped)}"]
                     if dropped else []) + (blend.warnings() if blend else []),
        "feature_version": feature_version, "best_iteration": fitted.best_iteration,
        "lightgbm_params": fitted.params,
        "feature_importance_gain": {n: float(g) for n, g in zip(names, gain, strict=True)},
    }
    reference = metrics.feature_reference(names, tw.x[metrics.reference_rows(tw.day)])
    model_id = None
    if s.register:
        # One transaction: a refused promote leaves no registered-but-unpromoted model behind.
        with st.stage("register"), conn.transaction():
            model_id = store.register(conn, store.Registration(
                name=s.name, version=None, artifact=artifact, feature_names=names,
                feature_version=feature_version, input_name=INPUT_NAME,
                output_name=OUTPUT_NAME, metrics=result_metrics, params=params,
                feature_reference=reference,
                train_from=s.train_from, train_to=s.train_to, test_from=s.test_from,
                test_to=s.test_to, data_hash=tw.data_hash(), code_version=code_version()))
            if s.promote:
                store.promote(conn, model_id, s.promote, f"trained by hrdpg train {s.name}")
    return TrainResult(model_id, result_metrics, params, artifact, diff, st.timings, reference)
