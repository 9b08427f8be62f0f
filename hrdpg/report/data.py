"""What the report shows, read in one transaction; every section tolerates empty tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import psycopg

Row = dict[str, Any]
TREND_DAYS = 30
TOP_SIGNALS = 40


def rows(conn: psycopg.Connection, query: str, params: dict[str, Any]) -> list[Row]:
    cur = conn.execute(query.encode(), params)
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


@dataclass
class ReportData:
    day: dt.date
    generated_at: dt.datetime
    coverage: list[Row] = field(default_factory=list)
    acceptance: list[Row] = field(default_factory=list)
    signals: list[Row] = field(default_factory=list)
    monitoring: list[Row] = field(default_factory=list)
    trend: list[Row] = field(default_factory=list)
    calibration: list[Row] = field(default_factory=list)
    drift: list[Row] = field(default_factory=list)
    alerts: list[Row] = field(default_factory=list)
    bets: list[Row] = field(default_factory=list)
    pnl_trend: list[Row] = field(default_factory=list)


QUERIES: dict[str, str] = {
    "coverage": """
        SELECT count(*) AS races,
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM modeling.signals s WHERE s.alias = 'production'
                      AND s.race_date = r.race_date AND s.race_id = r.race_id)) AS covered
          FROM modeling.src_races r WHERE r.race_date = %(day)s""",
    "acceptance": """
        SELECT r.job, r.status, r.attempted_at, r.result ->> 'share' AS share,
               r.result ->> 'passed' AS passed, r.error
          FROM modeling.schedule_runs r JOIN modeling.schedule s USING (job)
         WHERE s.kind = 'monitoring' AND coalesce(s.params ->> 'check', 'acceptance')
               = 'acceptance' AND r.local_day = %(day)s ORDER BY r.job""",
    "signals": """
        SELECT s.off_time, s.race_id, s.horse_id, s.model_id, s.p_win, s.fair_win_odds,
               s.best_win_odds, s.edge_win, s.as_of
          FROM modeling.latest_signals s WHERE s.race_date = %(day)s
         ORDER BY s.edge_win DESC NULLS LAST, s.race_id, s.horse_id LIMIT %(top)s""",
    "monitoring": """
        SELECT model_id, races, runners, log_loss, market_log_loss, pseudo_r2,
               model_pseudo_r2_priced, market_pseudo_r2, brier, market_brier, ece,
               baseline_brier, brier_ratio, status
          FROM modeling.monitoring_daily WHERE day = %(day)s ORDER BY model_id""",
    "trend": """
        SELECT model_id, day, log_loss, model_log_loss_priced, market_log_loss, brier
          FROM modeling.monitoring_daily
         WHERE day BETWEEN %(day)s - %(trend)s AND %(day)s ORDER BY model_id, day""",
    "calibration": """
        SELECT model_id, band_kind, lo, hi, n, mean_p, win_rate, market_mean_p
          FROM modeling.monitoring_calibration WHERE day = %(day)s
         ORDER BY model_id, band_kind DESC, band""",
    "drift": """
        SELECT model_id, feature, window_days, n, null_share, psi, ks, level
          FROM modeling.monitoring_drift WHERE day = %(day)s
         ORDER BY model_id, psi DESC NULLS LAST, feature""",
    "alerts": """
        SELECT alert_id, severity, category, message, suppressed_count AS repeats,
               created_at, last_seen_at, delivered_at IS NOT NULL AS delivered
          FROM modeling.alerts WHERE acknowledged_at IS NULL
         ORDER BY array_position(ARRAY['critical', 'warning', 'info'], severity), alert_id DESC
         LIMIT 100""",
    "bets": """
        SELECT status, count(*) AS bets, sum(stake) AS staked, sum(pnl) AS pnl,
               avg(clv_prob) AS avg_clv_prob, avg(clv_odds) AS avg_clv_odds
          FROM modeling.bets WHERE race_date = %(day)s GROUP BY status ORDER BY status""",
    "pnl_trend": """
        SELECT race_date AS day, sum(pnl) AS pnl, avg(clv_prob) AS avg_clv_prob
          FROM modeling.bets
         WHERE race_date BETWEEN %(day)s - %(trend)s AND %(day)s AND pnl IS NOT NULL
         GROUP BY race_date ORDER BY race_date""",
}


def load(conn: psycopg.Connection, day: dt.date) -> ReportData:
    params = {"day": day, "trend": TREND_DAYS, "top": TOP_SIGNALS}
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        now = conn.execute("SELECT now()").fetchone()
        data = ReportData(day=day, generated_at=now[0] if now else dt.datetime.now(dt.UTC))
        for name, query in QUERIES.items():
            setattr(data, name, rows(conn, query, params))
    return data
