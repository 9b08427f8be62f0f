"""Daily metrics (log loss, Brier, pseudo-R^2 for model and market, ECE) equal a plain-Python
computation from the same signals and results."""

from __future__ import annotations

import math

import psycopg
import pytest

from tests.db.monitoring.world import DAY, add_model, add_signals, python_metrics, results


def test_daily_metrics_match_an_independent_computation(synth_conn: psycopg.Connection) -> None:
    mid = add_model(synth_conn)
    add_signals(synth_conn, mid)
    won = results(synth_conn)
    sig = synth_conn.execute("SELECT race_id, horse_id, p_win, best_win_odds "
                             "FROM modeling.signals WHERE model_id = %s", (mid,)).fetchall()
    model_rows = [(r, p, won[(r, h)]) for r, h, p, _ in sig if (r, h) in won]
    priced = {r for r, *_ in sig} - {r for r, _, _, o in sig if o is None}
    market_rows = [(r, 1 / o, won[(r, h)]) for r, h, _, o in sig
                   if r in priced and (r, h) in won]
    want = python_metrics(model_rows)
    want_model_priced = python_metrics([x for x in model_rows if x[0] in priced])
    want_market = python_metrics(market_rows)

    cur = synth_conn.execute("SELECT (modeling.monitor_metrics(%s, %s)).*", (DAY, mid))
    got = dict(zip([d.name for d in cur.description or []], cur.fetchone() or (), strict=True))
    assert got["races"] == want["races"] > 10 and got["runners"] == want["runners"]
    for key in ("log_loss", "uniform_log_loss", "brier", "ece"):
        assert got[key] == pytest.approx(want[key], rel=1e-9), key
    assert got["pseudo_r2"] == pytest.approx(1 - want["log_loss"] / want["uniform_log_loss"])
    assert got["priced_races"] == want_market["races"] > 0
    assert got["market_log_loss"] == pytest.approx(want_market["log_loss"], rel=1e-9)
    assert got["market_brier"] == pytest.approx(want_market["brier"], rel=1e-9)
    assert got["market_pseudo_r2"] == pytest.approx(
        1 - want_market["log_loss"] / want_market["uniform_log_loss"], rel=1e-9)
    assert got["model_pseudo_r2_priced"] == pytest.approx(
        1 - want_model_priced["log_loss"] / want_model_priced["uniform_log_loss"], rel=1e-9)
    assert got["status"] == "no_baseline" and got["baseline_brier"] is None
    assert math.isfinite(got["log_loss"])

    # The calibration table partitions the same runners.
    bands = synth_conn.execute(
        "SELECT band_kind, sum(n), sum(n * mean_p), sum(n * win_rate) "
        "FROM modeling.monitoring_calibration WHERE model_id = %s AND day = %s "
        "GROUP BY band_kind ORDER BY 1", (mid, DAY)).fetchall()
    assert [b[0] for b in bands] == ["odds", "probability"]
    live = {r for r, _, w in model_rows if w}
    odds = {(r, h): o for r, h, _, o in sig}
    prob = bands[1]
    assert prob[1] == want["runners"]
    assert prob[3] == pytest.approx(sum(w for r, _, w in model_rows if r in live))
    assert bands[0][1] == sum(1 for (r, h) in won if r in live and odds.get((r, h)))
