"""On real HKJC rows (the tests/data/hkjc slice): each run's pace facts in run_history and the
features of the declared rows equal the naive Python computation of tests/db/features/oracle.py."""

from __future__ import annotations

import math

import psycopg
import pytest
from psycopg.rows import dict_row

from hrdpg.cli import main
from hrdpg.config import Settings
from tests.db.features.oracle import Oracle, load_raw
from tests.paths import TEST_DATA

FIELD = ("body_weight_rel", "gear_first_time", "rating_band_pos", "rating_rel", "wt_claim")
# on the slice's two meetings: pairs carry over from the first day to the second
HISTORY = ("draw_rail_ae", "draw_rail_pos", "jt_pair_ae", "jt_pair_rides", "h_fig_last",
           "h_fig_best3", "fig_best3_rel")


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


@pytest.fixture
def hk(db: Settings, capsys: pytest.CaptureFixture[str]) -> psycopg.Connection:
    assert main(["--dsn", db.conninfo(), "load", "hkjc", str(TEST_DATA / "hkjc"), "--quiet"]) == 0
    capsys.readouterr()
    conn = psycopg.connect(db.conninfo(), autocommit=True)
    conn.execute("SELECT modeling.refresh_features(min(race_date), max(race_date)) "
                 "FROM racing.races")
    return conn


def test_run_pace_facts_match_the_raw_rows(hk: psycopg.Connection) -> None:
    oracle = Oracle(load_raw(hk))
    runs = hk.cursor(row_factory=dict_row).execute(
        "SELECT race_id, horse_id, early_pos, finish_rel FROM modeling.run_history").fetchall()
    raw = {(r["race_id"], r["horse_id"]): r for r in oracle.completed_runs}
    assert len(runs) == len(raw) > 200
    # every run has its calls; the slice keeps the sectionals of a few races only
    assert sum(r["early_pos"] is not None for r in runs) == len(runs)
    assert sum(r["finish_rel"] is not None for r in runs) >= 30
    bad = [(r["race_id"], r["horse_id"], r["early_pos"], r["finish_rel"]) for r in runs
           if not same(r["early_pos"], oracle.early_pos(raw[(r["race_id"], r["horse_id"])]))
           or not same(r["finish_rel"], oracle.finish_rel(raw[(r["race_id"], r["horse_id"])]))]
    assert bad == []


def test_declared_condition_features_match_the_raw_rows(hk: psycopg.Connection) -> None:
    oracle = Oracle(load_raw(hk))
    rows = hk.cursor(row_factory=dict_row).execute(
        "SELECT * FROM modeling.runner_features").fetchall()
    for name in FIELD:
        assert sum(r[name] is not None for r in rows) > len(rows) // 2, name
    bad = []
    for row in rows:
        want = oracle.features(row["race_id"], row["horse_id"])
        want["rating_rel"] = oracle.rating_rel(row["race_id"], row["horse_id"])
        bad += [(row["race_id"], row["horse_id"], n, row[n], want[n]) for n in FIELD
                if not same(row[n], want[n])]
    assert bad == []


def test_run_times_rails_and_stalls_match_the_raw_rows(hk: psycopg.Connection) -> None:
    oracle = Oracle(load_raw(hk))
    runs = hk.cursor(row_factory=dict_row).execute(
        "SELECT race_id, horse_id, time_s, rail, surface, draw, weight_kg "
        "FROM modeling.run_history").fetchall()
    raw = {(r["race_id"], r["horse_id"]): r for r in oracle.completed_runs}
    # every finisher is timed, and every turf race has its rail (A, B+2, C+3 ...)
    assert sum(r["time_s"] is not None for r in runs) > len(runs) * 0.95
    assert {r["rail"] for r in runs if r["surface"] == "turf"} <= {"A", "A+3", "B", "B+2", "C",
                                                                    "C+3"}
    assert all(r["rail"] is not None for r in runs if r["surface"] == "turf")
    bad = []
    for r in runs:
        me = raw[(r["race_id"], r["horse_id"])]
        race = oracle.raw.races[r["race_id"]]
        want = (oracle.more.run_time(me), race["rail"], race["surface"], me["draw"],
                float(me["weight_kg"]))
        got = (r["time_s"], r["rail"], r["surface"], r["draw"], r["weight_kg"])
        if not (same(got[0], want[0]) and got[1:] == want[1:]):
            bad.append((r["race_id"], r["horse_id"], got, want))
    assert bad == []


def test_pair_draw_and_figure_features_match_the_raw_rows(hk: psycopg.Connection) -> None:
    oracle = Oracle(load_raw(hk))
    rows = hk.cursor(row_factory=dict_row).execute(
        "SELECT * FROM modeling.runner_features").fetchall()
    assert sum(r["jt_pair_rides"] > 0 for r in rows) > len(rows) // 4
    bad = []
    for row in rows:
        want = oracle.features(row["race_id"], row["horse_id"])
        bad += [(row["race_id"], row["horse_id"], n, row[n], want[n]) for n in HISTORY
                if not same(row[n], want[n])]
    assert bad == []
