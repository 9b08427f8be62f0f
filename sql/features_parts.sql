-- The raw "parts" of every declared runner's features in a date range (counts, last positions,
-- window totals), as of its race's off; modeling.feature_values turns them into values.
-- Point in time by construction: horse form counts only completed runs before the runner's own
-- (in off-time order), and jockey, trainer and draw totals stop at the day before the race.
--
-- Two branches give the same rows (tests/db/test_features_paths.py):
--   * window (windows => true), for the completed runs of the range (training over years): the
--     stored state of the horse's runs plus window functions over the history and daily totals.
--   * probe, for every runner when windows is false (scoring a day) and otherwise for the
--     runners without a result yet: a few index probes per runner, so a day costs the same
--     whatever the history behind it.
-- An SQL function with one SELECT, so the planner inlines it and, given windows as a constant,
-- drops the branch that does not apply.

CREATE OR REPLACE FUNCTION modeling.feature_parts(from_date date, to_date date, windows boolean)
RETURNS TABLE (
    by_window boolean, race_id bigint, horse_id bigint, race_date date, off_time timestamptz,
    draw_third smallint, runs bigint, wins bigint, places bigint, last_off timestamptz,
    runs5 bigint, wins5 bigint,
    pos1 float8, pos2 float8, pos3 float8, beaten1 float8, beaten2 float8, beaten3 float8,
    course_runs bigint, course_wins bigint, dist_runs bigint, dist_wins bigint,
    going_runs bigint, going_wins bigint, class_change float8, dist_change float8, elo float8,
    j_rides14 bigint, j_wins14 bigint, j_rides90 bigint, j_wins90 bigint, j_rides365 bigint,
    j_wins365 bigint, t_rides14 bigint, t_wins14 bigint, t_exp14 float8, t_rides90 bigint,
    t_wins90 bigint, t_rides365 bigint, t_wins365 bigint, draw_wins bigint,
    draw_expected float8, early5 float8, finish3 float8, rating_change float8,
    body_weight_change float8, gap_before_last float8, dr_wins bigint, dr_expected float8,
    dr_pos_runs bigint, dr_pos_sum float8, jt_rides bigint, jt_wins bigint, jt_expected float8,
    fig_last float8, fig_best3 float8)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT * FROM (
        -- window branch. A run's form is the stored state of its own row (the counts after
        -- it, less its own outcome; the previous runs' positions) or lag() of the previous
        -- row, and the course / distance / going frames end at 1 PRECEDING: never the run
        -- itself or anything later.
        SELECT true AS by_window, f.race_id, f.horse_id, f.race_date, f.off_time, f.draw_third,
               f.runs, f.wins, f.places, f.last_off, least(f.runs, 5), f.wins5,
               f.pos1, f.pos2, f.pos3, f.beaten1, f.beaten2, f.beaten3,
               f.course_runs, f.course_wins, f.dist_runs, f.dist_wins, f.going_runs, f.going_wins,
               f.class_change, f.dist_change, f.elo,
               jf.rides14, jf.wins14, jf.rides90, jf.wins90, jf.rides365, jf.wins365,
               tf.rides14, tf.wins14, tf.exp14, tf.rides90, tf.wins90, tf.rides365, tf.wins365,
               df.wins, df.expected, f.early5, f.finish3, f.rating_change,
               f.body_weight_change, f.gap_before_last, dr.cum_wins, dr.cum_expected,
               dr.cum_pos_runs, dr.cum_pos_sum, pw.rides, pw.wins, pw.expected, fg.fig_last,
               fg.fig_best3
          FROM (SELECT h.race_id, h.horse_id, h.jockey_id, h.trainer_id, h.race_date, h.off_time,
                       h.course, h.dist_band, h.draw_third, h.surface, h.rail, h.draw,
                       h.distance_m,
                       h.runs_after - 1 AS runs,
                       CASE WHEN h.runs_after > 1 THEN h.wins_after - h.won END AS wins,
                       CASE WHEN h.runs_after > 1 THEN h.places_after - h.placed END AS places,
                       lag(h.off_time) OVER w AS last_off, lag(h.wins5_after) OVER w AS wins5,
                       h.pos_prev1 AS pos1, h.pos_prev2 AS pos2, lag(h.pos_prev2) OVER w AS pos3,
                       h.beaten_prev1 AS beaten1, h.beaten_prev2 AS beaten2,
                       lag(h.beaten_prev2) OVER w AS beaten3,
                       count(*) OVER w_course AS course_runs,
                       sum(h.won) OVER w_course AS course_wins,
                       count(*) OVER w_dist AS dist_runs, sum(h.won) OVER w_dist AS dist_wins,
                       count(*) OVER w_going AS going_runs, sum(h.won) OVER w_going AS going_wins,
                       (h.race_class - lag(h.race_class) OVER w)::float8 AS class_change,
                       (h.distance_m - lag(h.distance_m) OVER w)::float8 AS dist_change,
                       -- the rating going into this run is the one after the previous run
                       CASE WHEN h.runs_after > 1 THEN h.rating_before END AS elo,
                       lag(h.early_avg5_after) OVER w AS early5,
                       lag(h.finish_rel_avg3_after) OVER w AS finish3,
                       -- declared now (stored with the run) against declared last time
                       (h.official_rating - lag(h.official_rating) OVER w)::float8
                           AS rating_change,
                       h.body_weight_kg - lag(h.body_weight_kg) OVER w AS body_weight_change,
                       lag(h.gap_days) OVER w AS gap_before_last
                  FROM modeling.run_history h
                 WHERE h.race_date <= to_date
                   -- every horse of the range, with all its earlier runs
                   AND h.horse_id IN (SELECT r.horse_id FROM modeling.run_history r
                                       WHERE r.race_date BETWEEN from_date AND to_date)
                WINDOW w AS (PARTITION BY h.horse_id ORDER BY h.off_time, h.race_id),
                       w_course AS (PARTITION BY h.horse_id, h.course
                                    ORDER BY h.off_time, h.race_id
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                       w_dist AS (PARTITION BY h.horse_id, h.dist_band
                                  ORDER BY h.off_time, h.race_id
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                       w_going AS (PARTITION BY h.horse_id, h.going_group
                                   ORDER BY h.off_time, h.race_id
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) f
          LEFT JOIN modeling.people_windows('j', from_date, to_date) jf
            ON jf.entity_id = f.jockey_id AND jf.race_date = f.race_date
          LEFT JOIN modeling.people_windows('t', from_date, to_date) tf
            ON tf.entity_id = f.trainer_id AND tf.race_date = f.race_date
          LEFT JOIN modeling.draw_windows(from_date, to_date) df
            ON (df.course, df.dist_band, df.draw_third, df.race_date)
             = (f.course, f.dist_band, f.draw_third, f.race_date)
          LEFT JOIN modeling.draw_rail_windows(from_date, to_date) dr
            ON (dr.course, dr.surface, dr.distance_m, dr.rail, dr.draw, dr.race_date)
             = (f.course, coalesce(f.surface, ''), f.distance_m, coalesce(f.rail, ''), f.draw,
                f.race_date)
          LEFT JOIN modeling.pair_windows(from_date, to_date) pw
            ON (pw.jockey_id, pw.trainer_id, pw.race_date)
             = (f.jockey_id, f.trainer_id, f.race_date)
          -- figures are a per-run table, not running totals: one index probe per run, the
          -- same call as the probe branch's
          LEFT JOIN LATERAL modeling.figures_before(f.horse_id, f.race_date) fg ON true
         WHERE f.race_date >= from_date
        UNION ALL
        (WITH probe AS MATERIALIZED (
            -- Declared runners the probe branch covers: all of a short range; in a long range
            -- those of races without a result (refresh_history folds whole races).
            SELECT ru.race_id, ru.horse_id, ru.jockey_id, ru.trainer_id, ra.race_date,
                   ra.off_time, ra.course, modeling.distance_band(ra.distance_m) AS dist_band,
                   modeling.going_group(ra.going, ra.surface) AS going_group, ra.race_class,
                   ra.distance_m, ru.official_rating, d.body_weight_kg::float8 AS body_weight_kg,
                   ra.surface, rd.rail, ru.draw,
                   CASE WHEN ru.draw IS NOT NULL THEN least(3, 1 + (3 * (ru.draw - 1))
                        / count(*) OVER (PARTITION BY ru.race_id))::smallint END AS draw_third
              FROM modeling.src_races ra
              JOIN modeling.src_runners ru ON ru.race_id = ra.race_id
              LEFT JOIN modeling.src_runner_details d
                ON (d.race_id, d.horse_id) = (ru.race_id, ru.horse_id)
              LEFT JOIN modeling.src_race_details rd ON rd.race_id = ru.race_id
             WHERE ra.race_date BETWEEN from_date AND to_date
               AND NOT ru.non_runner AND ru.status IS DISTINCT FROM 'non_runner'
               AND (NOT windows
                    OR NOT EXISTS (SELECT 1 FROM modeling.run_history h
                                    WHERE h.race_id = ra.race_id))
        ),
        -- Jockeys and trainers in separate CTEs: a CTE scan with a filter looks far cheaper to
        -- rescan than it is, and the planner would loop over it once per runner.
        probe_jockeys AS MATERIALIZED (
            SELECT d.entity_id, d.race_date, w.*
              FROM (SELECT DISTINCT jockey_id AS entity_id, race_date FROM probe
                     WHERE jockey_id IS NOT NULL) d
              LEFT JOIN LATERAL modeling.entity_windows_before('j', d.entity_id, d.race_date) w
                ON true
        ),
        probe_trainers AS MATERIALIZED (
            SELECT d.entity_id, d.race_date, w.*
              FROM (SELECT DISTINCT trainer_id AS entity_id, race_date FROM probe
                     WHERE trainer_id IS NOT NULL) d
              LEFT JOIN LATERAL modeling.entity_windows_before('t', d.entity_id, d.race_date) w
                ON true
        ),
        probe_draws AS MATERIALIZED (
            SELECT d.course, d.dist_band, d.draw_third, d.race_date,
                   c0.cum_wins - coalesce(c730.cum_wins, 0) AS wins,
                   c0.cum_expected - coalesce(c730.cum_expected, 0) AS expected
              FROM (SELECT DISTINCT course, dist_band, draw_third, race_date FROM probe
                     WHERE draw_third IS NOT NULL) d
              LEFT JOIN LATERAL modeling.draw_totals_before(
                    d.course, d.dist_band, d.draw_third, d.race_date) c0 ON true
              LEFT JOIN LATERAL modeling.draw_totals_before(
                    d.course, d.dist_band, d.draw_third, d.race_date - 730) c730 ON true
        ),
        probe_draw_rails AS MATERIALIZED (
            SELECT d.course, d.surface, d.distance_m, d.rail, d.draw, d.race_date, c.*
              FROM (SELECT DISTINCT course, surface, distance_m, rail, draw, race_date
                      FROM probe WHERE draw IS NOT NULL AND distance_m IS NOT NULL) d
              LEFT JOIN LATERAL modeling.draw_rail_totals_before(
                    d.course, d.surface, d.distance_m, d.rail, d.draw, d.race_date) c ON true
        ),
        probe_pairs AS MATERIALIZED (
            SELECT d.jockey_id, d.trainer_id, d.race_date, w.*
              FROM (SELECT DISTINCT jockey_id, trainer_id, race_date FROM probe
                     WHERE jockey_id IS NOT NULL AND trainer_id IS NOT NULL) d
              LEFT JOIN LATERAL modeling.pair_window_before(
                    d.jockey_id, d.trainer_id, d.race_date) w ON true
        )
        -- probe branch: the horse's last completed run before this one (its state after is the
        -- form now), an index-only count of its earlier course / distance / going runs, and the
        -- running totals probed above.
        SELECT false, t.race_id, t.horse_id, t.race_date, t.off_time, t.draw_third,
               coalesce(p.runs_after, 0), p.wins_after, p.places_after, p.off_time,
               least(coalesce(p.runs_after, 0), 5), p.wins5_after,
               p.pos_norm, p.pos_prev1, p.pos_prev2, p.beaten, p.beaten_prev1, p.beaten_prev2,
               g.course_runs, g.course_wins, g.dist_runs, g.dist_wins, g.going_runs, g.going_wins,
               (t.race_class - p.race_class)::float8, (t.distance_m - p.distance_m)::float8,
               p.rating_after,
               jf.rides14, jf.wins14, jf.rides90, jf.wins90, jf.rides365, jf.wins365,
               tf.rides14, tf.wins14, tf.exp14, tf.rides90, tf.wins90, tf.rides365, tf.wins365,
               df.wins, df.expected, p.early_avg5_after, p.finish_rel_avg3_after,
               (t.official_rating - p.official_rating)::float8,
               t.body_weight_kg - p.body_weight_kg, p.gap_days, dr.cum_wins, dr.cum_expected,
               dr.cum_pos_runs, dr.cum_pos_sum, pw.rides, pw.wins, pw.expected, fg.fig_last,
               fg.fig_best3
          FROM probe t
          LEFT JOIN LATERAL (SELECT * FROM modeling.run_history r
                              WHERE r.horse_id = t.horse_id
                                AND (r.off_time, r.race_id) < (t.off_time, t.race_id)
                              ORDER BY r.off_time DESC, r.race_id DESC LIMIT 1) p ON true
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
          LEFT JOIN probe_jockeys jf
            ON jf.entity_id = t.jockey_id AND jf.race_date = t.race_date
          LEFT JOIN probe_trainers tf
            ON tf.entity_id = t.trainer_id AND tf.race_date = t.race_date
          LEFT JOIN probe_draws df
            ON (df.course, df.dist_band, df.draw_third, df.race_date)
             = (t.course, t.dist_band, t.draw_third, t.race_date)
          LEFT JOIN probe_draw_rails dr
            ON (dr.course, coalesce(dr.surface, ''), dr.distance_m, coalesce(dr.rail, ''),
                dr.draw, dr.race_date)
             = (t.course, coalesce(t.surface, ''), t.distance_m, coalesce(t.rail, ''), t.draw,
                t.race_date)
          LEFT JOIN probe_pairs pw
            ON (pw.jockey_id, pw.trainer_id, pw.race_date)
             = (t.jockey_id, t.trainer_id, t.race_date)
          LEFT JOIN LATERAL modeling.figures_before(t.horse_id, t.race_date) fg ON true)
        ) parts
     -- Said here, above the UNION ALL, the planner drops the window branch before planning it
     -- when windows is false.
     WHERE NOT parts.by_window OR windows;
END;
COMMENT ON FUNCTION modeling.feature_parts(date, date, boolean) IS
    'Internal to refresh_features: raw feature parts (counts, last runs, window totals) of every '
    'declared runner in the range, by window functions (windows => true: the completed runs) or '
    'per-runner index probes (the rest). Inlined into the caller.';
REVOKE ALL ON FUNCTION modeling.feature_parts(date, date, boolean) FROM PUBLIC;
