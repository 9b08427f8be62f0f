"""MLflow for those who use it: with the `mlflow` extra installed and MLFLOW_TRACKING_URI set,
training runs are logged as MLflow runs and promotions can mirror to registered-model aliases.
Without either nothing changes, and mlflow is imported only here, only when used.

log_run is the one writer (a training run, or one period of a backtest); log_training and
mirror_alias build on it. A failure to reach the tracking store never undoes what the engine
did: it is reported in one line and the command carries on.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

URI_ENV = "MLFLOW_TRACKING_URI"
EXPERIMENT_ENV = "HRDPG_MLFLOW_EXPERIMENT"  # default: "hrdpg"
ALIASES_ENV = "HRDPG_MLFLOW_ALIASES"  # "1": promotions and rollbacks mirror to MLflow aliases
MODEL_ID_TAG = "hrdpg.model_id"
BATCH = 100  # MLflow's limit of params per log_batch call
REFUSED = re.compile(r"[^\w\-. :/]")  # characters MLflow refuses in a param or metric name


@dataclass
class RunRecord:
    """What one MLflow run holds: nested params and metrics are flattened to dotted keys."""
    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    artifacts: Mapping[str, bytes] = field(default_factory=dict)  # "dir/file" -> bytes
    parent_run_id: str | None = None  # e.g. a backtest's run, for each of its periods


def enabled() -> bool:
    """MLFLOW_TRACKING_URI set and mlflow importable (a one-line notice when only the first)."""
    if not os.environ.get(URI_ENV):
        return False
    if importlib.util.find_spec("mlflow") is None:
        print(f"note: {URI_ENV} is set but mlflow is not installed (pip install "
              "'hrdpg[mlflow]'); nothing is logged to MLflow", file=sys.stderr)
        return False
    return True


def mirror_aliases(flag: bool | None) -> bool:
    """Whether a promotion mirrors to MLflow: the command's flag, else HRDPG_MLFLOW_ALIASES."""
    wanted = flag if flag is not None else os.environ.get(ALIASES_ENV, "") in ("1", "true")
    return wanted and enabled()


def flatten(doc: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted keys, with what MLflow refuses in a name (e.g. "+" in a stage name) as "_"."""
    for key, value in doc.items():
        name = prefix + REFUSED.sub("_", str(key))
        if isinstance(value, Mapping):
            yield from flatten(value, f"{name}.")
        else:
            yield name, value


def param_value(value: Any) -> str:
    """Text as is, the rest as JSON with sorted keys (jsonb, where the registry keeps params,
    does not keep key order: the run and the registry row then read the same)."""
    return value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)


def metric_items(metrics: Mapping[str, Any]) -> list[tuple[str, float]]:
    """The numeric leaves (booleans, text and lists are not metrics)."""
    return [(k, float(v)) for k, v in flatten(metrics)
            if isinstance(v, int | float) and not isinstance(v, bool)]


def _client() -> Any:
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=os.environ[URI_ENV])


def _experiment(client: Any) -> str:
    name = os.environ.get(EXPERIMENT_ENV) or "hrdpg"
    found = client.get_experiment_by_name(name)
    return str(found.experiment_id if found else client.create_experiment(name))


def log_run(record: RunRecord) -> str:
    """Log one finished run; returns its run id. Callers check enabled() first."""
    from mlflow.entities import Metric, Param, RunTag

    client = _client()
    tags = dict(record.tags)
    if record.parent_run_id:
        tags["mlflow.parentRunId"] = record.parent_run_id
    run = client.create_run(_experiment(client), run_name=record.name, tags=tags)
    run_id: str = run.info.run_id
    try:
        now = int(time.time() * 1000)
        params = [Param(k, param_value(v)) for k, v in flatten(record.params)]
        metrics = [Metric(k, v, now, 0) for k, v in metric_items(record.metrics)]
        for i in range(0, max(len(params), len(metrics)), BATCH):
            client.log_batch(run_id, metrics=metrics[i:i + BATCH], params=params[i:i + BATCH],
                             tags=[RunTag(k, v) for k, v in tags.items()] if i == 0 else [])
        with tempfile.TemporaryDirectory(prefix="hrdpg-mlflow-") as tmp:
            for name, data in record.artifacts.items():
                path = Path(tmp) / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                folder = str(Path(name).parent)
                client.log_artifact(run_id, str(path), None if folder == "." else folder)
    except Exception:
        client.set_terminated(run_id, "FAILED")
        raise
    client.set_terminated(run_id, "FINISHED")
    return run_id


def training_record(name: str, model_id: int | None, params: Mapping[str, Any],
                    metrics: Mapping[str, Any], artifact: bytes) -> RunRecord:
    """A training run as MLflow shows it: the registry's params and metrics, feature version,
    the chosen features (also as features.json) and the ONNX file (model/model.onnx)."""
    features = {"features": params.get("features", []),
                "features_dropped_all_null": params.get("features_dropped_all_null", [])}
    tags = {"hrdpg.model_name": name, "hrdpg.feature_version": str(metrics["feature_version"])}
    if model_id is not None:
        tags[MODEL_ID_TAG] = str(model_id)
    return RunRecord(
        name=f"{name} (model {model_id})" if model_id is not None else name,
        params={**params, "feature_version": metrics["feature_version"]},
        metrics=metrics, tags=tags,
        artifacts={"model/model.onnx": artifact,
                   "features.json": json.dumps(features, indent=1).encode()})


def log_training(name: str, model_id: int | None, params: Mapping[str, Any],
                 metrics: Mapping[str, Any], artifact: bytes) -> str | None:
    """log_run of a training run when tracking is on; None when off or the store failed."""
    if not enabled():
        return None
    return _guarded("logging the training run",
                    lambda: log_run(training_record(name, model_id, params, metrics, artifact)))


def mirror_alias(model_id: int, name: str, alias: str) -> str | None:
    """Point MLflow registered model `name`'s alias at the version made from the run of
    hrdpg model_id (that version is created the first time). Returns the MLflow version;
    None when the store failed or no run of that model was logged."""
    def mirror() -> str | None:
        client = _client()
        runs = client.search_runs([_experiment(client)],
                                  f"tags.`{MODEL_ID_TAG}` = '{int(model_id)}'",
                                  max_results=1, order_by=["attributes.start_time DESC"])
        if not runs:
            print(f"note: no MLflow run of model {model_id} (trained without tracking); "
                  f"alias {alias} not mirrored", file=sys.stderr)
            return None
        run_id = runs[0].info.run_id
        if not client.search_registered_models(f"name = '{_quoted(name)}'"):
            client.create_registered_model(name)
        versions = client.search_model_versions(f"name = '{_quoted(name)}' and "
                                                f"run_id = '{run_id}'")
        version = (versions[0] if versions else client.create_model_version(
            name, f"runs:/{run_id}/model", run_id=run_id,
            tags={MODEL_ID_TAG: str(model_id)})).version
        client.set_registered_model_alias(name, alias, version)
        return str(version)
    return _guarded(f"mirroring alias {alias}", mirror)


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def _guarded(what: str, action: Callable[[], str | None]) -> str | None:
    try:
        return action()
    except Exception as exc:  # the store's failure must not fail the engine's command
        print(f"warning: MLflow ({os.environ.get(URI_ENV)}): {what} failed: "
              f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
              file=sys.stderr)
        return None


@dataclass
class PeriodRecord:
    """One walk-forward period as MLflow sees it (hrdpg.backtest.walk.PeriodResult's figures)."""
    label: str
    model_id: int
    train_to: str
    figures: Mapping[str, Any]


def log_backtest(name: str, run_id: int, spec: Mapping[str, Any], periods: list[PeriodRecord],
                 overall: Mapping[str, Any]) -> str | None:
    """A backtest as one MLflow run (the spec and the overall figures) with a nested run per
    period (its model, last training day and figures); None when off or the store failed."""
    if not enabled():
        return None

    def log() -> str:
        tags = {"hrdpg.backtest_run_id": str(run_id), "hrdpg.backtest_name": name}
        parent = log_run(RunRecord(name=f"backtest {name} (run {run_id})", params=spec,
                                   metrics=overall, tags=tags))
        for p in periods:
            log_run(RunRecord(name=f"{name} {p.label}", parent_run_id=parent,
                              params={"period": p.label, "train_to": p.train_to,
                                      "model_id": p.model_id},
                              metrics=p.figures,
                              tags={**tags, MODEL_ID_TAG: str(p.model_id)}))
        return parent
    return _guarded("logging the backtest", log)
