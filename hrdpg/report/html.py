"""Render ReportData as one self-contained HTML page (well-formed XHTML-style markup)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from html import escape
from typing import Any

from hrdpg.report import svg
from hrdpg.report.data import ReportData, Row

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:17px;border-bottom:1px solid #ccc;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 7px;
text-align:right}th{background:#f2f2f2}td.t{text-align:left}.critical{color:#b00;font-weight:600}
.warning,.major{color:#c60}.moderate{color:#a80}.muted{color:#777}.wide{overflow-x:auto}
.charts svg{margin:4px 12px 4px 0}
"""


def fmt(v: Any, digits: int = 4) -> str:
    """The one number format of the report (tests look numbers up in it)."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    if isinstance(v, Decimal):
        return f"{v:.2f}"
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M %Z").strip()
    return str(v)


def table(rows: Sequence[Row], empty: str, text_cols: Sequence[str] = ()) -> str:
    if not rows:
        return f'<p class="muted">{escape(empty)}</p>'
    cols = list(rows[0])
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            classes = ["t"] if c in text_cols else []
            if c in ("status", "severity", "level") and r[c]:
                classes.append(escape(str(r[c])))
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{escape(fmt(r[c]))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="wide"><table><tr>{head}</tr>{"".join(body)}</table></div>'


def section(title: str, *parts: str) -> str:
    return f"<h2>{escape(title)}</h2>" + "".join(parts)


def _coverage(d: ReportData) -> str:
    c = d.coverage[0] if d.coverage else {"races": 0, "covered": 0}
    share = c["covered"] / c["races"] if c["races"] else None
    line = (f"<p>{c['covered']} of {c['races']} races have production signals"
            f"{f' ({share:.1%})' if share is not None else ''}.</p>")
    return section("Coverage and acceptance", line,
                   table(d.acceptance, "No acceptance check recorded for this day.",
                         ("job", "status", "error")))


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


def _bets(d: ReportData) -> str:
    chart = ""
    if d.pnl_trend:
        total, pts = 0.0, []
        x0 = d.pnl_trend[0]["day"]
        for r in d.pnl_trend:
            total += float(r["pnl"])
            pts.append((float((r["day"] - x0).days), total))
        chart = svg.lines("cumulative P&L", {"P&L": pts}, f"days from {x0}", "P&L")
    return section("Bets, P&L and CLV", table(d.bets, "No bets recorded for this day.",
                                              ("status",)), chart)


def render(d: ReportData) -> str:
    body = "".join([
        f"<h1>hrdpg daily report — {d.day}</h1>",
        f'<p class="muted">Generated {escape(fmt(d.generated_at))} from the database; '
        "self-contained (no scripts, no network).</p>",
        _coverage(d),
        section("Top signals by edge (production, newest per race)",
                table(d.signals, "No production signals for this day.")),
        _monitoring(d), _calibration(d), _drift(d),
        section("Open alerts", table(d.alerts, "No open alerts.",
                                     ("severity", "category", "message"))),
        _bets(d),
    ])
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
            f"<title>hrdpg report {d.day}</title><style>{CSS}</style></head>"
            f"<body>{body}</body></html>\n")
