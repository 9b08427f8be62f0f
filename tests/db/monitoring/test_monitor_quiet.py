"""Quiet when healthy, loud when broken: a week of the fixture world scored by the real model
and monitored as the scheduler does (drift over 7 days) raises no critical alert; the same
week with each race's probabilities shuffled among its runners goes critical."""

from __future__ import annotations

import datetime as dt

import psycopg

from tests.conftest import ServerHandle
from tests.db.scoring.world import TEST_FROM, install, score, trained

DAYS = [TEST_FROM + dt.timedelta(days=i) for i in range(7)]
MONITOR = "SELECT modeling.monitor_day(%s, min_n => 300, drift_days => 7)"


def _week(conn: psycopg.Connection, server: ServerHandle, template: str) -> int:
    mid = install(conn, trained(server, template), reference=True)
    for day in DAYS:
        assert score(conn, day=day) > 0
    return mid


def _monitor(conn: psycopg.Connection) -> list[tuple[str, str, str]]:
    for day in DAYS:
        conn.execute(MONITOR, (day,))
        conn.commit()
    rows = conn.execute("SELECT severity, category, message FROM modeling.alerts "
                        "ORDER BY alert_id").fetchall()
    conn.commit()
    return rows


def test_a_healthy_week_raises_no_critical_alert(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    mid = _week(synth_conn, server, synth_template)
    alerts = _monitor(synth_conn)
    print("DRIFT", synth_conn.execute(
        "SELECT day, feature, n, ref_n, round(psi::numeric, 3), level FROM "
        "modeling.monitoring_drift WHERE level IN ('moderate', 'major') ORDER BY day, psi DESC"
    ).fetchall())
    print("DAILY", synth_conn.execute(
        "SELECT day, races, window_races, round(brier_ratio::numeric, 3), "
        "round(brier_z::numeric, 2), status FROM modeling.monitoring_daily ORDER BY day"
    ).fetchall())
    assert [a for a in alerts if a[0] == "critical"] == [], alerts
    # It was judged, not skipped: the drift and Brier checks had their data.
    levels = synth_conn.execute(
        "SELECT level, count(*) FROM modeling.monitoring_drift WHERE model_id = %s "
        "AND day = %s GROUP BY 1", (mid, DAYS[-1])).fetchall()
    assert {lv for lv, _ in levels} <= {"ok", "moderate"}
    statuses = synth_conn.execute("SELECT day, window_races, brier_ratio, brier_z, status "
                                  "FROM modeling.monitoring_daily ORDER BY day").fetchall()
    assert statuses[-1][1] >= 100 and {s[4] for s in statuses} <= {"ok", "warning"}


def test_shuffled_probabilities_still_go_critical(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    mid = _week(synth_conn, server, synth_template)
    # Each runner gets the probability of another runner of its race (a fixed derangement:
    # the next one by horse_id, the last gets the first's). Monitoring reads only p_win.
    synth_conn.execute(
        "UPDATE modeling.signals s SET p_win = x.p, p_place = NULL FROM (SELECT as_of, "
        "race_id, horse_id, coalesce(lead(p_win) OVER w, first_value(p_win) OVER w) AS p "
        "FROM modeling.signals "
        "WHERE model_id = %s WINDOW w AS (PARTITION BY as_of, race_id ORDER BY horse_id)) x "
        "WHERE (s.as_of, s.race_id, s.horse_id) = (x.as_of, x.race_id, x.horse_id) "
        "AND s.model_id = %s", (mid, mid))
    synth_conn.commit()
    alerts = _monitor(synth_conn)
    assert ("critical", "calibration") in {(a[0], a[1]) for a in alerts}, alerts
