"""Report sections on operations: coverage per day, bets with cumulative P&L and CLV, open risk."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from hrdpg.report import charts
from hrdpg.report.charts import BAD, WARN, Ref
from hrdpg.report.data import ReportData, Row
from hrdpg.report.markup import fmt, section, table

# Share-of-limit bars: orange from 80 % of a limit, red at the limit.
LIMIT_MARKS = (0.8, 1.0)
LIMIT_REFS = (Ref(LIMIT_MARKS[0], "80% of a limit", WARN), Ref(LIMIT_MARKS[1], "at the limit",
                                                              BAD))


def coverage(d: ReportData) -> str:
    c = d.coverage[0] if d.coverage else {"races": 0, "covered": 0}
    today = c["covered"] / c["races"] if c["races"] else None
    line = (f"<p>{c['covered']} of {c['races']} races have production signals"
            f"{f' ({today:.1%})' if today is not None else ''}.</p>")
    t = d.coverage_trend
    chart = charts.coverage_chart(
        "coverage: share of races with production signals by the acceptance deadline",
        [r["day"] for r in t], [share(r, "covered") for r in t],
        [share(r, "covered_any") for r in t], float(t[-1]["goal"]) if t else 0.8)
    return section("Coverage and acceptance", line, f'<div class="charts">{chart}</div>',
                   table(d.acceptance, "No acceptance check recorded for this day.",
                         ("job", "status", "error")))


def share(r: Row, key: str) -> float | None:
    """The day's share of races counted in key; None when the day has no racing."""
    races: int = r["races"]
    return r[key] / races if races else None


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
    charts_out: list[str] = []
    rows = pnl_rows(d.pnl_trend)
    if rows:
        charts_out.append(charts.line_chart(
            "cumulative P&L (all profiles)",
            {"P&L": [(r["day"], float(r["cumulative_pnl"])) for r in rows]},
            "race date", "cumulative P&L (stake units)", (Ref(0.0, "break-even"),)))
        # Separate charts: odds-terms CLV is an order of magnitude above probability terms.
        for kind, name in (("prob", "probability"), ("odds", "odds")):
            clv = [(r["day"], float(r[f"running_clv_{kind}"])) for r in rows
                   if r[f"running_clv_{kind}"] is not None]
            if clv:
                charts_out.append(charts.line_chart(
                    f"running mean CLV, {name} terms", {name: clv}, "race date",
                    f"mean CLV ({name} terms)", (Ref(0.0, "no edge on the close"),)))
    return section("Bets, P&L and CLV",
                   table(d.bets, "No bets recorded for this day.", ("status",)),
                   f'<div class="charts">{"".join(charts_out)}</div>',
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
    notes, out = [], []
    for r in d.risk:
        if r["halted"]:
            notes.append(f'<p class="critical">Profile {escape(r["profile"])} is HALTED since '
                         f'{escape(fmt(r["halted_at"]))}: {escape(r["halted_reason"] or "")}. '
                         "Betting resumes only after SELECT modeling.resume_betting("
                         f"'{escape(r['profile'])}').</p>")
        out.append(charts.hbar_chart(
            f"profile {r['profile']}: share of limits{' (HALTED)' if r['halted'] else ''}",
            limit_use(r), "share of the limit (1 = at the limit)", "checked figure",
            LIMIT_REFS))
    return section("Open risk", "".join(notes), f'<div class="charts">{"".join(out)}</div>',
                   table(d.risk, "No risk profile in modeling.risk_limits.",
                         ("profile", "halted_reason")))
