"""A race's float aggregates in runner_features add up in one order whatever the plan.

The view's race windows once summed the runners in the order the plan delivered them; a plan
that changed with the tables' statistics (autovacuum's ANALYZE of a new world) then moved
h_elo_rel, body_weight_rel and the market shares by a few ulp, and LightGBM grew another model
from the same data. Two plans here, forced by planner settings, must give the same bits for
every feature, and the field means must be the mean in horse order computed here.
"""

from __future__ import annotations

import numpy as np
import psycopg
from psycopg import sql

PLANS = (  # hash joins over scans, sorts at once; merge joins over indexes, sorts by race
    {"enable_incremental_sort": "off"},
    {"enable_incremental_sort": "on", "enable_hashjoin": "off", "enable_seqscan": "off"},
)


def read(conn: psycopg.Connection, plan: dict[str, str]) -> tuple[str, list[str], np.ndarray]:
    names = [str(r[0]) for r in conn.execute(
        "SELECT name FROM modeling.feature_catalog ORDER BY position")]
    query = sql.SQL("SELECT race_id, {} FROM modeling.runner_features ORDER BY race_id, horse_id"
                    ).format(sql.SQL(", ").join(sql.SQL("coalesce({}::float8, 'NaN')").format(
                        sql.Identifier(n)) for n in names))
    for name, value in plan.items():
        conn.execute("SELECT set_config(%s, %s, true)", (name, value))
    shown = "\n".join(str(r[0]) for r in conn.execute(sql.SQL("EXPLAIN (COSTS OFF) ") + query))
    rows = np.array(conn.execute(query).fetchall(), dtype=np.float64)
    conn.rollback()
    return shown, names, rows


def horse_order_rel(race: np.ndarray, value: np.ndarray) -> np.ndarray:
    """value minus the mean of its race's values, summed left to right in horse order."""
    out = np.full(value.shape, np.nan)
    for r in np.unique(race):
        idx = np.flatnonzero((race == r) & ~np.isnan(value))  # rows come in horse order
        if not idx.size:
            continue
        total = 0.0
        for i in idx:
            total += float(value[i])
        out[idx] = value[idx] - total / idx.size
    return out


def test_race_aggregates_do_not_depend_on_the_plan(synth_conn: psycopg.Connection) -> None:
    (plan_a, names, first), (plan_b, _, second) = (read(synth_conn, p) for p in PLANS)
    assert plan_a != plan_b
    assert first.shape == second.shape and first.shape[0] > 10_000
    differ = (first != second) & ~(np.isnan(first) & np.isnan(second))
    assert not differ.any(), "values that differ: " + ", ".join(
        f"{names[j - 1]} {n}" for j, n in enumerate(differ.sum(0)) if n)

    def col(name: str) -> np.ndarray:
        return first[:, 1 + names.index(name)]

    assert np.isfinite(col("h_elo_rel")).sum() > first.shape[0] // 2
    assert np.array_equal(col("h_elo_rel"), horse_order_rel(first[:, 0], col("h_elo")),
                          equal_nan=True)
    assert np.array_equal(col("pace_early_rel"),
                          horse_order_rel(first[:, 0], col("h_early_pos_avg5")), equal_nan=True)
