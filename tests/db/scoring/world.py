"""Shared helpers of the scoring tests (no tests here): one small model trained per process on
the fixture world, registered into each test's private copy of that world."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import numpy as np
import psycopg
from hrdpg_pl import racenorm

from hrdpg.registry import store
from hrdpg.trainer.data import read_window
from hrdpg.trainer.onnx_export import INPUT_NAME, OUTPUT_NAME, run_onnx
from hrdpg.trainer.pipeline import TrainResult, TrainSpec, train
from tests.conftest import ServerHandle, create_database, drop_database

START = dt.date(2019, 1, 1)  # the fixture world's first day; it runs 150 days
TRAIN_TO = START + dt.timedelta(days=109)
TEST_FROM = START + dt.timedelta(days=110)
TEST_TO = START + dt.timedelta(days=149)
DAY = TEST_FROM + dt.timedelta(days=5)
LATE = "2020-01-01 00:00+00"  # an as_of after every off: the latest pre-off odds
# What the day's signals said as of a moment: per race the newest publication at or before it.
AS_OF_READING = """
SELECT s.* FROM modeling.src_races r
 CROSS JOIN LATERAL (SELECT max(n.as_of) AS as_of FROM modeling.signals n
                      WHERE n.alias = 'production' AND n.race_id = r.race_id
                        AND n.as_of <= %(t)s) newest
  JOIN modeling.signals s ON s.alias = 'production' AND s.race_id = r.race_id
   AND s.as_of = newest.as_of
 WHERE r.race_date = %(d)s
"""


@functools.cache
def _trained(server: ServerHandle, synth_template: str, with_market: bool) -> TrainResult:
    name = create_database(server, synth_template)
    try:
        with psycopg.connect(server.settings_for(name).conninfo()) as conn:
            return train(conn, TrainSpec(
                name="win", train_from=START, train_to=TRAIN_TO, test_from=TEST_FROM,
                test_to=TEST_TO, with_market=with_market, seed=3, register=False,
                max_rounds=60), show=False)
    finally:
        drop_database(server, name)


def trained(server: ServerHandle, synth_template: str, with_market: bool = True) -> TrainResult:
    return _trained(server, synth_template, with_market)


def install(conn: psycopg.Connection, result: TrainResult, alias: str | None = "production",
            name: str = "win", names: list[str] | None = None, reference: bool = False) -> int:
    """Register the trained artifact here and point alias at it; returns model_id.
    reference: register the trainer's drift reference too (else none)."""
    if names is None:
        n = len(result.metrics["feature_importance_gain"])
        names = list(result.metrics["feature_importance_gain"])[:n]
    fv = conn.execute("SELECT modeling.feature_version()").fetchone()
    assert fv is not None
    model_id = store.register(conn, store.Registration(
        name=name, version=None, artifact=result.artifact, feature_names=names,
        feature_version=str(fv[0]), input_name=INPUT_NAME, output_name=OUTPUT_NAME,
        metrics=result.metrics, params=result.params,
        feature_reference=result.feature_reference if reference else {},
        train_from=START, train_to=TRAIN_TO, test_from=TEST_FROM, test_to=TEST_TO,
        data_hash="test", code_version="test"))
    if alias:
        store.promote(conn, model_id, alias, "test")
    conn.commit()
    return model_id


def score(conn: psycopg.Connection, day: dt.date = DAY, as_of: str = LATE, **kw: Any) -> int:
    args = ", ".join(f"{k} => %({k})s" for k in kw)
    row = conn.execute(f"SELECT modeling.score_day(%(d)s, %(a)s{', ' + args if args else ''})",
                       {"d": day, "a": as_of, **kw}).fetchone()
    conn.commit()
    assert row is not None
    return int(row[0])


def signals(conn: psycopg.Connection, day: dt.date = DAY, as_of: str | None = LATE,
            model_id: int | None = None) -> dict[tuple[int, int], dict[str, Any]]:
    cur = conn.execute(
        "SELECT * FROM modeling.signals WHERE race_date = %s "
        "AND (%s::timestamptz IS NULL OR as_of = %s::timestamptz) "
        "AND (%s::int8 IS NULL OR model_id = %s::int8)",
        (day, as_of, as_of, model_id, model_id))
    cols = [d.name for d in cur.description or []]
    return {(r[1], r[2]): dict(zip(cols, r, strict=True)) for r in cur.fetchall()}


def expected_p(conn: psycopg.Connection, result: TrainResult, day: dt.date,
               names: list[str]) -> dict[tuple[int, int], float]:
    """The trainer's probabilities for day's rows: its ONNX in this process + race softmax,
    then the blend computed race by race in plain Python."""
    w = read_window(conn, names, day, day)
    conn.commit()
    p = racenorm.group_softmax(run_onnx(result.artifact, w.x), w.race_id)
    blend = result.params.get("blend")
    if blend:
        for rid in np.unique(w.race_id):
            m = w.race_id == rid
            pi = w.market[m]
            if np.all(np.isfinite(pi) & (pi > 0)):
                s = blend["alpha"] * np.log(p[m]) + blend["beta"] * np.log(pi)
                e = np.exp(s - s.max())
                p[m] = e / e.sum()
    return {(int(r), int(h)): float(v)
            for r, h, v in zip(w.race_id, w.horse_id, p, strict=True)}


def as_of_reading(conn: psycopg.Connection, at: dt.datetime | str,
                  day: dt.date = DAY) -> dict[tuple[int, int], Any]:
    cur = conn.execute(AS_OF_READING, {"t": at, "d": day})
    cols = [d.name for d in cur.description or []]
    return {(r[1], r[2]): dict(zip(cols, r, strict=True)) for r in cur.fetchall()}
