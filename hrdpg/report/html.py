"""Render ReportData as one self-contained HTML page (well-formed XHTML-style markup)."""

from __future__ import annotations

import datetime as dt
from html import escape

from hrdpg.report import panels, svg
from hrdpg.report.backtest_panel import backtest
from hrdpg.report.data import ReportData, Row
from hrdpg.report.markup import fmt, section, table

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:17px;border-bottom:1px solid #ccc;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 7px;
text-align:right}th{background:#f2f2f2}td.t{text-align:left}.critical{color:#b00;font-weight:600}
.warning,.major{color:#c60}.moderate{color:#a80}.muted{color:#777}.wide{overflow-x:auto}
.charts svg{margin:4px 12px 4px 0}
"""


def _monitoring(d: ReportData) -> str:
    charts = []
    for mid in sorted({r["model_id"] for r in d.trend}):
        mine = [r for r in d.trend if r["model_id"] == mid]
        x0 = min(r["day"] for r in mine)

        def pts(key: str, rows: list[Row] = mine, start: dt.date = x0) -> list[tuple[float,
                                                                                   float]]:
            return [(float((r["day"] - start).days), float(r[key])) for r in rows
                    if r[key] is not None]
        charts.append(svg.lines(f"model {mid}: daily log loss vs market",
                                {"model (priced races)": pts("model_log_loss_priced"),
                                 "market": pts("market_log_loss")},
                                f"days from {x0}", "log loss"))
    return section("Model monitoring", table(d.monitoring, "No monitoring for this day "
                                             "(no results yet, or the job has not run).",
                                             ("status",)),
                   f'<div class="charts">{"".join(charts)}</div>')


def _calibration(d: ReportData) -> str:
    charts = []
    for mid in sorted({r["model_id"] for r in d.calibration}):
        pts = [(r["mean_p"], r["win_rate"], r["n"]) for r in d.calibration
               if r["model_id"] == mid and r["band_kind"] == "probability"]
        charts.append(svg.reliability(f"model {mid}: reliability", pts))
    return section("Calibration", f'<div class="charts">{"".join(charts)}</div>',
                   table(d.calibration, "No calibration table for this day.", ("band_kind",)))


def _drift(d: ReportData) -> str:
    charts = []
    for mid in sorted({r["model_id"] for r in d.drift}):
        vals = [(r["feature"], r["psi"]) for r in d.drift
                if r["model_id"] == mid and r["psi"] is not None][:15]
        charts.append(svg.bars(f"model {mid}: PSI by feature (0.1 / 0.25)", vals, [0.1, 0.25]))
    return section("Feature drift", f'<div class="charts">{"".join(charts)}</div>',
                   table(d.drift, "No drift computed for this day.", ("feature", "level")))


def render(d: ReportData) -> str:
    body = "".join([
        f"<h1>hrdpg daily report — {d.day}</h1>",
        f'<p class="muted">Generated {escape(fmt(d.generated_at))} from the database; '
        "self-contained (no scripts, no network).</p>",
        panels.coverage(d),
        section("Top signals by edge (production, newest per race)",
                table(d.signals, "No production signals for this day.",
                      text_cols=("horse", "jockey", "trainer"))),
        _monitoring(d), _calibration(d), _drift(d), backtest(d),
        section("Open alerts", table(d.alerts, "No open alerts.",
                                     ("severity", "category", "message"))),
        panels.bets(d), panels.risk(d),
    ])
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
            f"<title>hrdpg report {d.day}</title><style>{CSS}</style></head>"
            f"<body>{body}</body></html>\n")
