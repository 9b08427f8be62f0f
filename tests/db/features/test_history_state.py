"""run_history's per-run form state (runs_after, wins5_after, pos_prev1, ...) equals a plain
Python walk over each horse's runs, both after a rebuild and after folding the last days in
incrementally on top of older history."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import psycopg
from psycopg import sql

from tests.db.features.util import rebuild

COLUMNS = ("runs_after", "wins_after", "places_after", "wins5_after", "pos_prev1", "pos_prev2",
           "beaten_prev1", "beaten_prev2")


def stored_and_expected(conn: psycopg.Connection) -> tuple[dict[Any, tuple[Any, ...]],
                                                           dict[Any, tuple[Any, ...]]]:
    rows = conn.execute(sql.SQL(
        "SELECT race_id, horse_id, off_time, won, placed, pos_norm, beaten, {} "
        "FROM modeling.run_history").format(sql.SQL(", ").join(map(sql.Identifier, COLUMNS)))
    ).fetchall()
    stored = {(r[0], r[1]): tuple(r[7:]) for r in rows}
    by_horse: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for r in rows:
        by_horse[r[1]].append(r)
    expected: dict[Any, tuple[Any, ...]] = {}
    for runs in by_horse.values():
        runs.sort(key=lambda r: (r[2], r[0]))
        for i, r in enumerate(runs):
            done = runs[:i + 1]
            prev = runs[:i]
            expected[(r[0], r[1])] = (
                len(done), sum(x[3] for x in done), sum(x[4] for x in done),
                sum(x[3] for x in done[-5:]),
                prev[-1][5] if prev else None, prev[-2][5] if len(prev) > 1 else None,
                prev[-1][6] if prev else None, prev[-2][6] if len(prev) > 1 else None)
    return stored, expected


def test_state_after_a_rebuild(synth_conn: psycopg.Connection) -> None:
    rebuild(synth_conn)
    stored, expected = stored_and_expected(synth_conn)
    assert len(stored) > 1000
    assert stored == expected


def test_state_after_an_incremental_fold(synth_conn: psycopg.Connection) -> None:
    last = synth_conn.execute("SELECT max(race_date) FROM modeling.run_history").fetchone()
    assert last is not None and last[0] is not None
    # Forget the last three days, then fold them back in on top of the older history.
    synth_conn.execute("DELETE FROM modeling.run_history WHERE race_date > %s::date - 3",
                       (last[0],))
    added = synth_conn.execute("SELECT modeling.refresh_history()").fetchone()
    assert added is not None and added[0] > 100
    stored, expected = stored_and_expected(synth_conn)
    assert stored == expected
