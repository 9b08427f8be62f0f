"""One chunk of modeling.score_range: scored under the range's run row, its progress added.

The procedure (sql/scoring.sql) commits after each chunk; a chunk is all-or-nothing.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hrdpg_pl.model_cache import prepared
from hrdpg_pl.scoring import Stats, load_models, score_dates
from hrdpg_pl.scoring_guards import fail, lock_dates

# Stage timings are summed over the chunks, so the run row shows where the whole range went.
CHUNK_PROGRESS_SQL = """
UPDATE modeling.runs
   SET rows_in = coalesce(rows_in, 0) + $2, rows_out = coalesce(rows_out, 0) + $3,
       races_published = coalesce(races_published, 0) + $4,
       races_blocked = coalesce(races_blocked, 0) + $5,
       model_id = coalesce(model_id, $6),
       params = jsonb_set(params, '{progress}', jsonb_build_object(
           'days_done', coalesce((params #>> '{progress,days_done}')::int, 0) + $7,
           'chunks_done', coalesce((params #>> '{progress,chunks_done}')::int, 0) + 1,
           'last_date', $8::date, 'rows_out', coalesce(rows_out, 0) + $3)),
       timings_ms = (SELECT coalesce(jsonb_object_agg(k, round(
                         coalesce((timings_ms ->> k)::numeric, 0)
                         + coalesce(($9::jsonb ->> k)::numeric, 0), 3)), '{}')
                       FROM (SELECT jsonb_object_keys(timings_ms)
                             UNION SELECT jsonb_object_keys($9::jsonb)) AS keys(k))
 WHERE run_id = $1 AND status = 'running'
RETURNING run_id
"""


def check_run_model(plpy: Any, run_id: int, alias: str, model_id: int, date_from: str) -> None:
    """One run, one model: a promote between two chunks of a range fails the run instead of
    publishing a backfill half from each model."""
    rows = plpy.execute(prepared(plpy, "run_model",
                                 "SELECT model_id FROM modeling.runs WHERE run_id = $1",
                                 ["int8"]), [run_id])
    pinned = rows[0]["model_id"] if rows else None
    if pinned is not None and int(pinned) != model_id:
        fail(plpy, f"score_range: {alias} moved from model {pinned} to model {model_id} "
                   f"during run {run_id}; days before {date_from} were scored with model "
                   f"{pinned}, nothing after",
             f"Re-run score_range from {date_from} to score the rest with model {model_id} "
             "(or from the first day to rescore all of it with one model).")


def score_chunk(plpy: Any, run_id: int, date_from: str, date_to: str, as_of: str | None,
                alias: str, challengers: bool, max_null_share: float,
                refresh: bool = True, reasons: bool = True) -> int:
    """One chunk of score_range under its run row; returns the signals written."""
    t_start = time.perf_counter()
    days = plpy.execute(prepared(plpy, "chunk_days",
                                 "SELECT d::date::text AS d FROM generate_series($1::date, "
                                 "$2::date, interval '1 day') d", ["date", "date"]),
                        [date_from, date_to])
    lock_dates(plpy, [str(r["d"]) for r in days], True)
    stats = Stats()
    models = load_models(plpy, alias, challengers, stats)
    check_run_model(plpy, run_id, alias, models[0].info.model_id, date_from)
    score_dates(plpy, run_id, date_from, date_to, as_of, models, max_null_share, stats,
                refresh, bulk=True, reasons=reasons, check_once=True)
    stats.tick("total", time.perf_counter() - t_start)
    done = plpy.execute(prepared(plpy, "chunk_progress", CHUNK_PROGRESS_SQL,
                                 ["int8", "int8", "int8", "int4", "int4", "int8", "int4",
                                  "date", "text"]),
                        [run_id, stats.rows_in, stats.rows_out, stats.races_published,
                         stats.races_blocked, models[0].info.model_id, len(days), date_to,
                         json.dumps(
                             {k: round(v, 3) for k, v in stats.timings.items()})])
    if not done:
        fail(plpy, f"score_range: run {run_id} is not running (marked abandoned or failed?)",
             "Start a new score_range.")
    return stats.rows_out
