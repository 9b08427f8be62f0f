"""The backtest's reads of published signals pass over the window's partitions once.

Right after a backfill the new rows have no statistics; a newest-publication read written as
a self-join was then planned as one probe of every partition's alias index per race, and a
1M-runner walk-forward stalled for over ten minutes evaluating one year. Whatever the
statistics, each read must scan exactly the partitions that hold the window, once each.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import psycopg
import pytest

from hrdpg.backtest import closing, compare
from tests.db.backtest.conftest import Backtested


def _scanned(plan: dict[str, Any]) -> Counter[str]:
    out: Counter[str] = Counter()
    if "Relation Name" in plan:
        out[plan["Relation Name"]] += 1
    for child in plan.get("Plans", []):
        out += _scanned(child)
    return out


def _signals_scans(conn: psycopg.Connection, query: str, params: dict[str, Any]
                   ) -> Counter[str]:
    row = conn.execute("EXPLAIN (FORMAT JSON) " + query, params).fetchone()
    assert row is not None
    return Counter({k: v for k, v in _scanned(row[0][0]["Plan"]).items()
                    if k.startswith("signals")})


@pytest.mark.parametrize("which", ["closing", "compare"])
def test_newest_publication_reads_scan_each_partition_once(backtested: Backtested,
                                                           which: str) -> None:
    period = backtested.periods[0]
    lo, hi = period.period.date_from, period.period.date_to
    query = closing.SCORED_ROWS if which == "closing" else compare.PUBLISHED_ROWS
    params = {"alias": "backtest", "model": period.model_id, "lo": lo, "hi": hi}
    with psycopg.connect(backtested.conninfo) as conn:
        holding = {str(r[0]) for r in conn.execute(
            "SELECT DISTINCT s.tableoid::regclass::text FROM modeling.signals s"
            " WHERE s.race_date BETWEEN %s AND %s", (lo, hi)).fetchall()}
        scans = _signals_scans(conn, query, params)
    assert holding, "the period published nothing"
    assert {name.removeprefix("modeling.") for name in holding} == set(scans)
    assert set(scans.values()) == {1}
