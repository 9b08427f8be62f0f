"""The stored per-period figures equal a recomputation from the signals, results and odds."""

from __future__ import annotations

import psycopg
import pytest

from hrdpg.trainer.metrics import BAND_EDGES
from tests.db.backtest import recompute
from tests.db.backtest.conftest import Backtested


def test_stored_period_figures_equal_an_independent_recomputation(
        backtested: Backtested) -> None:
    with psycopg.connect(backtested.conninfo) as conn:
        stored = conn.execute(
            "SELECT model_id, period_from, period_to, races, model_log_loss, market_log_loss,"
            " blend_log_loss, model_pseudo_r2, market_pseudo_r2, blend_pseudo_r2,"
            " model_minus_market, blend_minus_market, model_minus_market_lo,"
            " model_minus_market_hi, blend_minus_market_lo, blend_minus_market_hi, ece,"
            " calibration, blend_weights FROM modeling.backtest_periods WHERE run_id = %s"
            " ORDER BY period_no", (backtested.run_id,)).fetchall()
        assert len(stored) == 2
        for (model_id, lo, hi, races, m_ll, k_ll, b_ll, m_r2, k_r2, b_r2, mm, bm, mm_lo, mm_hi,
             bm_lo, bm_hi, ece, deciles, weights) in stored:
            rs = recompute.races_of(conn, model_id, lo, hi)
            fits = recompute.cross_fit(rs)
            f = recompute.figures(rs, BAND_EDGES.tolist())
            assert races == f["races"] > 100
            assert (m_ll, k_ll, m_r2, k_r2) == pytest.approx(
                (f["p"]["log_loss"], f["market"]["log_loss"], f["p"]["pseudo_r2"],
                 f["market"]["pseudo_r2"]), abs=1e-12)
            assert [x for w in weights for x in (w["alpha"], w["beta"])] == pytest.approx(
                [x for fit in fits for x in fit], abs=1e-5)
            assert (b_ll, b_r2) == pytest.approx(
                (f["blend"]["log_loss"], f["blend"]["pseudo_r2"]), abs=1e-7)
            assert (mm, bm) == pytest.approx((m_r2 - k_r2, b_r2 - k_r2), abs=1e-12)
            assert mm_lo < mm < mm_hi and bm_lo < bm < bm_hi
            assert ece == pytest.approx(f["ece"], abs=1e-12)
            assert [x for d in deciles for x in (d["mean_p"], d["win_rate"])] == pytest.approx(
                [x for pair in f["deciles"] for x in pair], abs=1e-12)


def test_overall_figures_pool_the_periods(backtested: Backtested) -> None:
    with psycopg.connect(backtested.conninfo) as conn:
        rs = []
        for r in backtested.periods:
            part = recompute.races_of(conn, r.model_id, r.period.date_from, r.period.date_to)
            recompute.cross_fit(part)  # each period's blend is fitted inside that period
            rs += part
    f = recompute.figures(rs, BAND_EDGES.tolist())
    o = backtested.overall
    assert o["races"] == f["races"] == sum(r.summary["races"] for r in backtested.periods)
    assert (o["model"]["pseudo_r2"], o["market"]["pseudo_r2"]) == pytest.approx(
        (f["p"]["pseudo_r2"], f["market"]["pseudo_r2"]), abs=1e-12)
    assert o["blend"]["pseudo_r2"] == pytest.approx(f["blend"]["pseudo_r2"], abs=1e-7)
    with psycopg.connect(backtested.conninfo) as conn:
        row = conn.execute("SELECT status, overall #>> '{blend_minus_market,pseudo_r2}'"
                           " FROM modeling.backtest_runs WHERE run_id = %s",
                           (backtested.run_id,)).fetchone()
    assert row is not None and row[0] == "ok"
    assert float(row[1]) == pytest.approx(f["blend"]["pseudo_r2"] - f["market"]["pseudo_r2"],
                                          abs=1e-7)
