"""With MLFLOW_TRACKING_URI set (a SQLite store under the test's tmp dir), `hrdpg train` logs
what the registry stored as an MLflow run, read back here with the MLflow client; a promotion
with --mlflow-alias points an MLflow registered-model alias at that run's version."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from hrdpg.cli import main
from tests.conftest import ServerHandle, create_database, drop_database
from tests.db.training.test_train_report import START, TEST_FROM, TEST_TO, TRAIN_TO

mlflow = pytest.importorskip("mlflow", reason="the mlflow extra: scripts/bootstrap.sh --test")


def leaves(doc: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested JSON as dotted keys (written here, apart from hrdpg.tracking)."""
    out: dict[str, Any] = {}
    for k, v in doc.items():
        out.update(leaves(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
    return out


@pytest.fixture(scope="module")
def tracked(server: ServerHandle, synth_template: str,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(conninfo, store dir) after one `hrdpg train` with tracking on."""
    store = tmp_path_factory.mktemp("mlflow")
    name = create_database(server, synth_template)
    conninfo = server.settings_for(name).conninfo()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(store)  # the SQLite store's default artifact root is ./mlruns
            mp.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{store}/mlflow.db")
            mp.delenv("HRDPG_MLFLOW_ALIASES", raising=False)
            assert main(["--dsn", conninfo, "train", "--train-from", str(START),
                         "--train-to", str(TRAIN_TO), "--test-from", str(TEST_FROM),
                         "--test-to", str(TEST_TO), "--name", "win", "--seed", "3",
                         "--max-rounds", "60"]) == 0
            yield conninfo, store
    finally:
        drop_database(server, name)


def registry(conninfo: str) -> dict[str, Any]:
    with psycopg.connect(conninfo) as conn:
        cur = conn.execute("SELECT model_id, name, metrics, params, artifact, feature_names, "
                           "feature_version FROM modeling.models")
        row = cur.fetchone()
        assert row is not None and cur.fetchone() is None
        return dict(zip([d.name for d in cur.description or []], row, strict=True))


def the_run(store: Path) -> Any:
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{store}/mlflow.db")
    runs = client.search_runs([client.get_experiment_by_name("hrdpg").experiment_id])
    assert len(runs) == 1
    return client, runs[0]


def test_train_logs_the_registry_record(tracked: tuple[str, Path]) -> None:
    conninfo, store = tracked
    reg = registry(conninfo)
    client, run = the_run(store)
    assert run.info.status == "FINISHED"
    assert run.data.tags["hrdpg.model_id"] == str(reg["model_id"])
    expected = {k: v if isinstance(v, str) else json.dumps(v, sort_keys=True)
                for k, v in leaves(reg["params"]).items()}
    assert run.data.params == {**expected, "feature_version": reg["feature_version"]}
    numbers = {k: float(v) for k, v in leaves(reg["metrics"]).items()
               if isinstance(v, int | float) and not isinstance(v, bool)}
    assert run.data.metrics == pytest.approx(numbers, rel=1e-12)
    assert "test.published.log_loss" in numbers and "best_iteration" in numbers

    local = Path(client.download_artifacts(run.info.run_id, "", str(store / "read")))
    assert (local / "model" / "model.onnx").read_bytes() == bytes(reg["artifact"])
    features = json.loads((local / "features.json").read_text())
    assert features["features"] == list(reg["feature_names"])


def test_promote_mirrors_to_an_mlflow_alias(tracked: tuple[str, Path],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    conninfo, store = tracked
    monkeypatch.chdir(store)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{store}/mlflow.db")
    reg = registry(conninfo)
    assert main(["--dsn", conninfo, "models", "promote", str(reg["model_id"]),
                 "--alias", "champion", "--mlflow-alias"]) == 0
    client, run = the_run(store)
    version = client.get_model_version_by_alias(reg["name"], "champion")
    assert version.run_id == run.info.run_id
    assert version.tags["hrdpg.model_id"] == str(reg["model_id"])


def test_promote_without_the_flag_or_setting_leaves_mlflow_alone(
        tracked: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    conninfo, store = tracked
    monkeypatch.chdir(store)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{store}/mlflow.db")
    monkeypatch.delenv("HRDPG_MLFLOW_ALIASES", raising=False)
    reg = registry(conninfo)
    assert main(["--dsn", conninfo, "models", "promote", str(reg["model_id"]),
                 "--alias", "shadow"]) == 0
    client, _ = the_run(store)
    with pytest.raises(mlflow.exceptions.MlflowException):
        client.get_model_version_by_alias(reg["name"], "shadow")
