"""Folding the last days in on top of older history leaves exactly what a rebuild leaves: the
same ratings and the same running totals, to the last bit (the totals continue from the row
before the fold in the order a rebuild adds them)."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.db.features_util import rebuild

TABLES = {
    "modeling.run_history": "race_id, horse_id",
    "modeling.entity_daily": "kind, entity_id, race_date",
    "modeling.draw_daily": "course, dist_band, draw_third, race_date",
}


def snapshot(conn: psycopg.Connection) -> dict[str, list[tuple[Any, ...]]]:
    # The names above are constants of this test, not input.
    return {table: [tuple(r) for r in conn.execute(
                f"SELECT * FROM {table} ORDER BY {key}").fetchall()]  # noqa: S608
            for table, key in TABLES.items()}


def test_fold_equals_rebuild(synth_conn: psycopg.Connection) -> None:
    rebuild(synth_conn)
    rebuilt = snapshot(synth_conn)
    last = synth_conn.execute("SELECT max(race_date) FROM modeling.run_history").fetchone()
    assert last is not None and last[0] is not None
    # Forget the last ten days of history and totals, then fold them back in.
    synth_conn.execute("DELETE FROM modeling.run_history WHERE race_date > %s::date - 10",
                       (last[0],))
    synth_conn.execute("DELETE FROM modeling.entity_daily WHERE race_date > %s::date - 10",
                       (last[0],))
    synth_conn.execute("DELETE FROM modeling.draw_daily WHERE race_date > %s::date - 10",
                       (last[0],))
    added = synth_conn.execute("SELECT modeling.refresh_history(lookback_days => 30)").fetchone()
    assert added is not None and added[0] > 100
    folded = snapshot(synth_conn)
    for table in TABLES:
        assert len(folded[table]) == len(rebuilt[table]) > 100, table
        assert folded[table] == rebuilt[table], table
