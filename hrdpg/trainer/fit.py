"""LightGBM on a race softmax with early stopping on a later slice, seeded.

``valid`` is the stop slice of hrdpg.trainer.windows (after the fit slice, before the
calibration slice); the test window is never seen here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt

from hrdpg.trainer.condlogit import Races
from hrdpg.trainer.data import Window

F64 = npt.NDArray[np.float64]
Tick = Callable[[int, float], None]  # (iteration, validation log loss)

# Slow, small, strongly regularised trees: on HK 2016-2021 they lowered the calibration-slice
# log loss from 2.1740 to 2.1677 against lr 0.05 / 15 leaves / L2 10 / 0.9 of the features
# with the refit (docs/training.md); chosen on that slice, never on a test year.
BASE_PARAMS: dict[str, Any] = {
    "learning_rate": 0.02,
    "num_leaves": 7,
    "min_data_in_leaf": 200,
    "min_sum_hessian_in_leaf": 1.0,
    "lambda_l2": 20.0,
    "feature_fraction": 0.5,
    "max_bin": 255,
    "num_threads": 2,
    "deterministic": True,
    "force_row_wise": True,
    "verbosity": -1,
}


@dataclass
class Fitted:
    booster: lgb.Booster
    best_iteration: int
    params: dict[str, Any]
    valid_loss: float


def fit(
    train: Window, valid: Window, seed: int, max_rounds: int = 2000, patience: int = 50,
    tick: Tick | None = None, overrides: dict[str, Any] | None = None,
) -> Fitted:
    tr, va = Races.from_rows(train.race_id, train.won), Races.from_rows(valid.race_id, valid.won)

    def objective(preds: F64, _data: lgb.Dataset) -> tuple[F64, F64]:
        return tr.grad_hess(preds)

    def metric(preds: F64, data: lgb.Dataset) -> tuple[str, float, bool]:
        races = va if data is dval else tr
        return "race_logloss", races.log_loss(races.log_softmax(preds)), False

    params = {**BASE_PARAMS, **(overrides or {}), "seed": seed, "objective": objective,
              "metric": "None"}
    dtrain = lgb.Dataset(train.x, label=train.won, feature_name=train.feature_names,
                         free_raw_data=False, params={"max_bin": params["max_bin"]})
    dval = lgb.Dataset(valid.x, label=valid.won, reference=dtrain, free_raw_data=False)
    record: dict[str, Any] = {}

    def progress(env: lgb.callback.CallbackEnv) -> None:
        if tick and env.evaluation_result_list:
            tick(env.iteration + 1, float(env.evaluation_result_list[-1][2]))

    booster = lgb.train(
        params, dtrain, num_boost_round=max_rounds, valid_sets=[dval], valid_names=["valid"],
        feval=metric,
        callbacks=[lgb.early_stopping(patience, verbose=False), lgb.record_evaluation(record),
                   progress],
    )
    best = int(booster.best_iteration or booster.current_iteration())
    losses = record.get("valid", {}).get("race_logloss", [float("nan")])
    shown = {k: v for k, v in params.items() if k != "objective"}
    shown.update(objective="conditional_logit", max_rounds=max_rounds, patience=patience)
    return Fitted(booster, best, shown, float(losses[best - 1]))


def refit(fitted: Fitted, train: Window, rows_seen: int, seed: int) -> Fitted:
    """Trees grown again on ``train`` (the fit and stop slices together), the early-stopped
    round count scaled by the rows added: early stopping chose how far to grow on the fit
    slice alone, and the stop slice is the most recent form the model can learn from."""
    rounds = max(1, round(fitted.best_iteration * train.n_rows / max(rows_seen, 1)))
    races = Races.from_rows(train.race_id, train.won)

    def objective(preds: F64, _data: lgb.Dataset) -> tuple[F64, F64]:
        return races.grad_hess(preds)

    params = {k: v for k, v in fitted.params.items()
              if k not in ("objective", "max_rounds", "patience")}
    params.update(seed=seed, objective=objective, metric="None")
    data = lgb.Dataset(train.x, label=train.won, feature_name=train.feature_names,
                       params={"max_bin": params["max_bin"]})
    booster = lgb.train(params, data, num_boost_round=rounds)
    shown = {**fitted.params, "refit_rounds": rounds, "refit_rows": train.n_rows}
    return Fitted(booster, rounds, shown, fitted.valid_loss)


def raw_score(f: Fitted, x: F64) -> F64:
    return np.asarray(f.booster.predict(x, raw_score=True, num_iteration=f.best_iteration),
                      dtype=np.float64)
