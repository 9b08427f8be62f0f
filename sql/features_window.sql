-- Window path of refresh_features (see features_refresh.sql): years of completed runs in one
-- pass of window functions over the stored history and the daily totals, no per-runner probes.

CREATE OR REPLACE FUNCTION modeling.people_windows(kind "char", from_date date, to_date date)
RETURNS TABLE (entity_id bigint, race_date date, rides14 bigint, wins14 bigint,
               exp14 double precision, rides90 bigint, wins90 bigint, rides365 bigint,
               wins365 bigint)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT entity_id, race_date, rides14, wins14, exp14, rides90, wins90, rides365, wins365
      FROM (SELECT e.entity_id, e.race_date,
                   sum(e.rides) OVER w14 AS rides14, sum(e.wins) OVER w14 AS wins14,
                   sum(e.expected) OVER w14 AS exp14,
                   sum(e.rides) OVER w90 AS rides90, sum(e.wins) OVER w90 AS wins90,
                   sum(e.rides) OVER w365 AS rides365, sum(e.wins) OVER w365 AS wins365
              FROM modeling.entity_daily e
             WHERE e.kind = people_windows.kind
               AND e.race_date BETWEEN from_date - 366 AND to_date
            WINDOW w AS (PARTITION BY e.entity_id ORDER BY e.race_date),
                   w14 AS (w RANGE BETWEEN '14 days' PRECEDING AND '1 day' PRECEDING),
                   w90 AS (w RANGE BETWEEN '90 days' PRECEDING AND '1 day' PRECEDING),
                   w365 AS (w RANGE BETWEEN '365 days' PRECEDING AND '1 day' PRECEDING)) x
     WHERE x.race_date >= from_date;
END;
COMMENT ON FUNCTION modeling.people_windows("char", date, date) IS
    'Jockey (j) or trainer (t) rides and wins over the 14/90/365 days before each day they rode '
    'in the range (window path of refresh_features).';

CREATE OR REPLACE FUNCTION modeling.draw_windows(from_date date, to_date date)
RETURNS TABLE (course text, dist_band smallint, draw_third smallint, race_date date,
               wins bigint, expected double precision)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT course, dist_band, draw_third, race_date, wins, expected
      FROM (SELECT d.course, d.dist_band, d.draw_third, d.race_date,
                   sum(d.wins) OVER w730 AS wins, sum(d.expected) OVER w730 AS expected
              FROM modeling.draw_daily d
             WHERE d.race_date BETWEEN from_date - 731 AND to_date
            WINDOW w730 AS (PARTITION BY d.course, d.dist_band, d.draw_third ORDER BY d.race_date
                            RANGE BETWEEN '730 days' PRECEDING AND '1 day' PRECEDING)) x
     WHERE x.race_date >= from_date;
END;
COMMENT ON FUNCTION modeling.draw_windows(date, date) IS
    'Wins and expected wins per course, distance band and draw third over the 730 days before '
    'each day with runs in the range (window path of refresh_features).';

CREATE OR REPLACE FUNCTION modeling.feature_parts_by_window(from_date date, to_date date)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET enable_mergejoin = off  -- hashing the totals beats sorting a million runs once per join
AS $fn$
BEGIN
    -- Completed runs in the range. A run's form is the stored state after the horse's previous
    -- completed run (lag), so the frame never reaches the run itself or anything later.
    INSERT INTO hrdpg_parts
    SELECT f.race_id, f.horse_id, f.race_date, f.off_time, f.draw_third,
           coalesce(f.runs, 0), f.wins, f.places, f.last_off, least(coalesce(f.runs, 0), 5),
           f.wins5,
           f.pos1, f.pos2, f.pos3, f.beaten1, f.beaten2, f.beaten3,
           f.course_runs, f.course_wins, f.dist_runs, f.dist_wins, f.going_runs, f.going_wins,
           f.class_change, f.dist_change, f.elo,
           jf.rides14, jf.wins14, jf.rides90, jf.wins90, jf.rides365, jf.wins365,
           tf.rides14, tf.wins14, tf.exp14, tf.rides90, tf.wins90, tf.rides365, tf.wins365,
           df.wins, df.expected
      FROM (SELECT h.race_id, h.horse_id, h.jockey_id, h.trainer_id, h.race_date, h.off_time,
                   h.course, h.dist_band, h.draw_third,
                   lag(h.runs_after) OVER w AS runs, lag(h.wins_after) OVER w AS wins,
                   lag(h.places_after) OVER w AS places, lag(h.off_time) OVER w AS last_off,
                   lag(h.wins5_after) OVER w AS wins5,
                   lag(h.pos_norm) OVER w AS pos1, lag(h.pos_prev1) OVER w AS pos2,
                   lag(h.pos_prev2) OVER w AS pos3, lag(h.beaten) OVER w AS beaten1,
                   lag(h.beaten_prev1) OVER w AS beaten2, lag(h.beaten_prev2) OVER w AS beaten3,
                   count(*) OVER w_course AS course_runs, sum(h.won) OVER w_course AS course_wins,
                   count(*) OVER w_dist AS dist_runs, sum(h.won) OVER w_dist AS dist_wins,
                   count(*) OVER w_going AS going_runs, sum(h.won) OVER w_going AS going_wins,
                   (h.race_class - lag(h.race_class) OVER w)::float8 AS class_change,
                   (h.distance_m - lag(h.distance_m) OVER w)::float8 AS dist_change,
                   lag(h.rating_after) OVER w AS elo
              FROM modeling.run_history h
             WHERE h.race_date <= to_date
               AND h.horse_id IN (SELECT r.horse_id FROM modeling.run_history r
                                   WHERE r.race_date BETWEEN from_date AND to_date)
            WINDOW w AS (PARTITION BY h.horse_id ORDER BY h.off_time, h.race_id),
                   w_course AS (PARTITION BY h.horse_id, h.course ORDER BY h.off_time, h.race_id
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                   w_dist AS (PARTITION BY h.horse_id, h.dist_band ORDER BY h.off_time, h.race_id
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
     WHERE f.race_date >= from_date;
END;
$fn$;
COMMENT ON FUNCTION modeling.feature_parts_by_window(date, date) IS
    'Internal to refresh_features: feature parts of the completed runs in the range by window '
    'functions over run_history and the daily totals.';
REVOKE ALL ON FUNCTION modeling.feature_parts_by_window(date, date) FROM PUBLIC;
