-- Speed figures from finishing times (refresh_history calls refresh_speed_figures after the
-- daily totals, from the fold's first day on; the pars' running totals, modeling.par_daily,
-- are among them: hrdpg_pl.running_totals).
--
--   par      mean winning time at the course, surface, distance and rail over earlier days
--            (at least 3 races; else the same over every rail; else none)
--   variant  per meeting (course, surface, day): median over its races with a par of
--            (winning time - par) / km, s/km, + = slow ground
--   figure   10 x ((par - time) / km + variant) + 0.4 x (lb carried - 126), in 0.1 s/km:
--            + = faster than par once the day's ground and the weight are allowed for
--
-- The variant needs the whole meeting, and results arrive race by race. Every fold recomputes
-- the pars, variants and figures of each day from its first day on, from the runs folded so far:
-- a day's figures are provisional until its last result is in, and final from then on, equal
-- to what a rebuild computes. Features read figures of days before the race day only
-- (figures_before), so no feature ever reads a provisional figure of its own day, and each
-- day's figures are final before any feature reads them.

CREATE OR REPLACE FUNCTION modeling.par_time_before(
    course text, surface text, distance_m integer, rail text, day date)
RETURNS double precision
LANGUAGE sql STABLE
BEGIN ATOMIC
    -- the rail's own par when it has 3 races before day, else the par over every rail ('*')
    SELECT coalesce(
        (SELECT CASE WHEN e.cum_races >= 3 THEN e.cum_time_cs::float8 / e.cum_races / 100.0 END
           FROM modeling.par_daily e
          WHERE e.course = par_time_before.course
            AND e.surface = coalesce(par_time_before.surface, '')
            AND e.distance_m = par_time_before.distance_m
            AND e.rail = coalesce(par_time_before.rail, '') AND e.race_date < day
          ORDER BY e.race_date DESC LIMIT 1),
        (SELECT CASE WHEN e.cum_races >= 3 THEN e.cum_time_cs::float8 / e.cum_races / 100.0 END
           FROM modeling.par_daily e
          WHERE e.course = par_time_before.course
            AND e.surface = coalesce(par_time_before.surface, '')
            AND e.distance_m = par_time_before.distance_m AND e.rail = '*'
            AND e.race_date < day
          ORDER BY e.race_date DESC LIMIT 1));
END;
COMMENT ON FUNCTION modeling.par_time_before(text, text, integer, text, date) IS
    'Par time (s) of a course, surface, distance and rail from the winning times of the days '
    'before day: the rail''s own with 3 races or more, else every rail''s, else NULL.';

CREATE OR REPLACE FUNCTION modeling.refresh_speed_figures(from_date date)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    DELETE FROM modeling.meeting_variant WHERE race_date >= from_date;
    DELETE FROM modeling.speed_figures WHERE race_date >= from_date;
    INSERT INTO modeling.meeting_variant
    SELECT course, surface, race_date, count(*)::int,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY (winner_s - par_s) / (distance_m / 1000.0))
      FROM (SELECT DISTINCT ON (h.race_id) h.course, coalesce(h.surface, '') AS surface,
                   h.race_date, h.distance_m, h.time_s AS winner_s,
                   modeling.par_time_before(h.course, h.surface, h.distance_m, h.rail,
                                            h.race_date) AS par_s
              FROM modeling.run_history h
             WHERE h.race_date >= from_date AND h.won = 1 AND h.time_s IS NOT NULL
               AND h.distance_m IS NOT NULL
             ORDER BY h.race_id, h.time_s) r
     WHERE par_s IS NOT NULL
     GROUP BY course, surface, race_date;

    INSERT INTO modeling.speed_figures (race_id, horse_id, race_date, off_time, figure)
    -- one par per race (materialised: else the planner calls it once per run, twice)
    WITH race_par AS MATERIALIZED (
        SELECT r.race_id, modeling.par_time_before(r.course, r.surface, r.distance_m, r.rail,
                                                   r.race_date) AS par_s
          FROM (SELECT DISTINCT race_id, course, surface, distance_m, rail, race_date
                  FROM modeling.run_history
                 WHERE race_date >= from_date AND distance_m IS NOT NULL) r)
    SELECT h.race_id, h.horse_id, h.race_date, h.off_time,
           10.0 * ((p.par_s - h.time_s) / (h.distance_m / 1000.0) + v.variant)
           + 0.4 * (h.weight_kg / 0.45359237 - 126.0)
      FROM modeling.run_history h
      JOIN race_par p ON p.race_id = h.race_id
      JOIN modeling.meeting_variant v
        ON (v.course, v.surface, v.race_date) = (h.course, coalesce(h.surface, ''), h.race_date)
     WHERE h.race_date >= from_date AND h.time_s IS NOT NULL AND h.weight_kg IS NOT NULL
       AND p.par_s IS NOT NULL;
END;
COMMENT ON FUNCTION modeling.refresh_speed_figures(date) IS
    'Recompute meeting variants and speed figures from from_date on, from the pars written '
    'before it (header of sql/speed_figures.sql).';
REVOKE ALL ON FUNCTION modeling.refresh_speed_figures(date) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.figures_before(horse_id bigint, day date)
RETURNS TABLE (fig_last double precision, fig_best3 double precision)
LANGUAGE sql STABLE
BEGIN ATOMIC
    -- the horse's last three runs with a figure, on days before day: final figures only
    SELECT (array_agg(l.figure ORDER BY l.race_date DESC, l.off_time DESC, l.race_id DESC))[1],
           max(l.figure)
      FROM (SELECT f.figure, f.race_date, f.off_time, f.race_id FROM modeling.speed_figures f
             WHERE f.horse_id = figures_before.horse_id AND f.race_date < day
             ORDER BY f.race_date DESC, f.off_time DESC, f.race_id DESC LIMIT 3) l;
END;
COMMENT ON FUNCTION modeling.figures_before(bigint, date) IS
    'Last speed figure and the best of the last three of a horse, on days before day (NULLs: '
    'none); an index probe, used by both branches of feature_parts.';
