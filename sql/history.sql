-- Run history: completed runs with outcome facts and sequential Elo, plus daily running totals
-- for jockeys, trainers and draw positions. Refreshed incrementally after results arrive.

CREATE OR REPLACE FUNCTION modeling.refresh_daily_totals(from_date date)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    DELETE FROM modeling.entity_daily WHERE race_date >= from_date;
    -- Running totals continue from each entity's last row before from_date: one probe per
    -- entity (not per day), so a full rebuild does not probe a million times.
    INSERT INTO modeling.entity_daily
    WITH days AS MATERIALIZED (
        SELECT 'j'::"char" AS kind, jockey_id AS entity_id, race_date, count(*)::int AS rides,
               sum(won)::int AS wins, sum(1.0::float8 / field_size) AS expected
          FROM modeling.run_history
         WHERE race_date >= from_date AND jockey_id IS NOT NULL
         GROUP BY jockey_id, race_date
        UNION ALL
        SELECT 't'::"char", trainer_id, race_date, count(*)::int, sum(won)::int, sum(1.0::float8 / field_size)
          FROM modeling.run_history
         WHERE race_date >= from_date AND trainer_id IS NOT NULL
         GROUP BY trainer_id, race_date),
    base AS (
        SELECT e.kind, e.entity_id, b.cum_rides, b.cum_wins, b.cum_expected
          FROM (SELECT DISTINCT kind, entity_id FROM days) e
          JOIN LATERAL (
                SELECT d.cum_rides, d.cum_wins, d.cum_expected FROM modeling.entity_daily d
                 WHERE d.kind = e.kind AND d.entity_id = e.entity_id AND d.race_date < from_date
                 ORDER BY d.race_date DESC LIMIT 1) b ON true)
    SELECT d.kind, d.entity_id, d.race_date, d.rides, d.wins, d.expected,
           coalesce(b.cum_rides, 0) + sum(d.rides) OVER w,
           coalesce(b.cum_wins, 0) + sum(d.wins) OVER w,
           coalesce(b.cum_expected, 0) + sum(d.expected) OVER w
      FROM days d
      LEFT JOIN base b ON b.kind = d.kind AND b.entity_id = d.entity_id
    WINDOW w AS (PARTITION BY d.kind, d.entity_id ORDER BY d.race_date);

    DELETE FROM modeling.draw_daily WHERE race_date >= from_date;
    INSERT INTO modeling.draw_daily
    WITH days AS MATERIALIZED (
        SELECT course, dist_band, draw_third, race_date, count(*)::int AS runs, sum(won)::int AS wins,
               sum(1.0::float8 / field_size) AS expected
          FROM modeling.run_history
         WHERE race_date >= from_date AND draw_third IS NOT NULL
         GROUP BY course, dist_band, draw_third, race_date),
    base AS (
        SELECT k.course, k.dist_band, k.draw_third, b.cum_runs, b.cum_wins, b.cum_expected
          FROM (SELECT DISTINCT course, dist_band, draw_third FROM days) k
          JOIN LATERAL (
                SELECT e.cum_runs, e.cum_wins, e.cum_expected FROM modeling.draw_daily e
                 WHERE (e.course, e.dist_band, e.draw_third) = (k.course, k.dist_band, k.draw_third)
                   AND e.race_date < from_date
                 ORDER BY e.race_date DESC LIMIT 1) b ON true)
    SELECT d.course, d.dist_band, d.draw_third, d.race_date, d.runs, d.wins, d.expected,
           coalesce(b.cum_runs, 0) + sum(d.runs) OVER w,
           coalesce(b.cum_wins, 0) + sum(d.wins) OVER w,
           coalesce(b.cum_expected, 0) + sum(d.expected) OVER w
      FROM days d
      LEFT JOIN base b
        ON (b.course, b.dist_band, b.draw_third) = (d.course, d.dist_band, d.draw_third)
    WINDOW w AS (PARTITION BY d.course, d.dist_band, d.draw_third ORDER BY d.race_date);
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
