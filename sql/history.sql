-- Run history: completed runs with outcome facts and sequential Elo, plus daily running totals
-- for jockeys, trainers and draw positions (written by hrdpg_pl.running_totals, read through
-- the probes below). Refreshed incrementally after results arrive.

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

-- The daily totals are written by hrdpg_pl.running_totals (one writer for every table).
DROP FUNCTION IF EXISTS modeling.refresh_daily_totals(date);

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
