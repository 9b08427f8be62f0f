"""The speed figure, draw-by-rail, pair and weight-off-the-scale features of a sample of HK runner
rows against the naive Python computation of tests/db/features/oracle.py, on the full HKJC data
(the tests' slice of two meetings is too short for a par). Usage, on a database where
`hrdpg load hkjc` and `hrdpg features rebuild` have run:

    HRDPG_DBNAME=hk PYTHONPATH=. .venv/bin/python research/hk-engine/check_new_features.py 200
"""

from __future__ import annotations

import math
import random
import sys

import psycopg
from psycopg.rows import dict_row

from hrdpg.config import load_settings
from tests.db.features.oracle import Oracle, load_raw

NAMES = ("draw_rail_ae", "draw_rail_pos", "jt_pair_ae", "jt_pair_rides", "wt_claim",
         "h_fig_last", "h_fig_best3", "fig_best3_rel")


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def main(n: int, year: int) -> None:
    with psycopg.connect(load_settings().conninfo()) as conn:
        oracle = Oracle(load_raw(conn))
        rows = conn.cursor(row_factory=dict_row).execute(
            "SELECT * FROM modeling.runner_features WHERE extract(year FROM race_date) = %s",
            (year,)).fetchall()
    sample = random.Random(5).sample(rows, n)
    bad, filled = [], dict.fromkeys(NAMES, 0)
    for row in sample:
        want = oracle.more.features(row["race_id"], row["horse_id"])
        for name in NAMES:
            filled[name] += row[name] is not None
            if not same(row[name], want[name]):
                bad.append((row["race_id"], row["horse_id"], name, row[name], want[name]))
    print(f"{n} rows of {year}: non-NULL per feature {filled}")
    print(f"mismatches: {len(bad)}", *bad[:10], sep="\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60,
         int(sys.argv[2]) if len(sys.argv) > 2 else 2019)
