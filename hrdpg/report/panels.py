"""Report sections on operations: coverage per day, bets with cumulative P&L and CLV, open risk."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from hrdpg.report import svg
from hrdpg.report.data import ReportData, Row
from hrdpg.report.markup import fmt, section, table

# Share-of-limit bars: orange from 80 % of a limit, red at the limit.
LIMIT_MARKS = (0.8, 1.0)


def coverage(d: ReportData) -> str:
    c = d.coverage[0] if d.coverage else {"races": 0, "covered": 0}
    share = c["covered"] / c["races"] if c["races"] else None
    line = (f"<p>{c['covered']} of {c['races']} races have production signals"
            f"{f' ({share:.1%})' if share is not None else ''}.</p>")
    chart = ""
    if any(r["races"] for r in d.coverage_trend):
        t = d.coverage_trend
        values = [(str(r["day"]), r["covered"] / r["races"] if r["races"] else None)
                  for r in t]
        chart = svg.columns("coverage by the acceptance deadline", values, 1.0,
                            float(t[-1]["goal"]), f"{t[0]['day']} to {t[-1]['day']}",
                            "share of races")
    return section("Coverage and acceptance", line, f'<div class="charts">{chart}</div>',
                   table(d.acceptance, "No acceptance check recorded for this day.",
                         ("job", "status", "error")))


def pnl_rows(trend: list[Row]) -> list[Row]:
    """Window rows with cumulative P&L and the running mean CLV of all settled bets so far."""
    out: list[Row] = []
    total = Decimal(0)
    sums = {"prob": [0, 0.0], "odds": [0, 0.0]}  # bets with a CLV, sum of CLV
    for r in trend:
        total += r["pnl"] or 0
        row: Row = {"day": r["day"], "pnl": r["pnl"], "cumulative_pnl": total,
                    "staked": r["staked"], "clv_bets": r["clv_prob_bets"]}
        for kind, acc in sums.items():
            acc[0] += r[f"clv_{kind}_bets"]
            acc[1] += r[f"clv_{kind}_sum"] or 0.0
            row[f"running_clv_{kind}"] = acc[1] / acc[0] if acc[0] else None
        out.append(row)
    return out


def bets(d: ReportData) -> str:
    charts = []
    rows = pnl_rows(d.pnl_trend)
    if rows:
        x0 = rows[0]["day"]
        charts.append(svg.lines(
            "cumulative P&L (all profiles)",
            {"P&L": [(float((r["day"] - x0).days), float(r["cumulative_pnl"])) for r in rows]},
            f"days from {x0}", "P&L"))
        clv = {k: [(float((r["day"] - x0).days), float(r[f"running_clv_{k}"])) for r in rows
                   if r[f"running_clv_{k}"] is not None] for k in ("odds", "prob")}
        # Separate charts: odds-terms CLV is an order of magnitude above probability terms.
        for kind, name in (("prob", "probability"), ("odds", "odds")):
            if clv[kind]:
                charts.append(svg.lines(f"running mean CLV, {name} terms", {name: clv[kind]},
                                        f"days from {x0}", "CLV"))
    return section("Bets, P&L and CLV",
                   table(d.bets, "No bets recorded for this day.", ("status",)),
                   f'<div class="charts">{"".join(charts)}</div>',
                   table(rows, f"No settled bets in the {d.window_days} days to {d.day}."))


def limit_use(r: Row) -> list[tuple[str, float]]:
    """Each checked figure as a share of its limit (1.0 = at the limit)."""
    loss = max(-Decimal(r["day_pnl"]), Decimal(0))
    floor_use = (r["bankroll_floor"] / r["bankroll_now"] if r["bankroll_now"] > 0
                 else Decimal(LIMIT_MARKS[-1]) * 2)
    return [("pending exposure", float(r["pending_exposure"] / r["max_pending_exposure"])),
            ("stake today", float(r["day_stake"] / r["max_stake_per_day"])),
            ("bets today", r["day_bets"] / r["max_bets_per_day"]),
            ("loss today", float(loss / r["daily_loss_limit"])),
            ("floor / bankroll", float(floor_use))]


def risk(d: ReportData) -> str:
    notes, charts = [], []
    for r in d.risk:
        if r["halted"]:
            notes.append(f'<p class="critical">Profile {escape(r["profile"])} is HALTED since '
                         f'{escape(fmt(r["halted_at"]))}: {escape(r["halted_reason"] or "")}. '
                         "Betting resumes only after SELECT modeling.resume_betting("
                         f"'{escape(r['profile'])}').</p>")
        charts.append(svg.bars(
            f"profile {r['profile']}: share of limits{' (HALTED)' if r['halted'] else ''}",
            limit_use(r), LIMIT_MARKS, "limit"))
    return section("Open risk", "".join(notes), f'<div class="charts">{"".join(charts)}</div>',
                   table(d.risk, "No risk profile in modeling.risk_limits.",
                         ("profile", "halted_reason")))
