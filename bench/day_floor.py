"""(floor) of bench_score: a day's writes and feature read, nothing computed.

What any score_day into this schema pays at least, whatever computes the values: the day's
feature_store rows deleted and inserted again, a run row, the published signals rows and
their dq_results rows inserted again (per-row foreign keys, CHECKs, indexes, partition
routing and signals_newest's trigger, as score_day's upsert pays them), and the day's
features read back as scoring reads them (binary, the market columns as of the call). The
rows are those a committed score_day left, copied into temp tables once before timing;
each call is rolled back. Point of the path: a target below it cannot be met by making the
computation faster.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import psycopg
from common import insert_columns
from hrdpg_pl import scoring_bulk
from psycopg import sql

SIGNALS = [c for c in scoring_bulk.SIGNAL_COLUMNS if c not in ("as_of", "run_id")]
DQ = [c for c in scoring_bulk.DQ_COLUMNS if c != "run_id"]


def prepare_day_floor(conn: psycopg.Connection, day: dt.date, base_run: int,
                      as_of: dt.datetime | str, feature_read: Callable[[], object]
                      ) -> Callable[[], None]:
    """Copy the day's store rows and base_run's signals and dq_results into temp tables
    (committed), and return the timed call. feature_read reads the day's features as the
    scorer does."""
    store = insert_columns(conn, "modeling.feature_store")
    sig = sql.SQL(", ").join(map(sql.Identifier, SIGNALS))
    dq = sql.SQL(", ").join(map(sql.Identifier, DQ))
    conn.execute(sql.SQL("CREATE TEMP TABLE floor_store AS SELECT {c} FROM "
                         "modeling.feature_store WHERE race_date = %s").format(c=store), (day,))
    conn.execute(sql.SQL("CREATE TEMP TABLE floor_signals AS SELECT {c} FROM modeling.signals "
                         "WHERE run_id = %s").format(c=sig), (base_run,))
    conn.execute(sql.SQL("CREATE TEMP TABLE floor_dq AS SELECT {c} FROM modeling.dq_results "
                         "WHERE run_id = %s").format(c=dq), (base_run,))
    n = conn.execute("SELECT (SELECT count(*) FROM floor_signals), "
                     "(SELECT count(*) FROM floor_store)").fetchone()
    conn.commit()
    if not n or not n[0] or not n[1]:
        raise SystemExit(f"floor: run {base_run} left no signals or the store no rows of {day}")

    def floor() -> None:
        conn.execute("DELETE FROM modeling.feature_store WHERE race_date = %s", (day,))
        conn.execute(sql.SQL("INSERT INTO modeling.feature_store ({c}) SELECT {c} "
                             "FROM floor_store").format(c=store))
        feature_read()
        run = conn.execute("INSERT INTO modeling.runs (kind, race_date, model_id, params, "
                           "triggered_by) SELECT 'score_day', %s, model_id, '{}', 'bench' "
                           "FROM floor_signals LIMIT 1 RETURNING run_id", (day,)).fetchone()
        assert run is not None
        conn.execute(sql.SQL("INSERT INTO modeling.dq_results (run_id, {c}) SELECT %s, {c} "
                             "FROM floor_dq").format(c=dq), (run[0],))
        conn.execute(sql.SQL("INSERT INTO modeling.signals (as_of, run_id, {c}) "
                             "SELECT %s, %s, {c} FROM floor_signals").format(c=sig),
                     (as_of, run[0]))
        conn.rollback()

    return floor
