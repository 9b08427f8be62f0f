"""modeling.backtest_runs / backtest_periods: written by `hrdpg backtest`, read by the report."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from hrdpg.backtest.periods import Period

PERIOD_COLUMNS = (
    "period_no", "period_from", "period_to", "train_from", "train_to", "model_id", "races",
    "model_log_loss", "market_log_loss", "blend_log_loss", "model_pseudo_r2",
    "market_pseudo_r2", "blend_pseudo_r2", "model_minus_market", "model_minus_market_lo",
    "model_minus_market_hi", "blend_minus_market", "blend_minus_market_lo",
    "blend_minus_market_hi", "ece", "calibration", "blend_weights", "figures",
    "train_seconds", "score_seconds")


def _columns() -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(c) for c in PERIOD_COLUMNS)


def start_run(conn: psycopg.Connection, name: str, period: str, first: Period, last: Period,
              train_from: Any, alias: str, params: dict[str, Any]) -> int:
    row = conn.execute(
        "INSERT INTO modeling.backtest_runs (name, period, date_from, date_to, train_from,"
        " alias, params) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING run_id",
        (name, period, first.date_from, last.date_to, train_from, alias, Jsonb(params))
    ).fetchone()
    conn.commit()
    assert row is not None
    return int(row[0])


def earlier_runs(conn: psycopg.Connection, name: str, run_id: int) -> list[int]:
    return [int(r[0]) for r in conn.execute(
        "SELECT run_id FROM modeling.backtest_runs WHERE name = %s AND run_id < %s"
        " ORDER BY run_id", (name, run_id)).fetchall()]


def add_period(conn: psycopg.Connection, run_id: int, p: Period, train_from: Any,
               train_to: Any, model_id: int, s: dict[str, Any], weights: list[dict[str, Any]],
               train_seconds: float, score_seconds: float) -> None:
    values = (
        p.no, p.date_from, p.date_to, train_from, train_to, model_id, s["races"],
        s["model"]["log_loss"], s["market"]["log_loss"], s["blend"]["log_loss"],
        s["model"]["pseudo_r2"], s["market"]["pseudo_r2"], s["blend"]["pseudo_r2"],
        s["model_minus_market"]["pseudo_r2"], s["model_minus_market"]["lo"],
        s["model_minus_market"]["hi"], s["blend_minus_market"]["pseudo_r2"],
        s["blend_minus_market"]["lo"], s["blend_minus_market"]["hi"],
        s["calibration"]["ece"], Jsonb(s["calibration"]["deciles"]), Jsonb(weights),
        Jsonb(s), train_seconds, score_seconds)
    query = sql.SQL("INSERT INTO modeling.backtest_periods (run_id, {}) VALUES ({})").format(
        _columns(), sql.SQL(", ").join([sql.Placeholder()] * (len(PERIOD_COLUMNS) + 1)))
    conn.execute(query, (run_id, *values))
    conn.commit()


def finish_run(conn: psycopg.Connection, run_id: int, overall: dict[str, Any] | None,
               error: str | None = None) -> None:
    conn.rollback()  # a failure may have left the transaction aborted
    conn.execute(
        "UPDATE modeling.backtest_runs SET status = CASE WHEN %s::text IS NULL THEN 'ok'"
        " ELSE 'failed' END, error = %s, overall = %s, finished_at = clock_timestamp()"
        " WHERE run_id = %s",
        (error, error, None if overall is None else Jsonb(overall), run_id))
    conn.commit()


def latest_run(conn: psycopg.Connection) -> dict[str, Any] | None:
    """The newest finished (ok) backtest with its periods, or None."""
    cur = conn.execute(
        "SELECT run_id, name, period, date_from, date_to, train_from, overall, finished_at"
        " FROM modeling.backtest_runs WHERE status = 'ok' ORDER BY run_id DESC LIMIT 1")
    row = cur.fetchone()
    if row is None:
        return None
    run = dict(zip([d.name for d in cur.description or []], row, strict=True))
    run["periods"] = periods(conn, int(run["run_id"]))
    return run


def periods(conn: psycopg.Connection, run_id: int) -> list[dict[str, Any]]:
    cur = conn.execute(sql.SQL("SELECT {} FROM modeling.backtest_periods WHERE run_id = %s"
                               " ORDER BY period_no").format(_columns()), (run_id,))
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
