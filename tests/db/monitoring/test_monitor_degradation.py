"""Brier against the model's stored baseline is a test: the ratio must reach its mark (1.1
warning, 1.2 critical) and the window's z must make it unlikely by chance; one de-duplicated
calibration alert per model. The statuses follow a plain-Python z from the same rows."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from tests.db.monitoring.world import DAY, add_model, add_signals, python_brier_z, results


def _rows(conn: psycopg.Connection, mid: int, days: list[dt.date]) -> list[tuple[int, float, int]]:
    out = []
    for day in days:
        won = results(conn, day)
        sig = conn.execute("SELECT race_id, horse_id, p_win FROM modeling.signals "
                           "WHERE model_id = %s AND race_date = %s", (mid, day)).fetchall()
        out += [(r, p, won[(r, h)]) for r, h, p in sig if (r, h) in won]
    conn.commit()
    return out


def _monitor(conn: psycopg.Connection, mid: int, window_days: int = 1) -> tuple[str, float]:
    row = conn.execute("SELECT status, brier_z FROM modeling.monitor_metrics(%s, %s, "
                       "window_days => %s)", (DAY, mid, window_days)).fetchone()
    conn.commit()
    assert row is not None
    return str(row[0]), float(row[1])


def _expected(brier: float, baseline: float, z: float) -> str:
    ratio = brier / baseline
    return ("critical" if ratio >= 1.2 and z >= 3.09 else
            "warning" if ratio >= 1.1 and z >= 2.33 else "ok")


def test_one_day_above_the_mark_by_chance_is_not_critical(
        synth_conn: psycopg.Connection) -> None:
    probe = add_model(synth_conn)
    add_signals(synth_conn, probe)
    brier, _ = python_brier_z(_rows(synth_conn, probe, [DAY]), 1.0)
    # 25% above its baseline on one 16-race day: past the old fixed mark, not significant.
    mid = add_model(synth_conn, baseline_brier=brier / 1.25)
    add_signals(synth_conn, mid)
    _, z = python_brier_z(_rows(synth_conn, mid, [DAY]), brier / 1.25)
    status, got_z = _monitor(synth_conn, mid)
    assert got_z == pytest.approx(z, rel=1e-9)
    assert z < 3.09 and status == _expected(brier, brier / 1.25, z) != "critical"


def test_significant_degradation_alerts_once(synth_conn: psycopg.Connection) -> None:
    probe = add_model(synth_conn)
    add_signals(synth_conn, probe)
    brier, _ = python_brier_z(_rows(synth_conn, probe, [DAY]), 1.0)
    statuses = {}
    for ratio in (1.05, 1.6, 3.0):
        mid = add_model(synth_conn, baseline_brier=brier / ratio)
        add_signals(synth_conn, mid)
        _, z = python_brier_z(_rows(synth_conn, mid, [DAY]), brier / ratio)
        statuses[mid] = (_monitor(synth_conn, mid)[0], _expected(brier, brier / ratio, z))
    assert all(got == want for got, want in statuses.values()), statuses
    assert [s for s, _ in statuses.values()][::2] == ["ok", "critical"]
    alerts = synth_conn.execute(
        "SELECT severity, dedup_key FROM modeling.alerts WHERE category = 'calibration' "
        "ORDER BY alert_id").fetchall()
    assert alerts == [(s, f"model:{m}:brier") for m, (s, _) in statuses.items() if s != "ok"]
    critical = max(statuses)
    _monitor(synth_conn, critical)  # re-running the day bumps the alert
    assert synth_conn.execute("SELECT count(*), max(suppressed_count) FROM modeling.alerts "
                              "WHERE dedup_key = %s", (f"model:{critical}:brier",)
                              ).fetchone() == (1, 1)


def test_a_window_pools_its_days(synth_conn: psycopg.Connection) -> None:
    days = [DAY - dt.timedelta(days=i) for i in range(3)]
    mid = add_model(synth_conn, baseline_brier=0.08)
    for day in days:
        add_signals(synth_conn, mid, day)
    _, z = python_brier_z(_rows(synth_conn, mid, days), 0.08)
    row = synth_conn.execute("SELECT window_days, window_races, brier_z FROM "
                             "modeling.monitor_metrics(%s, %s, window_days => 3)",
                             (DAY, mid)).fetchone()
    assert row is not None and row[0] == 3 and row[1] > 40
    assert row[2] == pytest.approx(z, rel=1e-9)
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="window_days"):
        synth_conn.execute("SELECT modeling.monitor_metrics(%s, %s, window_days => 0)",
                           (DAY, mid))
