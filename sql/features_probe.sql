-- Probe path of refresh_features (see features_refresh.sql): a handful of index probes per
-- runner, so one race day costs the same with a month or a decade of history behind it.

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
RETURNS TABLE (cum_wins bigint, cum_expected double precision)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT e.cum_wins, e.cum_expected FROM modeling.draw_daily e
     WHERE e.course = draw_totals_before.course AND e.dist_band = draw_totals_before.dist_band
       AND e.draw_third = draw_totals_before.draw_third AND e.race_date < day
     ORDER BY e.race_date DESC LIMIT 1;
END;
COMMENT ON FUNCTION modeling.draw_totals_before(text, smallint, smallint, date) IS
    'Running draw totals of a course, distance band and draw third at the last day before day; '
    'an index-only probe, inlined into the caller.';

CREATE OR REPLACE FUNCTION modeling.feature_parts_by_probe(
    from_date date, to_date date, every_runner boolean)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    -- every_runner => false: only runners without a result (the window path did the rest).
    -- Analysed temp tables, not CTEs: the planner then hash-joins the per-entity totals
    -- instead of rescanning them for every runner.
    DROP TABLE IF EXISTS hrdpg_probe, hrdpg_probe_people, hrdpg_probe_draws;
    CREATE TEMP TABLE hrdpg_probe ON COMMIT DROP AS
    SELECT ru.race_id, ru.horse_id, ru.jockey_id, ru.trainer_id, ra.race_date,
           ra.off_time, ra.course, modeling.distance_band(ra.distance_m) AS dist_band,
           modeling.going_group(ra.going, ra.surface) AS going_group, ra.race_class,
           ra.distance_m,
           CASE WHEN ru.draw IS NOT NULL THEN least(3, 1 + (3 * (ru.draw - 1))
                / count(*) OVER (PARTITION BY ru.race_id))::smallint END AS draw_third
      FROM modeling.src_races ra
      JOIN modeling.src_runners ru ON ru.race_id = ra.race_id
     WHERE ra.race_date BETWEEN from_date AND to_date
       AND NOT ru.non_runner AND ru.status IS DISTINCT FROM 'non_runner'
       -- refresh_history folds whole races, so "no result yet" is a property of the race
       AND (every_runner
            OR NOT EXISTS (SELECT 1 FROM modeling.run_history h WHERE h.race_id = ra.race_id));
    ANALYZE hrdpg_probe;

    CREATE TEMP TABLE hrdpg_probe_people ON COMMIT DROP AS
        -- A window is the running total at the day before the race minus the running total
        -- at the day before the window opens.
        SELECT p.kind, p.entity_id, p.race_date,
               c0.cum_rides - coalesce(c14.cum_rides, 0) AS rides14,
               c0.cum_wins - coalesce(c14.cum_wins, 0) AS wins14,
               c0.cum_expected - coalesce(c14.cum_expected, 0) AS exp14,
               c0.cum_rides - coalesce(c90.cum_rides, 0) AS rides90,
               c0.cum_wins - coalesce(c90.cum_wins, 0) AS wins90,
               c0.cum_rides - coalesce(c365.cum_rides, 0) AS rides365,
               c0.cum_wins - coalesce(c365.cum_wins, 0) AS wins365
          FROM (SELECT DISTINCT 'j'::"char" AS kind, jockey_id AS entity_id, race_date
                  FROM hrdpg_probe WHERE jockey_id IS NOT NULL
                UNION ALL
                SELECT DISTINCT 't'::"char", trainer_id, race_date
                  FROM hrdpg_probe WHERE trainer_id IS NOT NULL) p
          LEFT JOIN LATERAL modeling.entity_totals_before(
                p.kind, p.entity_id, p.race_date) c0 ON true
          LEFT JOIN LATERAL modeling.entity_totals_before(
                p.kind, p.entity_id, p.race_date - 14) c14 ON true
          LEFT JOIN LATERAL modeling.entity_totals_before(
                p.kind, p.entity_id, p.race_date - 90) c90 ON true
          LEFT JOIN LATERAL modeling.entity_totals_before(
                p.kind, p.entity_id, p.race_date - 365) c365 ON true;
    ANALYZE hrdpg_probe_people;
    CREATE TEMP TABLE hrdpg_probe_draws ON COMMIT DROP AS
        SELECT d.course, d.dist_band, d.draw_third, d.race_date,
               c0.cum_wins - coalesce(c730.cum_wins, 0) AS wins,
               c0.cum_expected - coalesce(c730.cum_expected, 0) AS expected
          FROM (SELECT DISTINCT course, dist_band, draw_third, race_date FROM hrdpg_probe
                 WHERE draw_third IS NOT NULL) d
          LEFT JOIN LATERAL modeling.draw_totals_before(
                d.course, d.dist_band, d.draw_third, d.race_date) c0 ON true
          LEFT JOIN LATERAL modeling.draw_totals_before(
                d.course, d.dist_band, d.draw_third, d.race_date - 730) c730 ON true;
    ANALYZE hrdpg_probe_draws;

    INSERT INTO hrdpg_parts
    SELECT t.race_id, t.horse_id, t.race_date, t.off_time, t.draw_third,
           coalesce(p.runs_after, 0), p.wins_after, p.places_after, p.off_time,
           least(coalesce(p.runs_after, 0), 5), p.wins5_after,
           p.pos_norm, p.pos_prev1, p.pos_prev2, p.beaten, p.beaten_prev1, p.beaten_prev2,
           g.course_runs, g.course_wins, g.dist_runs, g.dist_wins, g.going_runs, g.going_wins,
           (t.race_class - p.race_class)::float8, (t.distance_m - p.distance_m)::float8,
           p.rating_after,
           jf.rides14, jf.wins14, jf.rides90, jf.wins90, jf.rides365, jf.wins365,
           tf.rides14, tf.wins14, tf.exp14, tf.rides90, tf.wins90, tf.rides365, tf.wins365,
           df.wins, df.expected
      FROM hrdpg_probe t
      -- the horse's last completed run before this one: its state after is the form now
      LEFT JOIN LATERAL (SELECT * FROM modeling.run_history r
                          WHERE r.horse_id = t.horse_id
                            AND (r.off_time, r.race_id) < (t.off_time, t.race_id)
                          ORDER BY r.off_time DESC, r.race_id DESC LIMIT 1) p ON true
      -- course / distance / going record: an index-only scan of the horse's earlier runs
      CROSS JOIN LATERAL (
            SELECT count(*) FILTER (WHERE e.course = t.course) AS course_runs,
                   sum(e.won) FILTER (WHERE e.course = t.course) AS course_wins,
                   count(*) FILTER (WHERE e.dist_band = t.dist_band) AS dist_runs,
                   sum(e.won) FILTER (WHERE e.dist_band = t.dist_band) AS dist_wins,
                   count(*) FILTER (WHERE e.going_group = t.going_group) AS going_runs,
                   sum(e.won) FILTER (WHERE e.going_group = t.going_group) AS going_wins
              FROM modeling.run_history e
             WHERE e.horse_id = t.horse_id
               AND (e.off_time, e.race_id) < (t.off_time, t.race_id)) g
      LEFT JOIN hrdpg_probe_people jf
        ON jf.kind = 'j' AND jf.entity_id = t.jockey_id AND jf.race_date = t.race_date
      LEFT JOIN hrdpg_probe_people tf
        ON tf.kind = 't' AND tf.entity_id = t.trainer_id AND tf.race_date = t.race_date
      LEFT JOIN hrdpg_probe_draws df
        ON (df.course, df.dist_band, df.draw_third, df.race_date)
         = (t.course, t.dist_band, t.draw_third, t.race_date);
    DROP TABLE hrdpg_probe, hrdpg_probe_people, hrdpg_probe_draws;
END;
$fn$;
COMMENT ON FUNCTION modeling.feature_parts_by_probe(date, date, boolean) IS
    'Internal to refresh_features: feature parts of the declared runners in the range by '
    'per-runner index probes (all of them, or only those without a result).';
REVOKE ALL ON FUNCTION modeling.feature_parts_by_probe(date, date, boolean) FROM PUBLIC;
