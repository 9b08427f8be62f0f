"""`models compare`: the paired difference over the races both models published, computed
independently from the signals and the results."""

from __future__ import annotations

import math

import psycopg
import pytest

from hrdpg.backtest.compare import compare
from hrdpg.backtest.walk import score_models
from tests.db.backtest.conftest import Backtested


def newest_rows(conn: psycopg.Connection, model_id: int) -> dict[int, dict[int, float]]:
    """race -> horse -> p_win of the model's newest publication of each race (any alias)."""
    rows = conn.execute("SELECT race_id, horse_id, p_win, as_of FROM modeling.signals"
                        " WHERE model_id = %s", (model_id,)).fetchall()
    newest: dict[int, object] = {}
    for r, _, _, t in rows:
        newest[r] = max(newest.get(r, t), t)  # type: ignore[call-overload]
    out: dict[int, dict[int, float]] = {}
    for r, h, p, t in rows:
        if t == newest[r]:
            out.setdefault(r, {})[h] = p
    return out


def test_compare_reports_the_independently_computed_paired_difference(
        backtested: Backtested) -> None:
    first, second = backtested.periods
    may = second.period
    with psycopg.connect(backtested.conninfo) as conn:
        # April's model never published May: score May with it (as `compare --score` does)
        score_models(conn, backtested.conninfo, [first.model_id], may.date_from, may.date_to)
        result = compare(conn, str(first.model_id), f"wf:{2}", may.date_from, may.date_to)
        a, b = newest_rows(conn, first.model_id), newest_rows(conn, second.model_id)
        winners = {(r, h) for r, h in conn.execute(
            "SELECT race_id, horse_id FROM racing.runners WHERE finish_pos = 1").fetchall()}
    sum_a = sum_b = uniform = 0.0
    races = 0
    for r in sorted(a.keys() & b.keys()):
        won = [h for h in a[r] if (r, h) in winners]
        if set(a[r]) != set(b[r]) or not won:
            continue
        races += 1
        sum_a -= sum(math.log(a[r][h]) for h in won) / len(won)
        sum_b -= sum(math.log(b[r][h]) for h in won) / len(won)
        uniform += math.log(len(a[r]))
    pair = result["paired"]
    assert pair is not None and pair["races"] == races > 100
    assert pair["a_minus_b"]["pseudo_r2"] == pytest.approx((sum_b - sum_a) / uniform, abs=1e-12)
    assert pair["log_loss_a_minus_b"] == pytest.approx((sum_a - sum_b) / races, abs=1e-12)
    assert pair["a_minus_b"]["lo"] < pair["a_minus_b"]["pseudo_r2"] < pair["a_minus_b"]["hi"]
    assert (result["a"]["model_id"], result["b"]["model_id"]) == (first.model_id,
                                                                  second.model_id)
