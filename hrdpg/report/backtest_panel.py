"""Report section of the newest finished walk-forward backtest: pseudo-R2 per period of the
model, the closing market and the blend, and the model's calibration over all periods."""

from __future__ import annotations

from hrdpg.report import charts
from hrdpg.report.data import ReportData
from hrdpg.report.markup import section, table

SERIES = (("model", "model_pseudo_r2"), ("market", "market_pseudo_r2"),
          ("blend", "blend_pseudo_r2"))


def backtest(d: ReportData) -> str:
    if not d.backtest:
        return section("Walk-forward backtest", "<p>No finished backtest (`hrdpg backtest`).</p>")
    first = d.backtest[0]
    out = [
        charts.line_chart(
            f"backtest {first['name']} (run {first['run_id']}): pseudo-R2 per period",
            {label: [(r["period_from"], float(r[key])) for r in d.backtest]
             for label, key in SERIES},
            "period (its first day)", "pseudo-R2 (higher is better)"),
        charts.reliability_chart(
            "backtest: model calibration, deciles over all periods",
            [(r["mean_p"], r["win_rate"], r["n"]) for r in d.backtest_calibration]),
    ]
    return section("Walk-forward backtest", f'<div class="charts">{"".join(out)}</div>',
                   table(d.backtest, "", ("name",)))
