-- Run history: completed runs with outcome facts and sequential Elo, plus daily running totals
-- for jockeys, trainers and draw positions. Refreshed incrementally after results arrive.

CREATE OR REPLACE FUNCTION modeling.entity_totals_before(kind "char", entity_id bigint, day date)
RETURNS TABLE (cum_rides bigint, cum_wins bigint, cum_expected double precision)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT e.cum_rides, e.cum_wins, e.cum_expected FROM modeling.entity_daily e
     WHERE e.kind = entity_totals_before.kind AND e.entity_id = entity_totals_before.entity_id
       AND e.race_date < day
     ORDER BY e.race_date DESC LIMIT 1;
END;
COMMENT ON FUNCTION modeling.entity_totals_before("char", bigint, date) IS
    'Running totals of a jockey (j) or trainer (t) at their last day before day (no row: none); '
    'an index-only probe, inlined into the caller.';

CREATE OR REPLACE FUNCTION modeling.draw_totals_before(
    course text, dist_band smallint, draw_third smallint, day date)
RETURNS TABLE (cum_runs bigint, cum_wins bigint, cum_expected double precision)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT e.cum_runs, e.cum_wins, e.cum_expected FROM modeling.draw_daily e
     WHERE e.course = draw_totals_before.course AND e.dist_band = draw_totals_before.dist_band
       AND e.draw_third = draw_totals_before.draw_third AND e.race_date < day
     ORDER BY e.race_date DESC LIMIT 1;
END;
COMMENT ON FUNCTION modeling.draw_totals_before(text, smallint, smallint, date) IS
    'Running draw totals of a course, distance band and draw third at the last day before day; '
    'inlined into the caller (an index-only probe when cum_runs is not read).';

CREATE OR REPLACE FUNCTION modeling.refresh_daily_totals(from_date date)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    -- Running totals continue from each entity's totals before from_date (one probe per
    -- entity, not per day): they open the running sums as a row dated the day before, which
    -- is not inserted again, so a fold from any day adds up in the same order as a rebuild, to
    -- the last bit. Sums of int4 stay bigint (a sum of bigint would be numeric, several times
    -- slower); a career's rides fit int4 many times over. A day's sums of floats are taken in
    -- (race, horse) order: results arriving race by race store a day's runs in another physical
    -- order than a rebuild, and an unordered sum would then differ in the last bit.
    DELETE FROM modeling.entity_daily WHERE race_date >= from_date;
    INSERT INTO modeling.entity_daily
    WITH days AS MATERIALIZED (
        SELECT 'j'::"char" AS kind, jockey_id AS entity_id, race_date, count(*)::int AS rides,
               sum(won)::int AS wins,
               sum(1.0::float8 / field_size ORDER BY race_id, horse_id) AS expected
          FROM modeling.run_history
         WHERE race_date >= from_date AND jockey_id IS NOT NULL
         GROUP BY jockey_id, race_date
        UNION ALL
        SELECT 't'::"char", trainer_id, race_date, count(*)::int, sum(won)::int,
               sum(1.0::float8 / field_size ORDER BY race_id, horse_id)
          FROM modeling.run_history
         WHERE race_date >= from_date AND trainer_id IS NOT NULL
         GROUP BY trainer_id, race_date)
    SELECT kind, entity_id, race_date, rides, wins, expected, cum_rides, cum_wins, cum_expected
      FROM (SELECT r.*, sum(r.add_rides) OVER w AS cum_rides, sum(r.add_wins) OVER w AS cum_wins,
                   sum(r.add_expected) OVER w AS cum_expected
              FROM (SELECT d.*, d.rides AS add_rides, d.wins AS add_wins,
                           d.expected AS add_expected, false AS opening
                      FROM days d
                    UNION ALL
                    SELECT e.kind, e.entity_id, from_date - 1, 0, 0, 0, b.cum_rides::int,
                           b.cum_wins::int, b.cum_expected, true
                      FROM (SELECT DISTINCT kind, entity_id FROM days) e
                      CROSS JOIN LATERAL modeling.entity_totals_before(
                            e.kind, e.entity_id, from_date) b) r
            WINDOW w AS (PARTITION BY r.kind, r.entity_id ORDER BY r.race_date)) s
     WHERE NOT opening;

    DELETE FROM modeling.draw_daily WHERE race_date >= from_date;
    INSERT INTO modeling.draw_daily
    WITH days AS MATERIALIZED (
        SELECT course, dist_band, draw_third, race_date, count(*)::int AS runs,
               sum(won)::int AS wins,
               sum(1.0::float8 / field_size ORDER BY race_id, horse_id) AS expected
          FROM modeling.run_history
         WHERE race_date >= from_date AND draw_third IS NOT NULL
         GROUP BY course, dist_band, draw_third, race_date)
    SELECT course, dist_band, draw_third, race_date, runs, wins, expected, cum_runs, cum_wins,
           cum_expected
      FROM (SELECT r.*, sum(r.add_runs) OVER w AS cum_runs, sum(r.add_wins) OVER w AS cum_wins,
                   sum(r.add_expected) OVER w AS cum_expected
              FROM (SELECT d.*, d.runs AS add_runs, d.wins AS add_wins,
                           d.expected AS add_expected, false AS opening
                      FROM days d
                    UNION ALL
                    SELECT k.course, k.dist_band, k.draw_third, from_date - 1, 0, 0, 0,
                           b.cum_runs::int, b.cum_wins::int, b.cum_expected, true
                      FROM (SELECT DISTINCT course, dist_band, draw_third FROM days) k
                      CROSS JOIN LATERAL modeling.draw_totals_before(
                            k.course, k.dist_band, k.draw_third, from_date) b) r
            WINDOW w AS (PARTITION BY r.course, r.dist_band, r.draw_third ORDER BY r.race_date)) s
     WHERE NOT opening;
END;
COMMENT ON FUNCTION modeling.refresh_daily_totals(date) IS
    'Recompute jockey/trainer and draw daily totals (with running sums) from from_date on.';

CREATE OR REPLACE FUNCTION modeling.refresh_history(
    rebuild boolean DEFAULT false, lookback_days integer DEFAULT 7)
RETURNS bigint
LANGUAGE plpython3u
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '256MB'  -- a rebuild sorts a million runs: keep them in memory
SET maintenance_work_mem = '256MB'  -- and rebuilds the history's indexes (suspend_indexes)
SET jit = off           -- compiling these plans costs more than it saves
SET enable_mergejoin = off  -- runs meet their ratings by hash: no sort of a million wide rows
AS $$
if lookback_days is None or lookback_days < 0:
    plpy.error("refresh_history: lookback_days must be >= 0",
               hint="Use rebuild => true to re-derive all history.")
from hrdpg_pl.history import refresh_history
return refresh_history(plpy, bool(rebuild), int(lookback_days))
$$;
COMMENT ON FUNCTION modeling.refresh_history(boolean, integer) IS
    'Fold newly completed races into modeling.run_history (Elo in off-time order) and the '
    'daily totals; results older than lookback_days before the newest rated day need rebuild.';
REVOKE ALL ON FUNCTION modeling.refresh_history(boolean, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION modeling.refresh_daily_totals(date) FROM PUBLIC;
