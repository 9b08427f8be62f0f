"""What the report shows, read in one transaction; every section tolerates empty tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import psycopg

Row = dict[str, Any]
WINDOW_DAYS = 30
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
    models: list[Row] = field(default_factory=list)
    alerts: list[Row] = field(default_factory=list)
    bets: list[Row] = field(default_factory=list)
    pnl_trend: list[Row] = field(default_factory=list)
    coverage_trend: list[Row] = field(default_factory=list)
    risk: list[Row] = field(default_factory=list)
    backtest: list[Row] = field(default_factory=list)
    backtest_calibration: list[Row] = field(default_factory=list)
    window_days: int = WINDOW_DAYS


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
    # Names by a lateral probe per row (OFFSET 0: see hrdpg/scoring_client.py); a race without
    # a published name is shown by its id.
    "signals": """
        SELECT s.off_time, r.course, coalesce(d.race_name, '#' || s.race_id) AS race,
               coalesce(n.horse_name, s.horse_id::text) AS horse,
               n.jockey_name AS jockey, n.trainer_name AS trainer, s.model_id,
               s.p_win, s.fair_win_odds, s.best_win_odds, s.edge_win, s.as_of
          FROM modeling.latest_signals s
          LEFT JOIN LATERAL (SELECT * FROM modeling.src_runner_names n WHERE n.race_id = s.race_id
                             AND n.horse_id = s.horse_id OFFSET 0) n ON true
          LEFT JOIN LATERAL (SELECT course FROM modeling.src_races r
                              WHERE r.race_id = s.race_id OFFSET 0) r ON true
          LEFT JOIN LATERAL (SELECT race_name FROM modeling.src_race_details d
                              WHERE d.race_id = s.race_id OFFSET 0) d ON true
         WHERE s.race_date = %(day)s
         ORDER BY s.edge_win DESC NULLS LAST, s.race_id, s.horse_id LIMIT %(top)s""",
    "monitoring": """
        SELECT model_id, races, runners, log_loss, market_log_loss, pseudo_r2,
               model_pseudo_r2_priced, market_pseudo_r2, brier, market_brier, ece,
               baseline_brier, brier_ratio, status
          FROM modeling.monitoring_daily WHERE day = %(day)s ORDER BY model_id""",
    "trend": """
        SELECT model_id, day, log_loss, model_log_loss_priced, market_log_loss, brier
          FROM modeling.monitoring_daily
         WHERE day BETWEEN %(first)s AND %(day)s ORDER BY model_id, day""",
    "calibration": """
        SELECT model_id, band_kind, lo, hi, n, mean_p, win_rate, market_mean_p
          FROM modeling.monitoring_calibration WHERE day = %(day)s
         ORDER BY model_id, band_kind DESC, band""",
    "drift": """
        SELECT model_id, feature, window_days, n, null_share, psi, ks, level
          FROM modeling.monitoring_drift WHERE day = %(day)s
         ORDER BY model_id, psi DESC NULLS LAST, feature""",
    # A model as people name it (the registry's name and version): load() shows it for model_id.
    "models": """
        SELECT model_id, name || ':' || version AS model FROM modeling.models""",
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
    # Per race day of the window, every profile: realised P&L and the sums behind a running
    # mean CLV (the chart accumulates them).
    "pnl_trend": """
        SELECT race_date AS day,
               sum(pnl) FILTER (WHERE status IN ('settled', 'void')) AS pnl,
               sum(stake) FILTER (WHERE status = 'settled') AS staked,
               count(clv_prob) FILTER (WHERE status = 'settled') AS clv_prob_bets,
               count(clv_odds) FILTER (WHERE status = 'settled') AS clv_odds_bets,
               sum(clv_prob) FILTER (WHERE status = 'settled') AS clv_prob_sum,
               sum(clv_odds) FILTER (WHERE status = 'settled') AS clv_odds_sum
          FROM modeling.bets
         WHERE race_date BETWEEN %(first)s AND %(day)s AND status IN ('settled', 'void')
         GROUP BY race_date ORDER BY race_date""",
    # The morning acceptance of each day of the window, computed the way modeling.acceptance
    # does (that function writes alerts, so it cannot run in this read-only snapshot), and the
    # races with production signals at all: a backfill or a late run publishes after the
    # deadline, and the chart shows that rather than an empty day.
    "coverage_trend": """
        WITH job AS (
            SELECT local_time, tz, goal FROM (
                SELECT s.local_time, s.tz, coalesce((s.params ->> 'goal')::float8, 0.8) AS goal,
                       0 AS pick, s.job
                  FROM modeling.schedule s WHERE s.kind = 'monitoring'
                   AND coalesce(s.params ->> 'check', 'acceptance') = 'acceptance'
                UNION ALL SELECT time '08:05', 'Europe/Madrid', 0.8, 1, '') j
             ORDER BY pick, job LIMIT 1),
        days AS (
            SELECT d::date AS day, (d::date + j.local_time) AT TIME ZONE j.tz AS deadline,
                   j.goal
              FROM job j, generate_series(%(first)s::date, %(day)s::date, interval '1 day') d)
        SELECT d.day, d.deadline, d.goal, count(r.race_id) AS races,
               count(r.race_id) FILTER (WHERE EXISTS (
                   SELECT 1 FROM modeling.signals s WHERE s.alias = 'production'
                      AND s.race_date = r.race_date AND s.race_id = r.race_id
                      AND s.as_of <= d.deadline)) AS covered,
               count(r.race_id) FILTER (WHERE EXISTS (
                   SELECT 1 FROM modeling.signals s WHERE s.alias = 'production'
                      AND s.race_date = r.race_date AND s.race_id = r.race_id)) AS covered_any
          FROM days d LEFT JOIN modeling.src_races r ON r.race_date = d.day
         GROUP BY d.day, d.deadline, d.goal ORDER BY d.day""",
    # Open risk per profile: the figures modeling.propose_bets checks (the same reader,
    # modeling.risk_state), next to their limits.
    "risk": """
        SELECT s.profile, s.halted, s.halted_at, s.halted_reason, s.bankroll, s.bankroll_now,
               s.bankroll_floor, s.pending AS pending_exposure, s.max_pending_exposure,
               s.day_stake, s.max_stake_per_day, s.day_bets, s.max_bets_per_day,
               s.realised_today AS day_pnl, s.daily_loss_limit
          FROM modeling.risk_limits l
         CROSS JOIN LATERAL modeling.risk_state(l.profile, %(day)s) s
         ORDER BY s.profile""",
    # The newest finished walk-forward backtest (hrdpg backtest): per period and its deciles.
    "backtest": """
        SELECT p.run_id, r.name, p.period_no, p.period_from, p.period_to, p.train_to,
               p.model_id, p.races, p.model_pseudo_r2, p.market_pseudo_r2, p.blend_pseudo_r2,
               p.blend_minus_market, p.blend_minus_market_lo, p.blend_minus_market_hi, p.ece
          FROM modeling.backtest_periods p JOIN modeling.backtest_runs r USING (run_id)
         WHERE p.run_id = (SELECT max(run_id) FROM modeling.backtest_runs WHERE status = 'ok')
         ORDER BY p.period_no""",
    "backtest_calibration": """
        SELECT (d ->> 'mean_p')::float8 AS mean_p, (d ->> 'win_rate')::float8 AS win_rate,
               (d ->> 'n')::int AS n
          FROM modeling.backtest_runs r
         CROSS JOIN LATERAL jsonb_array_elements(r.overall #> '{calibration,deciles}') d
         WHERE r.run_id = (SELECT max(run_id) FROM modeling.backtest_runs WHERE status = 'ok')
         ORDER BY (d ->> 'mean_p')::float8""",
}


def latest_day(conn: psycopg.Connection) -> dt.date:
    """The newest race day with production signals (today, server time, when there is none)."""
    row = conn.execute("SELECT coalesce(max(race_date), current_date) FROM modeling.signals "
                       "WHERE alias = 'production'").fetchone()
    conn.commit()
    assert row is not None
    day: dt.date = row[0]
    return day


def load(conn: psycopg.Connection, day: dt.date, days: int = WINDOW_DAYS) -> ReportData:
    """Everything the report shows for day, trends over the days-long window ending on it."""
    params = {"day": day, "first": day - dt.timedelta(days=days - 1), "top": TOP_SIGNALS}
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        now = conn.execute("SELECT now()").fetchone()
        data = ReportData(day=day, generated_at=now[0] if now else dt.datetime.now(dt.UTC),
                          window_days=days)
        for name, query in QUERIES.items():
            setattr(data, name, rows(conn, query, params))
    names = {r["model_id"]: r["model"] for r in data.models}
    for name in BY_MODEL:
        setattr(data, name, [named_model(r, names) for r in getattr(data, name)])
    return data


# Sections whose rows carry a model_id that the report shows as the model's name:version.
BY_MODEL = ("signals", "monitoring", "trend", "calibration", "drift")


def named_model(row: Row, names: dict[int, str]) -> Row:
    """row with its model_id column replaced, in place, by model (name:version)."""
    return {("model" if k == "model_id" else k):
            (names.get(v, f"#{v}") if k == "model_id" else v) for k, v in row.items()}
