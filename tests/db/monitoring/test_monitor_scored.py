"""Monitoring days scored by the real engine (trained ONNX model, score_day): the baseline is
the blend's stored test scores, and the model beats the uniform field on every day."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from tests.conftest import ServerHandle
from tests.db.scoring.world import TEST_FROM, install, score, trained

DAYS = [TEST_FROM + dt.timedelta(days=i) for i in range(5)]


def test_monitoring_real_signals(synth_conn: psycopg.Connection, server: ServerHandle,
                                 synth_template: str) -> None:
    result = trained(server, synth_template)
    mid = install(synth_conn, result)
    for day in DAYS:
        assert score(synth_conn, day=day) > 0
        synth_conn.execute("SELECT modeling.monitor_day(%s)", (day,))
        synth_conn.commit()
    rows = synth_conn.execute(
        "SELECT day, races, pseudo_r2, model_pseudo_r2_priced, market_pseudo_r2, brier, "
        "baseline_brier, brier_ratio, ece, status FROM modeling.monitoring_daily "
        "WHERE model_id = %s ORDER BY day", (mid,)).fetchall()
    assert [r[0] for r in rows] == DAYS
    want = result.metrics["test"]["blend_on_priced"]["brier"]
    for day, races, r2, r2_priced, r2_market, brier, base, ratio, ece, status in rows:
        print(f"{day} races {races} pseudo-R2 {r2:.4f} (priced {r2_priced:.4f}, market "
              f"{r2_market:.4f}) Brier {brier:.5f} / baseline {base:.5f} = {ratio:.3f} "
              f"ECE {ece:.4f} {status}")
        assert base == pytest.approx(want) and ratio == pytest.approx(brier / want)
        assert races > 10 and r2 > 0 and status != "no_baseline"
    drift = synth_conn.execute("SELECT DISTINCT level FROM modeling.monitoring_drift "
                               "WHERE model_id = %s", (mid,)).fetchall()
    assert drift == [("no_reference",)]  # install() registers no reference
