"""modeling.refresh_history(): fold newly completed races into the run history.

Runs inside PostgreSQL (``plpy`` is passed in so unit tests can hand in a fake). New results
are rated in off-time order; a result that arrives for a race older than the newest rated one
re-rates everything from that race on, so the Elo sequence is always in true time order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from hrdpg_pl.elo import INITIAL_RATING, rate_in_batches
from hrdpg_pl.running_totals import refresh_running_totals

# Races with results not yet in run_history. Incremental runs look back `lookback` days from
# the newest rated day for late results; older corrections need rebuild => true.
PENDING_SQL = """
CREATE TEMP TABLE hrdpg_pending ON COMMIT DROP AS
SELECT ra.race_id, ra.off_time, ra.race_date
  FROM modeling.src_races ra
 WHERE ra.race_date >= $1::date
   AND NOT EXISTS (SELECT 1 FROM modeling.run_history h WHERE h.race_id = ra.race_id)
   AND EXISTS (SELECT 1 FROM modeling.src_runners ru
                WHERE ru.race_id = ra.race_id AND ru.status IS NOT NULL
                  AND ru.status <> 'non_runner')
"""

# Outcome facts of every run in a pending race; DNF counts as last, dead heats share a rank.
NEW_RUNS_SQL = """
CREATE TEMP TABLE hrdpg_new_runs ON COMMIT DROP AS
SELECT ru.race_id, ru.horse_id, ru.jockey_id, ru.trainer_id, ra.race_date, ra.off_time,
       ra.course, modeling.distance_band(ra.distance_m) AS dist_band,
       modeling.going_group(ra.going, ra.surface) AS going_group, ra.race_class, ra.distance_m,
       CASE WHEN ru.draw IS NOT NULL
            THEN least(3, 1 + (3 * (ru.draw - 1)) / count(*) OVER w)::smallint END AS draw_third,
       (count(*) OVER w)::smallint AS field_size,
       coalesce(ru.finish_pos = 1, false)::int::smallint AS won,
       coalesce(ru.finish_pos <= modeling.places_for_field(count(*) OVER w), false)::int::smallint
           AS placed,
       CASE WHEN ru.finish_pos IS NOT NULL
            THEN least(1.0, (ru.finish_pos - 1)::float8 / greatest(count(*) OVER w - 1, 1))
            WHEN ru.status NOT IN ('finished', 'disqualified') THEN 1.0 END AS pos_norm,
       CASE WHEN ru.finish_pos = 1 THEN 0.0
            WHEN ru.beaten_lengths IS NOT NULL THEN least(ru.beaten_lengths, 30.0)
            WHEN ru.status NOT IN ('finished', 'disqualified') THEN 30.0 END AS beaten,
       coalesce(ru.finish_pos, count(*) OVER w)::int AS elo_rank,
       CASE WHEN d.running_positions[array_lower(d.running_positions, 1)] IS NOT NULL
            THEN least(1.0, (d.running_positions[array_lower(d.running_positions, 1)] - 1)
                            ::float8 / greatest(count(*) OVER w - 1, 1)) END AS early_pos,
       -- the last section only of a runner timed over every section the race was timed on
       CASE WHEN cardinality(d.sectional_times)
                 = max(cardinality(d.sectional_times)) OVER w
            THEN d.sectional_times[array_upper(d.sectional_times, 1)]::float8 END
           AS last_section,
       NULL::float8 AS finish_rel, ru.official_rating, d.body_weight_kg::float8 AS body_weight_kg,
       ra.surface, rd.rail, ru.draw, ru.weight_kg::float8 AS weight_kg,
       -- a finisher's own time, else the winner's plus 0.17 s a length (the speed figures);
       -- through numeric, so a time published as 108.42 (a real) is the double 108.42
       CASE WHEN ru.status IN ('finished', 'disqualified')
            THEN coalesce(d.finish_time_s::numeric::float8,
                          min(d.finish_time_s::numeric::float8)
                              FILTER (WHERE ru.finish_pos = 1) OVER w
                          + 0.17 * CASE WHEN ru.finish_pos = 1 THEN 0.0
                                        ELSE ru.beaten_lengths::numeric::float8 END) END
           AS time_s
  FROM hrdpg_pending p
  JOIN modeling.src_runners ru ON ru.race_id = p.race_id
  JOIN modeling.src_races ra ON ra.race_id = p.race_id
  LEFT JOIN modeling.src_runner_details d
    ON (d.race_id, d.horse_id) = (ru.race_id, ru.horse_id)
  LEFT JOIN modeling.src_race_details rd ON rd.race_id = ru.race_id
 WHERE NOT ru.non_runner AND ru.status IS DISTINCT FROM 'non_runner'
WINDOW w AS (PARTITION BY ru.race_id)
"""

# Finishing speed against the race's own median (a median is no window function), so a slow
# or fast run race does not read as a horse's speed; capped at 3 s either way, since a horse
# eased in the straight (up to 77 s slower in HK) says nothing about its speed.
FINISH_REL_SQL = """
UPDATE hrdpg_new_runs n
   SET finish_rel = greatest(-3.0, least(3.0, n.last_section - m.median_last))
  FROM (SELECT race_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY last_section) AS median_last
          FROM hrdpg_new_runs WHERE last_section IS NOT NULL GROUP BY race_id) m
 WHERE m.race_id = n.race_id AND n.last_section IS NOT NULL
"""

# Runs in off-time order, packed into one bytea (five int8 per run) for numpy: row-by-row
# results would cost more than the rating itself.
PACKED_RUNS_SQL = """
SELECT string_agg(int8send(race_ord) || int8send(day) || int8send(race_id)
                  || int8send(horse_id) || int8send(elo_rank), ''::bytea
                  ORDER BY race_ord, horse_id) AS packed
  FROM (SELECT dense_rank() OVER (ORDER BY off_time, race_id) - 1 AS race_ord,
               race_date - date '2000-01-01' AS day, race_id, horse_id, elo_rank::bigint
          FROM hrdpg_new_runs) runs
"""

CURRENT_RATINGS_SQL = """
SELECT DISTINCT ON (h.horse_id) h.horse_id, h.rating_after
  FROM modeling.run_history h
 WHERE h.horse_id IN (SELECT horse_id FROM hrdpg_new_runs)
 ORDER BY h.horse_id, h.off_time DESC
"""

# What a rebuild empties and reloads.
DAILY_TABLES = ("modeling.entity_daily", "modeling.draw_daily", "modeling.draw_rail_daily",
                "modeling.pair_daily", "modeling.par_daily", "modeling.meeting_variant",
                "modeling.speed_figures")
REBUILT_TABLES = ("modeling.run_history", *DAILY_TABLES)
TRUNCATE_SQL = "TRUNCATE " + ", ".join(REBUILT_TABLES)
# Those whose indexes a rebuild drops and builds once after the load. The pars keep theirs: the
# figures probe them while the same rebuild writes them (a row a race: cheap to index as it
# comes), and the meeting variants are only hash-joined.
BULK_INDEXED = tuple(t for t in REBUILT_TABLES
                     if t not in ("modeling.par_daily", "modeling.meeting_variant"))

# New runs with their ratings and the horse's form state after each run. The windows see the
# horse's earlier history rows too (a re-rate deleted everything from the first pending run on,
# so those all come before the new ones); only the new rows are inserted.
INSERT_SQL = """
INSERT INTO modeling.run_history (
    race_id, horse_id, jockey_id, trainer_id, race_date, off_time, course, dist_band,
    going_group, race_class, distance_m, draw_third, field_size, won, placed, pos_norm, beaten,
    rating_before, rating_after, runs_after, wins_after, places_after, wins5_after, pos_prev1,
    pos_prev2, beaten_prev1, beaten_prev2, early_pos, finish_rel, early_avg5_after,
    finish_rel_avg3_after, official_rating, body_weight_kg, gap_days, surface, rail, draw,
    weight_kg, time_s)
SELECT race_id, horse_id, jockey_id, trainer_id, race_date, off_time, course, dist_band,
       going_group, race_class, distance_m, draw_third, field_size, won, placed, pos_norm, beaten,
       rating_before, rating_after, runs_after, wins_after, places_after, wins5_after, pos_prev1,
       pos_prev2, beaten_prev1, beaten_prev2, early_pos, finish_rel, early_avg5_after,
       finish_rel_avg3_after, official_rating, body_weight_kg, gap_days, surface, rail, draw,
       weight_kg, time_s
  FROM (SELECT runs.*,
               count(*) OVER w AS runs_after,
               sum(won) OVER w AS wins_after,
               sum(placed) OVER w AS places_after,
               sum(won) OVER (w ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) AS wins5_after,
               lag(pos_norm) OVER w AS pos_prev1, lag(pos_norm, 2) OVER w AS pos_prev2,
               lag(beaten) OVER w AS beaten_prev1, lag(beaten, 2) OVER w AS beaten_prev2,
               avg(early_pos) OVER (w ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)
                   AS early_avg5_after,
               avg(finish_rel) OVER (w ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
                   AS finish_rel_avg3_after,
               extract(epoch FROM off_time - lag(off_time) OVER w) / 86400.0 AS gap_days,
               -- the rating going into a run is the one after the horse's previous run
               coalesce(lag(rating_after) OVER w, $4) AS rating_before
          FROM (SELECT n.race_id, n.horse_id, n.jockey_id, n.trainer_id, n.race_date,
                       n.off_time, n.course, n.dist_band, n.going_group, n.race_class,
                       n.distance_m, n.draw_third, n.field_size, n.won, n.placed, n.pos_norm,
                       n.beaten, n.early_pos, n.finish_rel, n.official_rating,
                       n.body_weight_kg, n.surface, n.rail, n.draw, n.weight_kg, n.time_s,
                       r.after AS rating_after, true AS new
                  FROM hrdpg_new_runs n
                  JOIN unnest($1::bigint[], $2::text::float8[], $3::bigint[])
                       AS r(horse_id, after, race_id)
                    ON r.race_id = n.race_id AND r.horse_id = n.horse_id
                UNION ALL
                SELECT h.race_id, h.horse_id, h.jockey_id, h.trainer_id, h.race_date,
                       h.off_time, h.course, h.dist_band, h.going_group, h.race_class,
                       h.distance_m, h.draw_third, h.field_size, h.won, h.placed, h.pos_norm,
                       h.beaten, h.early_pos, h.finish_rel, h.official_rating,
                       h.body_weight_kg, h.surface, h.rail, h.draw, h.weight_kg, h.time_s,
                       h.rating_after, false
                  FROM modeling.run_history h
                 WHERE h.horse_id IN (SELECT horse_id FROM hrdpg_new_runs)) runs
        WINDOW w AS (PARTITION BY horse_id ORDER BY off_time, race_id)) stated
 WHERE new
"""


def batches(race_ord: NDArray[np.int64], day: NDArray[np.int64],
            horse: NDArray[np.int64]) -> NDArray[np.int64]:
    """Batch id per race: consecutive races of one day, cut wherever a horse would run twice
    in a batch, so a batch can be rated at once and still in true sequential order."""
    n_races = int(race_ord[-1]) + 1 if race_ord.size else 0
    start = np.searchsorted(race_ord, np.arange(n_races + 1))
    batch = np.empty(n_races, dtype=np.int64)
    current, last_day = 0, None
    seen: set[int] = set()
    for i in range(n_races):
        runners = horse[start[i]:start[i + 1]].tolist()
        race_day = int(day[start[i]])
        if i and (race_day != last_day or not seen.isdisjoint(runners)):
            current, seen = current + 1, set()
        seen.update(runners)
        batch[i], last_day = current, race_day
    return batch


def float_array_literal(values: NDArray[np.float64]) -> str:
    """A float8[] literal that parses back to the same doubles (repr round-trips exactly).
    PL/Python converts a list parameter element by element; one text value is ~3x cheaper."""
    return "{" + ",".join(map(repr, values.tolist())) + "}"


def _scalar(plpy: Any, query: str, column: str) -> Any:
    return plpy.execute(query)[0][column]


def _suspend_indexes(plpy: Any, table: str) -> list[str]:
    plan = plpy.prepare("SELECT modeling.suspend_indexes($1::regclass) AS s", ["text"])
    statements: list[str] = plpy.execute(plan, [table])[0]["s"]
    return statements


def refresh_history(plpy: Any, rebuild: bool, lookback_days: int) -> int:
    """Rate and record newly completed runs; returns the number of runs added."""
    # One fold at a time (refresh_features takes the same lock): two would rate a race twice.
    plpy.execute("SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('hrdpg.features'))")
    if rebuild:
        plpy.execute(TRUNCATE_SQL)
    since_plan = plpy.prepare(
        "SELECT coalesce((max(race_date) - $1)::text, '-infinity') AS d "
        "FROM modeling.run_history", ["integer"])
    since = plpy.execute(since_plan, [lookback_days])[0]["d"]
    plpy.execute(plpy.prepare(PENDING_SQL, ["text"]), [since])
    if _scalar(plpy, "SELECT count(*) AS n FROM hrdpg_pending", "n") == 0:
        plpy.execute("DROP TABLE hrdpg_pending")
        return 0
    # A late result older than the newest rated run: re-rate from there on, in order.
    plpy.execute("""
        WITH redo AS (
            DELETE FROM modeling.run_history
             WHERE off_time >= (SELECT min(off_time) FROM hrdpg_pending)
            RETURNING race_id, off_time, race_date)
        INSERT INTO hrdpg_pending SELECT DISTINCT race_id, off_time, race_date FROM redo""")
    plpy.execute(NEW_RUNS_SQL)
    plpy.execute(FINISH_REL_SQL)
    current = {row["horse_id"]: row["rating_after"] for row in plpy.execute(CURRENT_RATINGS_SQL)}
    runs = np.frombuffer(bytes(plpy.execute(PACKED_RUNS_SQL)[0]["packed"]), dtype=">i8")
    race_ord, day, race_id, horse, rank = runs.reshape(-1, 5).astype(np.int64).T
    _, after = rate_in_batches(race_ord, batches(race_ord, day, horse), horse, rank, current)
    insert = plpy.prepare(INSERT_SQL, ["bigint[]", "text", "bigint[]", "float8"])
    # A rebuild loads a million runs into emptied tables: index them once, afterwards.
    suspended = [_suspend_indexes(plpy, table) for table in BULK_INDEXED] if rebuild else []
    plpy.execute(insert, [horse.tolist(), float_array_literal(after), race_id.tolist(),
                          INITIAL_RATING])
    if rebuild:
        # fresh statistics, so the feature refresh that follows plans for a million rows
        # rather than for the emptied table
        plpy.execute("ANALYZE modeling.run_history")
    first_day = _scalar(plpy, "SELECT min(race_date)::text AS d FROM hrdpg_pending", "d")
    # Every derived per-day table is recomputed from the fold's first day: a day's figures
    # (its meeting variant needs all its races) are final once its last result is in.
    refresh_running_totals(plpy, first_day, rebuild)
    # Spelled out: the feature version follows the modeling functions this module names
    # (modeling.feature_module_calls).
    plpy.execute(plpy.prepare("SELECT modeling.refresh_speed_figures($1::date)", ["date"]),
                 [first_day])
    if rebuild:
        restore = plpy.prepare("SELECT modeling.restore_indexes($1)", ["text[]"])
        for statements in suspended:
            plpy.execute(restore, [statements])
        plpy.execute("ANALYZE " + ", ".join(DAILY_TABLES))
    added = int(_scalar(plpy, "SELECT count(*) AS n FROM hrdpg_new_runs", "n"))
    plpy.execute("DROP TABLE hrdpg_new_runs; DROP TABLE hrdpg_pending")
    return added
