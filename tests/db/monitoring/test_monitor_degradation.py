"""Brier against the model's stored baseline: 10% worse is a warning, 20% critical, one
de-duplicated calibration alert per model."""

from __future__ import annotations

import psycopg

from tests.db.monitoring.world import DAY, add_model, add_signals


def _brier(conn: psycopg.Connection, mid: int) -> float:
    row = conn.execute("SELECT brier FROM modeling.monitor_metrics(%s, %s)",
                       (DAY, mid)).fetchone()
    conn.rollback()
    assert row is not None
    return float(row[0])


def _status(conn: psycopg.Connection, mid: int) -> str:
    row = conn.execute("SELECT status FROM modeling.monitor_metrics(%s, %s)",
                       (DAY, mid)).fetchone()
    conn.commit()
    assert row is not None
    return str(row[0])


def test_degradation_bands_raise_calibration_alerts(synth_conn: psycopg.Connection) -> None:
    probe = add_model(synth_conn)
    add_signals(synth_conn, probe)
    brier = _brier(synth_conn, probe)
    cases = {"ok": brier / 1.05, "warning": brier / 1.15, "critical": brier / 1.25}
    mids = {}
    for want, baseline in cases.items():
        mids[want] = add_model(synth_conn, baseline_brier=baseline)
        add_signals(synth_conn, mids[want])
        assert _status(synth_conn, mids[want]) == want
    alerts = synth_conn.execute(
        "SELECT severity, dedup_key, suppressed_count, details ->> 'ratio' "
        "FROM modeling.alerts WHERE category = 'calibration' ORDER BY alert_id").fetchall()
    assert [(a[0], a[1]) for a in alerts] == [
        ("warning", f"model:{mids['warning']}:brier"),
        ("critical", f"model:{mids['critical']}:brier")]
    assert float(alerts[1][3]) >= 1.2
    # Re-running the day bumps the same alert instead of adding one.
    assert _status(synth_conn, mids["critical"]) == "critical"
    again = synth_conn.execute("SELECT count(*), max(suppressed_count) FROM modeling.alerts "
                               "WHERE category = 'calibration'").fetchone()
    assert again == (2, 1)
