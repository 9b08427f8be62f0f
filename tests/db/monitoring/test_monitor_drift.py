"""Feature drift: PSI and KS equal a plain-Python computation against the same stored
reference; a shifted day raises a major drift alert, an unshifted one does not."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import psycopg
import pytest

from tests.db.monitoring.world import (
    DAY,
    DRIFT_FEATURES,
    add_model,
    add_signals,
    feature_values,
    recent_reference,
)


def _psi_ks(ref: dict[str, Any], values: list[float | None]) -> tuple[float, float]:
    """PSI over the reference bins + a null bin (shares floored at 1e-4), KS at the edges."""
    edges, counts = ref["edges"], ref["counts"]
    total = sum(counts)
    present = [v for v in values if v is not None]
    bins = [0] * len(counts)
    for v in present:
        bins[sum(1 for e in edges if e <= v)] += 1
    n = len(values)
    share = 1 - ref["null_share"]
    pairs = [(b / n, c / total * share) for b, c in zip(bins, counts, strict=True)]
    pairs.append(((n - len(present)) / n, ref["null_share"]))
    psi = 0.0
    for a, e in pairs:
        a, e = max(a, 1e-4), max(e, 1e-4)
        psi += (a - e) * math.log(a / e)
    ks = max(abs(sum(counts[: j + 1]) / total - sum(bins[: j + 1]) / len(present))
             for j in range(len(edges)))
    return psi, ks


def _drift(conn: psycopg.Connection, mid: int) -> dict[str, tuple[Any, ...]]:
    conn.execute("SELECT modeling.monitor_drift(%s, %s)", (DAY, mid))
    conn.commit()
    rows = conn.execute("SELECT feature, n, psi, ks, level FROM modeling.monitoring_drift "
                        "WHERE model_id = %s AND day = %s", (mid, DAY)).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_drift_matches_python_and_alerts_only_when_shifted(
        synth_conn: psycopg.Connection) -> None:
    reference = recent_reference(synth_conn)
    mid = add_model(synth_conn, reference=reference)
    add_signals(synth_conn, mid)

    got = _drift(synth_conn, mid)
    day_rows = feature_values(synth_conn, DAY, DAY)
    for j, name in enumerate(DRIFT_FEATURES):
        psi, ks = _psi_ks(reference[name], [r[j] for r in day_rows])
        assert got[name][0] == len(day_rows) >= 100
        assert got[name][1] == pytest.approx(psi, rel=1e-9, abs=1e-12), name
        assert got[name][2] == pytest.approx(ks, rel=1e-9, abs=1e-12), name
    assert all(g[3] != "major" for g in got.values()), got
    assert synth_conn.execute("SELECT count(*) FROM modeling.alerts WHERE category = 'drift' "
                              "AND severity = 'critical'").fetchone() == (0,)

    # Older horses on the day: age drifts, the field-relative features do not.
    synth_conn.execute("UPDATE racing.runners SET age = age + 3 WHERE race_id IN "
                       "(SELECT race_id FROM racing.races WHERE race_date = %s)", (DAY,))
    synth_conn.commit()
    got = _drift(synth_conn, mid)
    assert got["age"][3] == "major" and got["age"][1] >= 0.25
    assert got["weight_rel"][3] != "major"
    alert = synth_conn.execute("SELECT severity, dedup_key, details -> 'major' "
                               "FROM modeling.alerts WHERE category = 'drift'").fetchall()
    assert alert[-1] == ("critical", f"model:{mid}:drift", ["age"])


def test_too_few_rows_cannot_alert(synth_conn: psycopg.Connection) -> None:
    mid = add_model(synth_conn, reference=recent_reference(synth_conn))
    add_signals(synth_conn, mid)
    synth_conn.execute("UPDATE racing.runners SET age = age + 3")
    synth_conn.commit()
    synth_conn.execute("SELECT modeling.monitor_drift(%s, %s, min_n => 100000)", (DAY, mid))
    levels = synth_conn.execute("SELECT DISTINCT level FROM modeling.monitoring_drift").fetchall()
    assert levels == [("insufficient",)]
    assert synth_conn.execute("SELECT count(*) FROM modeling.alerts").fetchone() == (0,)


def test_a_window_pools_the_days(synth_conn: psycopg.Connection) -> None:
    reference = recent_reference(synth_conn, DAY - dt.timedelta(days=1))
    mid = add_model(synth_conn, reference=reference)
    for day in (DAY - dt.timedelta(days=1), DAY):
        add_signals(synth_conn, mid, day)
    synth_conn.execute("SELECT modeling.monitor_drift(%s, %s, window_days => 2)", (DAY, mid))
    got = {r[0]: r[1:] for r in synth_conn.execute(
        "SELECT feature, window_days, n, psi FROM modeling.monitoring_drift").fetchall()}
    rows = feature_values(synth_conn, DAY - dt.timedelta(days=1), DAY)
    for j, name in enumerate(DRIFT_FEATURES):
        psi, _ = _psi_ks(reference[name], [r[j] for r in rows])
        assert got[name][:2] == (2, len(rows))
        assert got[name][2] == pytest.approx(psi, rel=1e-9, abs=1e-12), name
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="window_days"):
        synth_conn.execute("SELECT modeling.monitor_drift(%s, %s, window_days => 0)", (DAY, mid))


def _by_chance(df: int, races: int, ref_n: int, z: float) -> float:
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3 * (1 / races + 1 / ref_n)


def test_levels_need_more_than_chance(synth_conn: psycopg.Connection) -> None:
    reference = recent_reference(synth_conn)
    mid = add_model(synth_conn, reference=reference)
    add_signals(synth_conn, mid)
    # A day of 16 races: a race-level feature's PSI of 0.3 is well within chance.
    got = _drift(synth_conn, mid)
    races = synth_conn.execute("SELECT count(*) FROM racing.races WHERE race_date = %s",
                               (DAY,)).fetchone()
    assert races is not None
    for name, (_, psi, _, level) in got.items():
        ref = reference[name]
        df, ref_n = len(ref["edges"]), ref["n"]
        want = ("major" if psi >= 0.25 and psi >= _by_chance(df, races[0], ref_n, 3.09) else
                "moderate" if psi >= 0.1 and psi >= _by_chance(df, races[0], ref_n, 2.33)
                else "ok")
        assert level == want, (name, psi, level)
    assert _by_chance(9, races[0], 5000, 3.09) > 0.25  # so 0.25 alone cannot go major here
