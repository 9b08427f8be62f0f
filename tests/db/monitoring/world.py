"""Shared helpers of the monitoring and alert tests (no tests here): a model row written
straight into the registry (no ONNX needed to monitor), signals built in Python from the
synthetic world's prices, and independent plain-Python versions of the metrics."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from typing import Any

import numpy as np
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from hrdpg.trainer.metrics import feature_reference

START = dt.date(2019, 1, 1)  # the fixture world's first day; it runs 150 days
DAY = START + dt.timedelta(days=120)
DRIFT_FEATURES = ["age", "weight_rel", "rating_rel", "draw_rel", "h_runs"]


def add_model(conn: psycopg.Connection, baseline_brier: float | None = None,
              reference: dict[str, Any] | None = None,
              features: list[str] | None = None) -> int:
    metrics: dict[str, Any] = {}
    if baseline_brier is not None:
        metrics["test"] = {"model": {"brier": baseline_brier}}
    art = b"not an onnx model: monitoring never runs it"
    row = conn.execute(
        "INSERT INTO modeling.models (name, version, artifact, artifact_sha256, input_name, "
        "output_name, feature_names, feature_version, metrics, feature_reference) "
        "SELECT 'mon', coalesce(max(version), 0) + 1, %s, %s, 'x', 'y', %s, "
        "modeling.feature_version(), %s, %s FROM modeling.models WHERE name = 'mon' "
        "RETURNING model_id",
        (art, hashlib.sha256(art).hexdigest(), features or DRIFT_FEATURES, Jsonb(metrics),
         Jsonb(reference or {}))).fetchone()
    conn.commit()
    assert row is not None
    return int(row[0])


def noise(race_id: int, horse_id: int) -> float:
    """Deterministic pseudo-noise in [-0.5, 0.5) per runner."""
    h = hashlib.blake2b(f"{race_id}:{horse_id}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2**64 - 0.5


def add_signals(conn: psycopg.Connection, model_id: int, day: dt.date = DAY,
                scale: float = 1.0) -> int:
    """One publication per race 5 minutes before the off: p_win = race softmax of
    log(1/latest odds) + scale * noise; best_win_odds = that latest price."""
    rows = conn.execute(
        "SELECT ru.race_id, ru.horse_id, ra.off_time, "
        "(SELECT o.decimal_odds FROM racing.odds o WHERE o.race_id = ru.race_id "
        "AND o.horse_id = ru.horse_id AND o.observed_at < ra.off_time "
        "ORDER BY o.observed_at DESC, o.source LIMIT 1) "
        "FROM racing.runners ru JOIN racing.races ra USING (race_id) "
        "WHERE ra.race_date = %s AND NOT ru.non_runner ORDER BY 1, 2", (day,)).fetchall()
    by_race: dict[int, list[tuple[int, dt.datetime, float | None]]] = {}
    for race_id, horse_id, off, odds in rows:
        by_race.setdefault(race_id, []).append((horse_id, off, odds))
    n = 0
    for race_id, runners in by_race.items():
        score = [math.log(1 / (o or 20.0)) + scale * noise(race_id, h) for h, _, o in runners]
        top = max(score)
        w = [math.exp(s - top) for s in score]
        total = sum(w)
        for (h, off, odds), wi in zip(runners, w, strict=True):
            p = min(max(wi / total, 1e-6), 1 - 1e-6)
            conn.execute(
                "INSERT INTO modeling.signals (as_of, race_id, horse_id, model_id, race_date, "
                "off_time, p_win, fair_win_odds, best_win_odds, best_odds_source, "
                "feature_version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "modeling.feature_version())",
                (off - dt.timedelta(minutes=5), race_id, h, model_id, day, off, p, 1 / p,
                 odds, "test" if odds else None))
            n += 1
    conn.commit()
    return n


def results(conn: psycopg.Connection, day: dt.date = DAY) -> dict[tuple[int, int], int]:
    """(race, horse) -> won, for runners that ran, straight from racing.runners."""
    rows = conn.execute(
        "SELECT ru.race_id, ru.horse_id, coalesce(ru.finish_pos = 1, false) "
        "FROM racing.runners ru JOIN racing.races ra USING (race_id) WHERE ra.race_date = %s "
        "AND NOT ru.non_runner AND ru.status IS DISTINCT FROM 'non_runner'", (day,)).fetchall()
    conn.commit()
    return {(r, h): int(w) for r, h, w in rows}


def python_metrics(rows: list[tuple[int, float, int]]) -> dict[str, float]:
    """(race_id, p, won) rows of races with a winner -> log loss, uniform log loss, Brier,
    ECE over the trainer's bands; p renormalised per race first. Plain Python."""
    races: dict[int, list[tuple[float, int]]] = {}
    for race, p, won in rows:
        races.setdefault(race, []).append((p, won))
    races = {r: v for r, v in races.items() if any(w for _, w in v)}
    flat: list[tuple[float, int]] = []
    ll = ull = 0.0
    for v in races.values():
        total = sum(p for p, _ in v)
        v = [(p / total, w) for p, w in v]
        flat += v
        winners = [math.log(p) for p, w in v if w]
        ll -= sum(winners) / len(winners)
        ull += math.log(len(v))
    step = 0.475 / 18
    edges = [0.0] + [0.025 + k * step for k in range(18)] + [0.6, 1.0]
    sums: dict[int, list[float]] = {}
    for p, w in flat:
        band = min(sum(1 for e in edges if e <= p) - 1, 19)
        s = sums.setdefault(band, [0.0, 0.0])
        s[0] += p
        s[1] += w
    n = len(flat)
    return {"races": len(races), "runners": n, "log_loss": ll / len(races),
            "uniform_log_loss": ull / len(races),
            "brier": sum((p - w) ** 2 for p, w in flat) / n,
            "ece": sum(abs(a - b) for a, b in sums.values()) / n}


def feature_values(conn: psycopg.Connection, first: dt.date,
                   last: dt.date) -> list[tuple[Any, ...]]:
    """DRIFT_FEATURES of every runner from first to last, from modeling.runner_features."""
    rows = conn.execute(sql.SQL("SELECT {} FROM modeling.runner_features "
                                "WHERE race_date BETWEEN %s AND %s").format(
        sql.SQL(", ").join(sql.Identifier(n) for n in DRIFT_FEATURES)), (first, last)).fetchall()
    conn.commit()
    return rows


def recent_reference(conn: psycopg.Connection, day: dt.date = DAY) -> dict[str, Any]:
    """The trainer's feature reference of the 20 days before day."""
    rows = feature_values(conn, day - dt.timedelta(days=20), day - dt.timedelta(days=1))
    x = np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=np.float64)
    return feature_reference(DRIFT_FEATURES, x)


def python_brier_z(rows: list[tuple[int, float, int]], baseline: float) -> tuple[float, float]:
    """(Brier, z of Brier above baseline) over (race_id, p, won) rows, p renormalised per
    race, the standard error from the spread of the races' squared-error sums. Plain Python."""
    races: dict[int, list[tuple[float, int]]] = {}
    for race, p, won in rows:
        races.setdefault(race, []).append((p, won))
    races = {r: v for r, v in races.items() if any(w for _, w in v)}
    sums = []
    for v in races.values():
        total = sum(p for p, _ in v)
        sums.append((sum((p / total - w) ** 2 for p, w in v), len(v)))
    n, runners = len(sums), sum(m for _, m in sums)
    brier = sum(s for s, _ in sums) / runners
    se = math.sqrt(n / (n - 1) * sum((s - brier * m) ** 2 for s, m in sums)) / runners
    return brier, (brier - baseline) / se
