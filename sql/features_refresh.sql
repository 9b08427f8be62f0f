-- History-derived features of every declared runner in a date range, as of its race's off.
-- Point in time by construction: horse windows end one row before the runner's own run
-- (ordered by off time), and jockey/trainer/draw totals stop at the day before the race.
-- Each step lands in an analysed temp table, so the planner sizes every join correctly
-- whether the range is one day (scoring) or years (training).

CREATE OR REPLACE FUNCTION modeling.refresh_features(from_date date, to_date date)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning  -- no "does not exist, skipping" notices from the cleanup
AS $fn$
DECLARE
    written bigint;
BEGIN
    IF from_date IS NULL OR to_date IS NULL OR from_date > to_date THEN
        RAISE EXCEPTION 'refresh_features: bad date range % .. %', from_date, to_date
            USING HINT = 'Pass from_date <= to_date, e.g. refresh_features(''2026-05-01'', '
                         '''2026-05-01'').';
    END IF;
    PERFORM modeling.refresh_history();
    DROP TABLE IF EXISTS hrdpg_target, hrdpg_hist, hrdpg_horse, hrdpg_people, hrdpg_draws;

    -- 1. The runners to compute: declared, not withdrawn.
    CREATE TEMP TABLE hrdpg_target ON COMMIT DROP AS
    SELECT ru.race_id, ru.horse_id, ru.jockey_id, ru.trainer_id, ra.race_date, ra.off_time,
           ra.course, modeling.distance_band(ra.distance_m) AS dist_band,
           modeling.going_group(ra.going, ra.surface) AS going_group, ra.race_class,
           ra.distance_m,
           CASE WHEN ru.draw IS NOT NULL THEN least(3, 1 + (3 * (ru.draw - 1))
                / count(*) OVER (PARTITION BY ru.race_id))::smallint END AS draw_third,
           -- a per-row primary-key probe, so a day never hashes the whole history
           EXISTS (SELECT 1 FROM modeling.run_history h
                    WHERE h.race_id = ru.race_id AND h.horse_id = ru.horse_id) AS completed
      FROM modeling.src_runners ru
      JOIN modeling.src_races ra ON ra.race_id = ru.race_id
     WHERE ra.race_date BETWEEN from_date AND to_date
       AND NOT ru.non_runner AND ru.status IS DISTINCT FROM 'non_runner';
    ANALYZE hrdpg_target;
    -- A source view that yields a runner twice would otherwise fail later on a primary key
    -- with a message that names nothing useful.
    PERFORM 1 FROM hrdpg_target GROUP BY race_id, horse_id HAVING count(*) > 1;
    IF FOUND THEN
        RAISE EXCEPTION 'refresh_features: duplicate runners in modeling.src_runners: %', (
            SELECT string_agg(format('race %s horse %s', race_id, horse_id), ', ')
              FROM (SELECT race_id, horse_id FROM hrdpg_target GROUP BY race_id, horse_id
                     HAVING count(*) > 1 ORDER BY 1, 2 LIMIT 5) d)
            USING ERRCODE = 'unique_violation',
                  HINT = 'Each (race_id, horse_id) must appear once; fix the source view.';
    END IF;

    -- 2. Horse form. The rows are the target horses' completed runs plus target runs not yet
    -- completed (a completed target run appears once, as its history row); a run only ever
    -- sees rows before it in (off_time, race_id) order, never its own result or anything later.
    -- A short range aggregates each target's earlier rows directly (one day: ~600 horses'
    -- histories); a long range uses window frames ending at 1 PRECEDING (one pass over years).
    -- Both give the same values (tests/db/test_features_paths.py).
    IF to_date - from_date < 7 THEN
        -- One index range scan per horse: a day touches ~600 horses' histories, never the
        -- whole table (OFFSET 0 keeps the planner from flattening it into a hash join).
        CREATE TEMP TABLE hrdpg_hist ON COMMIT DROP AS
        SELECT h.race_id, h.horse_id, h.off_time, h.course, h.dist_band, h.going_group,
               h.race_class, h.distance_m, h.won, h.placed, h.pos_norm, h.beaten,
               h.rating_after, h.race_date >= from_date AS is_target
          FROM (SELECT DISTINCT horse_id FROM hrdpg_target) th
         CROSS JOIN LATERAL (SELECT * FROM modeling.run_history r
                              WHERE r.horse_id = th.horse_id AND r.race_date <= to_date
                             OFFSET 0) h;
    ELSE
        -- Years of targets read most of the table: one scan and a hash join.
        CREATE TEMP TABLE hrdpg_hist ON COMMIT DROP AS
        SELECT h.race_id, h.horse_id, h.off_time, h.course, h.dist_band, h.going_group,
               h.race_class, h.distance_m, h.won, h.placed, h.pos_norm, h.beaten,
               h.rating_after, h.race_date >= from_date AS is_target
          FROM modeling.run_history h
         WHERE h.horse_id IN (SELECT horse_id FROM hrdpg_target) AND h.race_date <= to_date;
    END IF;
    INSERT INTO hrdpg_hist
    SELECT t.race_id, t.horse_id, t.off_time, t.course, t.dist_band, t.going_group,
           t.race_class, t.distance_m, NULL, NULL, NULL, NULL, NULL, true
      FROM hrdpg_target t
     WHERE NOT t.completed;
    ANALYZE hrdpg_hist;
    IF to_date - from_date < 7 THEN
        CREATE TEMP TABLE hrdpg_horse ON COMMIT DROP AS
        SELECT race_id, horse_id,
               count(won) AS runs, sum(won) AS wins, sum(placed) AS places,
               max(off_time) FILTER (WHERE won IS NOT NULL) AS last_off,
               count(won) FILTER (WHERE back <= 5) AS runs5,
               sum(won) FILTER (WHERE back <= 5) AS wins5,
               max(pos_norm) FILTER (WHERE back = 1) AS pos1,
               max(pos_norm) FILTER (WHERE back = 2) AS pos2,
               max(pos_norm) FILTER (WHERE back = 3) AS pos3,
               avg(pos_norm) FILTER (WHERE back <= 3) AS pos_avg3,
               avg(beaten) FILTER (WHERE back <= 3) AS beaten_avg3,
               count(won) FILTER (WHERE same_course) AS course_runs,
               sum(won) FILTER (WHERE same_course) AS course_wins,
               count(won) FILTER (WHERE same_dist) AS dist_runs,
               sum(won) FILTER (WHERE same_dist) AS dist_wins,
               count(won) FILTER (WHERE same_going) AS going_runs,
               sum(won) FILTER (WHERE same_going) AS going_wins,
               max(target_class - race_class) FILTER (WHERE back = 1) AS class_change,
               max(target_distance - distance_m) FILTER (WHERE back = 1) AS dist_change,
               max(rating_after) FILTER (WHERE back = 1) AS elo
          FROM (SELECT t.race_id, t.horse_id, t.race_class AS target_class,
                       t.distance_m AS target_distance, h.won, h.placed, h.off_time,
                       h.pos_norm, h.beaten, h.race_class, h.distance_m, h.rating_after,
                       h.course = t.course AS same_course, h.dist_band = t.dist_band AS same_dist,
                       h.going_group = t.going_group AS same_going,
                       -- 1 = the run just before this one, 2 = the one before that, ...
                       row_number() OVER (PARTITION BY t.race_id, t.horse_id
                                          ORDER BY h.off_time DESC, h.race_id DESC) AS back
                  FROM hrdpg_target t
                  LEFT JOIN hrdpg_hist h
                    ON h.horse_id = t.horse_id
                   AND (h.off_time, h.race_id) < (t.off_time, t.race_id)) earlier
         GROUP BY race_id, horse_id;
    ELSE
        CREATE TEMP TABLE hrdpg_horse ON COMMIT DROP AS
        SELECT * FROM (
            SELECT race_id, horse_id, is_target,
                   count(won) OVER w_before AS runs,
                   sum(won) OVER w_before AS wins,
                   sum(placed) OVER w_before AS places,
                   max(off_time) FILTER (WHERE won IS NOT NULL) OVER w_before AS last_off,
                   count(won) OVER w_last5 AS runs5, sum(won) OVER w_last5 AS wins5,
                   lag(pos_norm, 1) OVER w_order AS pos1, lag(pos_norm, 2) OVER w_order AS pos2,
                   lag(pos_norm, 3) OVER w_order AS pos3,
                   avg(pos_norm) OVER w_last3 AS pos_avg3,
                   avg(beaten) OVER w_last3 AS beaten_avg3,
                   count(won) OVER w_course AS course_runs, sum(won) OVER w_course AS course_wins,
                   count(won) OVER w_dist AS dist_runs, sum(won) OVER w_dist AS dist_wins,
                   count(won) OVER w_going AS going_runs, sum(won) OVER w_going AS going_wins,
                   race_class - lag(race_class) OVER w_order AS class_change,
                   distance_m - lag(distance_m) OVER w_order AS dist_change,
                   lag(rating_after) OVER w_order AS elo
              FROM hrdpg_hist
            WINDOW w_order AS (PARTITION BY horse_id ORDER BY off_time, race_id),
                   w_before AS (w_order ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                   w_last5 AS (w_order ROWS BETWEEN 5 PRECEDING AND 1 PRECEDING),
                   w_last3 AS (w_order ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING),
                   w_course AS (PARTITION BY horse_id, course ORDER BY off_time, race_id
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                   w_dist AS (PARTITION BY horse_id, dist_band ORDER BY off_time, race_id
                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                   w_going AS (PARTITION BY horse_id, going_group ORDER BY off_time, race_id
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
        ) form
        WHERE is_target;
    END IF;
    ANALYZE hrdpg_horse;

    -- 3. Jockeys and trainers over the 14 / 90 / 365 days before the race day. A short range
    -- takes each window as the running total up to the day before the race minus the running
    -- total up to the day before the window starts (two index probes); a long range sums the
    -- daily rows with RANGE frames in one pass. Same values either way.
    IF to_date - from_date < 7 THEN
        CREATE TEMP TABLE hrdpg_people ON COMMIT DROP AS
        SELECT p.kind, p.entity_id, p.race_date,
               c0.cum_rides - coalesce(c14.cum_rides, 0) AS rides14,
               c0.cum_wins - coalesce(c14.cum_wins, 0) AS wins14,
               c0.cum_expected - coalesce(c14.cum_expected, 0) AS exp14,
               c0.cum_rides - coalesce(c90.cum_rides, 0) AS rides90,
               c0.cum_wins - coalesce(c90.cum_wins, 0) AS wins90,
               c0.cum_rides - coalesce(c365.cum_rides, 0) AS rides365,
               c0.cum_wins - coalesce(c365.cum_wins, 0) AS wins365
          FROM (SELECT DISTINCT 'j'::"char" AS kind, jockey_id AS entity_id, race_date
                  FROM hrdpg_target WHERE jockey_id IS NOT NULL
                UNION ALL
                SELECT DISTINCT 't'::"char", trainer_id, race_date
                  FROM hrdpg_target WHERE trainer_id IS NOT NULL) p
          LEFT JOIN LATERAL (SELECT * FROM modeling.entity_daily e
                              WHERE e.kind = p.kind AND e.entity_id = p.entity_id
                                AND e.race_date < p.race_date
                              ORDER BY e.race_date DESC LIMIT 1) c0 ON true
          LEFT JOIN LATERAL (SELECT * FROM modeling.entity_daily e
                              WHERE e.kind = p.kind AND e.entity_id = p.entity_id
                                AND e.race_date < p.race_date - 14
                              ORDER BY e.race_date DESC LIMIT 1) c14 ON true
          LEFT JOIN LATERAL (SELECT * FROM modeling.entity_daily e
                              WHERE e.kind = p.kind AND e.entity_id = p.entity_id
                                AND e.race_date < p.race_date - 90
                              ORDER BY e.race_date DESC LIMIT 1) c90 ON true
          LEFT JOIN LATERAL (SELECT * FROM modeling.entity_daily e
                              WHERE e.kind = p.kind AND e.entity_id = p.entity_id
                                AND e.race_date < p.race_date - 365
                              ORDER BY e.race_date DESC LIMIT 1) c365 ON true;
    ELSE
        CREATE TEMP TABLE hrdpg_people ON COMMIT DROP AS
        SELECT kind, entity_id, race_date, rides14, wins14, exp14, rides90, wins90, rides365,
               wins365
          FROM (SELECT kind, entity_id, race_date, is_target,
                       sum(rides) OVER w14 AS rides14, sum(wins) OVER w14 AS wins14,
                       sum(expected) OVER w14 AS exp14,
                       sum(rides) OVER w90 AS rides90, sum(wins) OVER w90 AS wins90,
                       sum(rides) OVER w365 AS rides365, sum(wins) OVER w365 AS wins365
                  FROM (SELECT e.kind, e.entity_id, e.race_date, e.rides, e.wins, e.expected,
                               false AS is_target
                          FROM modeling.entity_daily e
                         WHERE e.race_date BETWEEN from_date - 366 AND to_date
                        UNION ALL
                        SELECT DISTINCT 'j'::"char", jockey_id, race_date, 0, 0, 0.0, true
                          FROM hrdpg_target WHERE jockey_id IS NOT NULL
                        UNION ALL
                        SELECT DISTINCT 't'::"char", trainer_id, race_date, 0, 0, 0.0, true
                          FROM hrdpg_target WHERE trainer_id IS NOT NULL) days
                WINDOW w AS (PARTITION BY kind, entity_id ORDER BY race_date),
                       w14 AS (w RANGE BETWEEN '14 days' PRECEDING AND '1 day' PRECEDING),
                       w90 AS (w RANGE BETWEEN '90 days' PRECEDING AND '1 day' PRECEDING),
                       w365 AS (w RANGE BETWEEN '365 days' PRECEDING AND '1 day' PRECEDING)
               ) windows
         WHERE is_target;
    END IF;
    ANALYZE hrdpg_people;

    -- 4. Draw bias by course, distance band and draw third over the previous 730 days.
    CREATE TEMP TABLE hrdpg_draws ON COMMIT DROP AS
    SELECT d.course, d.dist_band, d.draw_third, d.race_date,
           c0.cum_wins - coalesce(c730.cum_wins, 0) AS wins,
           c0.cum_expected - coalesce(c730.cum_expected, 0) AS expected
      FROM (SELECT DISTINCT course, dist_band, draw_third, race_date FROM hrdpg_target
             WHERE draw_third IS NOT NULL) d
      LEFT JOIN LATERAL (SELECT * FROM modeling.draw_daily e
                          WHERE (e.course, e.dist_band, e.draw_third)
                              = (d.course, d.dist_band, d.draw_third)
                            AND e.race_date < d.race_date
                          ORDER BY e.race_date DESC LIMIT 1) c0 ON true
      LEFT JOIN LATERAL (SELECT * FROM modeling.draw_daily e
                          WHERE (e.course, e.dist_band, e.draw_third)
                              = (d.course, d.dist_band, d.draw_third)
                            AND e.race_date < d.race_date - 730
                          ORDER BY e.race_date DESC LIMIT 1) c730 ON true;
    ANALYZE hrdpg_draws;

    DELETE FROM modeling.feature_store WHERE race_date BETWEEN from_date AND to_date;
    -- A race moved to another day (postponed) keeps its id: drop its rows under the old date.
    DELETE FROM modeling.feature_store f
     USING (SELECT DISTINCT race_id FROM hrdpg_target) t
     WHERE f.race_id = t.race_id AND f.race_date NOT BETWEEN from_date AND to_date;
    INSERT INTO modeling.feature_store (
        race_id, horse_id, race_date, off_time, h_runs, h_days_since_run, h_win_rate,
        h_place_rate, h_recent_win_rate, h_pos_last1, h_pos_last2, h_pos_last3, h_pos_avg3,
        h_beaten_avg3, h_course_runs, h_course_win_rate, h_dist_win_rate, h_going_win_rate,
        h_class_change, h_dist_change_m, h_elo, j_win_rate_14, j_win_rate_90, j_win_rate_365,
        t_win_rate_14, t_win_rate_90, t_win_rate_365, t_form_ae_14, draw_bias_ae)
    SELECT t.race_id, t.horse_id, t.race_date, t.off_time,
           h.runs,
           extract(epoch FROM t.off_time - h.last_off) / 86400.0,
           CASE WHEN h.runs > 0 THEN modeling.shrunk_rate(h.wins, h.runs, 0.1, 5) END,
           CASE WHEN h.runs > 0 THEN modeling.shrunk_rate(h.places, h.runs, 0.3, 5) END,
           CASE WHEN h.runs5 > 0 THEN modeling.shrunk_rate(h.wins5, h.runs5, 0.1, 3) END,
           h.pos1, h.pos2, h.pos3, h.pos_avg3, h.beaten_avg3,
           h.course_runs,
           CASE WHEN h.course_runs > 0
                THEN modeling.shrunk_rate(h.course_wins, h.course_runs, 0.1, 3) END,
           CASE WHEN h.dist_runs > 0
                THEN modeling.shrunk_rate(h.dist_wins, h.dist_runs, 0.1, 3) END,
           CASE WHEN h.going_runs > 0
                THEN modeling.shrunk_rate(h.going_wins, h.going_runs, 0.1, 3) END,
           h.class_change, h.dist_change, h.elo,
           modeling.shrunk_rate(jf.wins14, jf.rides14, 0.1, 10),
           modeling.shrunk_rate(jf.wins90, jf.rides90, 0.1, 20),
           modeling.shrunk_rate(jf.wins365, jf.rides365, 0.1, 30),
           modeling.shrunk_rate(tf.wins14, tf.rides14, 0.1, 10),
           modeling.shrunk_rate(tf.wins90, tf.rides90, 0.1, 20),
           modeling.shrunk_rate(tf.wins365, tf.rides365, 0.1, 30),
           (coalesce(tf.wins14, 0) + 2.0) / (coalesce(tf.exp14, 0) + 2.0),
           CASE WHEN t.draw_third IS NOT NULL
                THEN (coalesce(df.wins, 0) + 20.0) / (coalesce(df.expected, 0) + 20.0) END
      FROM hrdpg_target t
      JOIN hrdpg_horse h ON h.race_id = t.race_id AND h.horse_id = t.horse_id
      LEFT JOIN hrdpg_people jf
        ON jf.kind = 'j' AND jf.entity_id = t.jockey_id AND jf.race_date = t.race_date
      LEFT JOIN hrdpg_people tf
        ON tf.kind = 't' AND tf.entity_id = t.trainer_id AND tf.race_date = t.race_date
      LEFT JOIN hrdpg_draws df
        ON (df.course, df.dist_band, df.draw_third, df.race_date)
         = (t.course, t.dist_band, t.draw_third, t.race_date);
    GET DIAGNOSTICS written = ROW_COUNT;
    DROP TABLE hrdpg_target, hrdpg_hist, hrdpg_horse, hrdpg_people, hrdpg_draws;
    RETURN written;
END;
$fn$;
COMMENT ON FUNCTION modeling.refresh_features(date, date) IS
    'Recompute the history-derived features of every declared runner with race_date in the '
    'range (after folding new results into run_history). Idempotent; same SQL for a day or years.';
REVOKE ALL ON FUNCTION modeling.refresh_features(date, date) FROM PUBLIC;
