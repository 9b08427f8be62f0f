"""Folding the last days in on top of older history leaves exactly what a rebuild leaves: the
same ratings and the same running totals, to the last bit (the totals continue from the row
before the fold in the order a rebuild adds them)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from tests.db.features.util import rebuild

TABLES = {
    "run_history": ("race_id", "horse_id"),
    "entity_daily": ("kind", "entity_id", "race_date"),
    "draw_daily": ("course", "dist_band", "draw_third", "race_date"),
    "draw_rail_daily": ("course", "surface", "distance_m", "rail", "draw", "race_date"),
    "pair_daily": ("jockey_id", "trainer_id", "race_date"),
    "par_daily": ("course", "surface", "distance_m", "rail", "race_date"),
    "meeting_variant": ("course", "surface", "race_date"),
    "speed_figures": ("race_id", "horse_id"),
}


def snapshot(conn: psycopg.Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {table: [tuple(r) for r in conn.execute(
                sql.SQL("SELECT * FROM {} ORDER BY {}").format(
                    sql.Identifier("modeling", table),
                    sql.SQL(", ").join(map(sql.Identifier, key)))).fetchall()]
            for table, key in TABLES.items()}


def test_fold_equals_rebuild(synth_conn: psycopg.Connection) -> None:
    rebuild(synth_conn)
    rebuilt = snapshot(synth_conn)
    last = synth_conn.execute("SELECT max(race_date) FROM modeling.run_history").fetchone()
    assert last is not None and last[0] is not None
    # Forget the last ten days of history and totals, then fold them back in.
    for table in TABLES:
        synth_conn.execute(sql.SQL("DELETE FROM {} WHERE race_date > %s::date - 10").format(
            sql.Identifier("modeling", table)), (last[0],))
    added = synth_conn.execute("SELECT modeling.refresh_history(lookback_days => 30)").fetchone()
    assert added is not None and added[0] > 100
    folded = snapshot(synth_conn)
    for table in TABLES:
        assert len(folded[table]) == len(rebuilt[table]) > 100, table
        assert folded[table] == rebuilt[table], table
