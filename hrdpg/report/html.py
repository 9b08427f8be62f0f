"""Render ReportData as one self-contained HTML page (well-formed XHTML-style markup)."""

from __future__ import annotations

from html import escape

from hrdpg.report import charts, panels
from hrdpg.report.backtest_panel import backtest
from hrdpg.report.charts import BAD, WARN, Ref
from hrdpg.report.data import ReportData
from hrdpg.report.markup import fmt, section, table

# Narrow screens (a phone is ~390 px): charts shrink to the column, tables become cards.
CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;padding:0 16px;color:#222;
max-width:1200px}
h1{font-size:22px}h2{font-size:17px;border-bottom:1px solid #ccc;margin-top:28px}
table{border-collapse:collapse;margin:8px 0;max-width:100%}td,th{border:1px solid #ddd;
padding:3px 7px;text-align:right;overflow-wrap:break-word}th{background:#f2f2f2}
td.t{text-align:left}.critical{color:#b00;font-weight:600}.warning,.major{color:#c60}
.moderate{color:#a80}.muted{color:#777}
.charts{display:flex;flex-wrap:wrap;gap:8px 24px}
figure.chart{margin:8px 0;flex:0 1 480px;min-width:0}
figure.chart svg{display:block;width:100%;height:auto}
figcaption{font-weight:600;font-size:13px}
@media (max-width:720px){
body{margin:12px auto;padding:0 8px}
table.rows,table.rows tbody,table.rows tr,table.rows td{display:block}
table.rows thead{display:none}
table.rows tr{border:1px solid #ccc;margin:0 0 8px}
table.rows td{border:0;border-bottom:1px solid #eee;padding-left:46%;position:relative;
min-height:1.4em}
table.rows td::before{content:attr(data-label);position:absolute;left:6px;width:42%;
text-align:left;font-weight:600;color:#555}
}
"""
# Population stability index marks (the drift levels of modeling.monitoring_drift).
PSI_REFS = (Ref(0.1, "PSI 0.1: moderate drift", WARN), Ref(0.25, "PSI 0.25: major drift", BAD))
TOP_FEATURES = 15


def _monitoring(d: ReportData) -> str:
    out = []
    for model in sorted({r["model"] for r in d.trend}):
        mine = [r for r in d.trend if r["model"] == model]
        out.append(charts.line_chart(
            f"{model}: daily log loss vs market",
            {"model (priced races)": [(r["day"], r["model_log_loss_priced"]) for r in mine
                                      if r["model_log_loss_priced"] is not None],
             "market": [(r["day"], r["market_log_loss"]) for r in mine
                        if r["market_log_loss"] is not None]},
            "race date", "log loss (lower is better)"))
    return section("Model monitoring", table(d.monitoring, "No monitoring for this day "
                                             "(no results yet, or the job has not run).",
                                             ("model", "status")),
                   f'<div class="charts">{"".join(out)}</div>')


def _calibration(d: ReportData) -> str:
    out = []
    for model in sorted({r["model"] for r in d.calibration}):
        bands = [(r["mean_p"], r["win_rate"], r["n"]) for r in d.calibration
                 if r["model"] == model and r["band_kind"] == "probability"]
        out.append(charts.reliability_chart(f"{model}: reliability (dot area by runners)",
                                            bands))
    return section("Calibration", f'<div class="charts">{"".join(out)}</div>',
                   table(d.calibration, "No calibration table for this day.",
                         ("model", "band_kind")))


def _drift(d: ReportData) -> str:
    out = []
    for model in sorted({r["model"] for r in d.drift}):
        vals = [(r["feature"], r["psi"]) for r in d.drift
                if r["model"] == model and r["psi"] is not None][:TOP_FEATURES]
        out.append(charts.hbar_chart(f"{model}: PSI by feature (top {TOP_FEATURES})", vals,
                                     "population stability index", "feature", PSI_REFS))
    return section("Feature drift", f'<div class="charts">{"".join(out)}</div>',
                   table(d.drift, "No drift computed for this day.",
                         ("model", "feature", "level")))


def render(d: ReportData) -> str:
    body = "".join([
        f"<h1>hrdpg daily report — {d.day}</h1>",
        f'<p class="muted">Generated {escape(fmt(d.generated_at))} from the database; '
        "self-contained (no scripts, no network).</p>",
        panels.coverage(d),
        section("Top signals by edge (production, newest per race)",
                table(d.signals, "No production signals for this day.",
                      text_cols=("course", "race", "horse", "jockey", "trainer", "model"))),
        _monitoring(d), _calibration(d), _drift(d), backtest(d),
        section("Open alerts", table(d.alerts, "No open alerts.",
                                     ("severity", "category", "message"))),
        panels.bets(d), panels.risk(d),
    ])
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
            '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
            f"<title>hrdpg report {d.day}</title><style>{CSS}</style></head>"
            f"<body>{body}</body></html>\n")
