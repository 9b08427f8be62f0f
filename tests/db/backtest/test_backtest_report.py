"""The HTML report plots the newest backtest: per-period pseudo-R2 and the calibration deciles."""

from __future__ import annotations

import datetime as dt

import psycopg

from hrdpg.report import data, html
from tests.db.backtest.conftest import Backtested


def test_report_plots_the_latest_backtest(backtested: Backtested) -> None:
    with psycopg.connect(backtested.conninfo) as conn:
        page = html.render(data.load(conn, dt.date(2019, 5, 30)))
        periods = conn.execute(
            "SELECT period_from, model_pseudo_r2, market_pseudo_r2, blend_pseudo_r2"
            " FROM modeling.backtest_periods WHERE run_id = %s ORDER BY period_no",
            (backtested.run_id,)).fetchall()
        deciles = conn.execute(
            "SELECT (d->>'mean_p')::float8, (d->>'win_rate')::float8, (d->>'n')::int"
            " FROM modeling.backtest_runs, jsonb_array_elements(overall #> "
            "'{calibration,deciles}') d WHERE run_id = %s", (backtested.run_id,)).fetchall()
    assert "<h2>Walk-forward backtest</h2>" in page
    assert f"backtest wf (run {backtested.run_id}): pseudo-R2 per period" in page
    for day, model, market, blend in periods:
        for name, value in (("model", model), ("market", market), ("blend", blend)):
            assert f"<title>{name} {day.isoformat()}: {value:.6f}</title>" in page
    assert len(deciles) == 10
    for mean_p, win_rate, n in deciles:
        assert f"<title>p {mean_p:.3f}, won {win_rate:.3f}, n {n}</title>" in page
