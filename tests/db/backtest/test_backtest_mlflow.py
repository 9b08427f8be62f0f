"""With MLflow on, a backtest is one run with a nested run per period, whose figures read the
same as modeling.backtest_periods."""

from __future__ import annotations

import math
from pathlib import Path

import psycopg
import pytest

from hrdpg import tracking
from tests.db.backtest.conftest import SPEC, Backtested

mlflow = pytest.importorskip("mlflow")  # the test extra installs it (scripts/bootstrap.sh)


def test_backtest_logs_a_run_per_period(backtested: Backtested, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    records = [tracking.PeriodRecord(r.period.label, r.model_id, r.train_to.isoformat(),
                                     r.summary) for r in backtested.periods]
    parent = tracking.log_backtest(SPEC.name, backtested.run_id, SPEC.described(), records,
                                   backtested.overall)
    assert parent is not None
    client = mlflow.MlflowClient(tracking_uri=uri)
    children = client.search_runs(
        [client.get_run(parent).info.experiment_id],
        f"tags.`mlflow.parentRunId` = '{parent}'")
    with psycopg.connect(backtested.conninfo) as conn:
        stored = {str(m): (float(r2), float(bm)) for m, r2, bm in conn.execute(
            "SELECT model_id, model_pseudo_r2, blend_minus_market FROM modeling.backtest_periods"
            " WHERE run_id = %s", (backtested.run_id,)).fetchall()}
    assert len(children) == len(stored) == len(backtested.periods)
    for child in children:
        r2, blend_minus_market = stored[child.data.tags[tracking.MODEL_ID_TAG]]
        assert math.isclose(child.data.metrics["model.pseudo_r2"], r2, rel_tol=1e-12)
        assert math.isclose(child.data.metrics["blend_minus_market.pseudo_r2"],
                            blend_minus_market, rel_tol=1e-12)
    assert client.get_run(parent).data.params["period"] == SPEC.period
