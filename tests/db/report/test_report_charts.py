"""`hrdpg report --out DIR` on a scored, monitored, bet and settled synthetic world: every chart
carries the numbers computed here independently in SQL (coverage by the deadline per day,
cumulative P&L, running CLV, log loss vs market, drift, limits), and a halt shows up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.report.world import DAYS, LAST, build, charts, model_label, one, values

WINDOW = 7


def report(settings: Settings, out: Path) -> str:
    """The report of the latest signals day (no --date) over WINDOW days."""
    assert main(["--dsn", settings.conninfo(), "report", "--days", str(WINDOW),
                 "--out", str(out)]) == 0
    return (out / "index.html").read_text()


def test_report_charts_hold_the_numbers(server: ServerHandle, synth_template: str,
                                        synth_db: Settings, synth_conn: psycopg.Connection,
                                        tmp_path: Path) -> None:
    mid = build(synth_conn, server, synth_template)
    first = LAST - dt.timedelta(days=WINDOW - 1)
    page = report(synth_db, tmp_path / "out")
    assert f"report — {LAST}" in page
    found = charts(page)

    shares = [synth_conn.execute("SELECT day, share FROM modeling.acceptance(%s)",
                                 (first + dt.timedelta(days=i),)).fetchone()
              for i in range(WINDOW)]
    synth_conn.rollback()  # acceptance() may write coverage alerts; the report is read-only
    coverage = one(found, "coverage:")
    assert [m for m in coverage if m.startswith("by the deadline")] == [
        f"by the deadline {d}: {s:.4f}" for d, s in (r or (None, None) for r in shares)
        if s is not None]
    at_all = synth_conn.execute(
        "SELECT r.race_date, avg((EXISTS (SELECT 1 FROM modeling.signals s WHERE s.alias = "
        "'production' AND s.race_id = r.race_id))::int) FROM racing.races r "
        "WHERE r.race_date BETWEEN %s AND %s GROUP BY 1 ORDER BY 1", (first, LAST)).fetchall()
    assert [m for m in coverage if m.startswith("at all")] == [
        f"at all {d}: {float(s):.4f}" for d, s in at_all]
    assert dict(at_all)[LAST] == 1  # published late that day, but published: not a blank day
    assert dict(r for r in shares if r)[DAYS[0]] >= 0.8 and dict(r for r in shares if r)[
        LAST] == 0  # published at 05:00 UTC vs only at 10:00

    pnl = synth_conn.execute(
        "SELECT sum(sum(pnl)) OVER w, sum(sum(clv_prob)) OVER w / sum(count(clv_prob)) OVER w, "
        "sum(sum(clv_odds)) OVER w / sum(count(clv_odds)) OVER w "
        "FROM modeling.bets WHERE status IN ('settled', 'void') AND race_date BETWEEN %s AND %s "
        "GROUP BY race_date WINDOW w AS (ORDER BY race_date) ORDER BY race_date",
        (first, LAST)).fetchall()
    assert len(pnl) == len(DAYS) - 1  # the last day's bets are pending
    assert values(one(found, "cumulative P&L")) == pytest.approx(
        [float(p) for p, _, _ in pnl], abs=1e-6)
    assert values(one(found, "running mean CLV, probability")) == pytest.approx(
        [c for _, c, _ in pnl], abs=1e-6)
    assert values(one(found, "running mean CLV, odds")) == pytest.approx(
        [c for _, _, c in pnl], abs=1e-6)

    daily = synth_conn.execute(
        "SELECT model_log_loss_priced, market_log_loss FROM modeling.monitoring_daily "
        "WHERE model_id = %s ORDER BY day", (mid,)).fetchall()
    assert len(daily) == len(DAYS)
    name = model_label(synth_conn, mid)
    marks = one(found, f"{name}: daily log loss")
    assert values([m for m in marks if m.startswith("model")]) == pytest.approx(
        [m for m, _ in daily], abs=1e-6)
    assert values([m for m in marks if m.startswith("market")]) == pytest.approx(
        [k for _, k in daily], abs=1e-6)

    psi = synth_conn.execute(
        "SELECT feature, psi FROM modeling.monitoring_drift WHERE day = %s AND psi IS NOT NULL "
        "ORDER BY psi DESC, feature LIMIT 15", (LAST,)).fetchall()
    assert psi and one(found, f"{name}: PSI") == [f"{f}: {p:.4f}" for f, p in psi]
    bands = synth_conn.execute("SELECT count(*) FROM modeling.monitoring_calibration WHERE "
                               "day = %s AND band_kind = 'probability'", (LAST,)).fetchone()
    assert bands and len(one(found, f"{name}: reliability")) == bands[0] > 0

    risk = synth_conn.execute(
        "SELECT (SELECT sum(stake) FROM modeling.bets WHERE status IN ('proposed', 'placed')) "
        "/ max_pending_exposure, (SELECT count(*) FROM modeling.bets WHERE race_date = %s "
        "AND status <> 'rejected')::numeric / max_bets_per_day FROM modeling.risk_limits "
        "WHERE profile = 'default'", (LAST,)).fetchone()
    assert risk is not None and risk[0] > 0
    limits = one(found, "profile default: share of limits")
    # as the report shows them: the float of each share (a Decimal formats a tie such as
    # 0.48895 half-even, its float 0.4889499... rounds down)
    limit_shares = [float(v) for v in risk]
    assert (f"pending exposure: {limit_shares[0]:.4f}" in limits
            and f"bets today: {limit_shares[1]:.4f}" in limits)
    assert "HALTED" not in page

    synth_conn.execute("UPDATE modeling.risk_limits SET halted = true, halted_at = now(), "
                       "halted_reason = 'test: manual review' WHERE profile = 'default'")
    synth_conn.commit()
    page = report(synth_db, tmp_path / "out")
    one(charts(page), "profile default: share of limits (HALTED)")
    assert "Profile default is HALTED" in page and "test: manual review" in page
