"""The scheduler's daily monitoring job: at 06:30 local it monitors the previous day; the
acceptance job still runs acceptance; an unknown check fails loudly."""

from __future__ import annotations

import datetime as dt

import psycopg

from tests.db.monitoring.world import DAY, add_model, add_signals
from tests.db.scheduling.stubs import local, tick


def test_monitoring_job_scores_yesterday(synth_conn: psycopg.Connection) -> None:
    mid = add_model(synth_conn, baseline_brier=0.05)
    add_signals(synth_conn, mid)
    next_day = DAY + dt.timedelta(days=1)
    early = {d["job"]: d for d in tick(synth_conn, local(next_day, "06:29"))["decisions"]}
    assert early["monitoring"]["decision"] == "not_yet"
    out = {d["job"]: d for d in tick(synth_conn, local(next_day, "06:30"))["decisions"]}
    assert out["monitoring"]["decision"] == "ran", out["monitoring"]
    assert out["monitoring"]["result"]["day"] == str(DAY)
    assert [m["model_id"] for m in out["monitoring"]["result"]["models"]] == [mid]
    assert out["acceptance"]["decision"] == "not_yet"
    row = synth_conn.execute("SELECT status, races FROM modeling.monitoring_daily "
                             "WHERE model_id = %s AND day = %s", (mid, DAY)).fetchone()
    assert row is not None and row[1] > 10
    assert row[0] == out["monitoring"]["result"]["models"][0]["status"]
    again = {d["job"]: d for d in tick(synth_conn, local(next_day, "06:31"))["decisions"]}
    assert again["monitoring"]["decision"] == "done"


def test_unknown_check_is_a_recorded_failure(conn: psycopg.Connection) -> None:
    conn.execute("UPDATE modeling.schedule SET params = params || '{\"check\": \"nope\"}' "
                 "WHERE job = 'monitoring'")
    conn.commit()
    out = {d["job"]: d for d in tick(conn, local(DAY, "06:30"))["decisions"]}
    assert out["monitoring"]["decision"] == "failed"
    assert "unknown params.check" in out["monitoring"]["error"]
    assert conn.execute("SELECT severity, category FROM modeling.alerts").fetchall() == [
        ("critical", "schedule")]
