-- The one feature view that training and scoring both read, its catalogue and its version.
-- Every window partitions by (race_date, race_id), so a filter on race_date is pushed below
-- the windows and a one-day query touches one day of rows.

-- The market's prices of a runner as known at a moment: the first and the last price observed
-- before the off and, given as_of, not after it. The view reads them as of the off (training);
-- scoring re-reads them as of its own as_of (hrdpg_pl.scoring_fetch.market_as_of), so a replay
-- of a past morning never sees a later price. A SQL-standard body: inlined, names bound here.
CREATE OR REPLACE FUNCTION modeling.market_odds(
    race_id bigint, horse_id bigint, off_time timestamptz, as_of timestamptz)
RETURNS TABLE (morning_odds double precision, latest_odds double precision)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT (SELECT o.decimal_odds FROM modeling.src_odds o
             WHERE o.race_id = market_odds.race_id AND o.horse_id = market_odds.horse_id
               AND o.observed_at < market_odds.off_time
               AND (market_odds.as_of IS NULL OR o.observed_at <= market_odds.as_of)
             ORDER BY o.observed_at, o.source LIMIT 1),
           (SELECT o.decimal_odds FROM modeling.src_odds o
             WHERE o.race_id = market_odds.race_id AND o.horse_id = market_odds.horse_id
               AND o.observed_at < market_odds.off_time
               AND (market_odds.as_of IS NULL OR o.observed_at <= market_odds.as_of)
             ORDER BY o.observed_at DESC, o.source LIMIT 1);
END;
COMMENT ON FUNCTION modeling.market_odds(bigint, bigint, timestamptz, timestamptz) IS
    'First (morning) and last (latest) price of a runner observed before off_time and, unless '
    'as_of is NULL, at or before as_of: the market features as known at a moment.';

CREATE OR REPLACE VIEW modeling.runner_features AS
WITH field AS (
    SELECT ru.race_id, ru.horse_id, ra.race_date, ra.off_time, ru.age, ru.draw, ru.weight_kg,
           ru.official_rating, ru.speed_figure,
           count(*) OVER w AS field_size,
           avg(ru.weight_kg) OVER w AS avg_weight,
           avg(ru.official_rating) OVER w AS avg_rating,
           percent_rank() OVER (PARTITION BY ra.race_date, ru.race_id
                                ORDER BY ru.official_rating DESC NULLS LAST) AS rating_rank,
           avg(ru.speed_figure) OVER w AS avg_speed
      FROM modeling.src_runners ru
      JOIN modeling.src_races ra ON ra.race_id = ru.race_id
     WHERE NOT ru.non_runner AND ru.status IS DISTINCT FROM 'non_runner'
    WINDOW w AS (PARTITION BY ra.race_date, ru.race_id)
),
priced AS (
    SELECT f.*, s.h_runs, s.h_days_since_run, s.h_win_rate, s.h_place_rate,
           s.h_recent_win_rate, s.h_pos_last1, s.h_pos_last2, s.h_pos_last3, s.h_pos_avg3,
           s.h_beaten_avg3, s.h_course_runs, s.h_course_win_rate, s.h_dist_win_rate,
           s.h_going_win_rate, s.h_class_change, s.h_dist_change_m, s.h_elo,
           s.j_win_rate_14, s.j_win_rate_90, s.j_win_rate_365, s.t_win_rate_14, s.t_win_rate_90,
           s.t_win_rate_365, s.t_form_ae_14, s.draw_bias_ae, m.morning_odds, m.latest_odds
      FROM field f
      JOIN modeling.feature_store s USING (race_id, horse_id, race_date)
      LEFT JOIN LATERAL modeling.market_odds(f.race_id, f.horse_id, f.off_time, NULL) m ON true
)
SELECT p.race_id, p.horse_id, p.race_date, p.off_time,
       -- core: the runner and its field
       p.field_size::float8 AS field_size,
       p.age::float8 AS age,
       (p.weight_kg - p.avg_weight)::float8 AS weight_rel,
       (p.official_rating - p.avg_rating)::float8 AS rating_rel,
       CASE WHEN p.official_rating IS NOT NULL THEN p.rating_rank END::float8 AS rating_rank,
       CASE WHEN p.field_size > 1 THEN (p.draw - 1)::float8 / (p.field_size - 1) END AS draw_rel,
       (p.speed_figure - p.avg_speed)::float8 AS speed_rel,
       -- core: horse form
       p.h_runs::float8 AS h_runs, p.h_days_since_run, p.h_win_rate, p.h_place_rate,
       p.h_recent_win_rate, p.h_pos_last1, p.h_pos_last2, p.h_pos_last3, p.h_pos_avg3,
       p.h_beaten_avg3, p.h_course_runs::float8 AS h_course_runs, p.h_course_win_rate,
       p.h_dist_win_rate, p.h_going_win_rate, p.h_class_change, p.h_dist_change_m, p.h_elo,
       p.h_elo - avg(p.h_elo) OVER (PARTITION BY p.race_date, p.race_id) AS h_elo_rel,
       -- core: jockey, trainer, draw bias
       p.j_win_rate_14, p.j_win_rate_90, p.j_win_rate_365,
       p.t_win_rate_14, p.t_win_rate_90, p.t_win_rate_365, p.t_form_ae_14, p.draw_bias_ae,
       -- market: implied probabilities with the overround removed within the race
       (1.0 / p.morning_odds) / sum(1.0 / p.morning_odds)
           OVER (PARTITION BY p.race_date, p.race_id) AS mkt_morning_prob,
       (1.0 / p.latest_odds) / sum(1.0 / p.latest_odds)
           OVER (PARTITION BY p.race_date, p.race_id) AS mkt_latest_prob
  FROM priced p;
COMMENT ON VIEW modeling.runner_features IS
    'Point-in-time features of every declared runner (non-runners excluded): one row per '
    'runner, feature columns in modeling.feature_catalog order. Run refresh_features first.';

CREATE OR REPLACE VIEW modeling.feature_catalog AS
SELECT position, name, feature_group, 'double precision'::text AS sql_type, description
  FROM (VALUES
    (1, 'field_size', 'core', 'runners in the race after non-runners'),
    (2, 'age', 'core', 'horse age in years'),
    (3, 'weight_rel', 'core', 'weight carried (kg) minus the field mean'),
    (4, 'rating_rel', 'core', 'official rating minus the field mean'),
    (5, 'rating_rank', 'core', 'percent rank of official rating in the field (0 = top)'),
    (6, 'draw_rel', 'core', '(draw - 1) / (field size - 1)'),
    (7, 'speed_rel', 'core', 'declared speed figure minus the field mean'),
    (8, 'h_runs', 'core', 'completed career runs before this race'),
    (9, 'h_days_since_run', 'core', 'days since the last completed run'),
    (10, 'h_win_rate', 'core', 'career win rate, shrunk toward 0.1 (weight 5)'),
    (11, 'h_place_rate', 'core', 'career place rate, shrunk toward 0.3 (weight 5)'),
    (12, 'h_recent_win_rate', 'core', 'win rate of the last 5 runs, shrunk toward 0.1'),
    (13, 'h_pos_last1', 'core', 'last run: (position - 1) / (field - 1); DNF = 1'),
    (14, 'h_pos_last2', 'core', 'second-last run, same scale'),
    (15, 'h_pos_last3', 'core', 'third-last run, same scale'),
    (16, 'h_pos_avg3', 'core', 'mean normalised position of the last 3 runs'),
    (17, 'h_beaten_avg3', 'core', 'mean lengths beaten in the last 3 runs (cap 30, DNF 30)'),
    (18, 'h_course_runs', 'core', 'previous runs at this course'),
    (19, 'h_course_win_rate', 'core', 'win rate at this course, shrunk'),
    (20, 'h_dist_win_rate', 'core', 'win rate in this distance band, shrunk'),
    (21, 'h_going_win_rate', 'core', 'win rate on this going group, shrunk'),
    (22, 'h_class_change', 'core', 'class now minus class last run (positive = dropping)'),
    (23, 'h_dist_change_m', 'core', 'distance now minus distance last run (m)'),
    (24, 'h_elo', 'core', 'sequential multi-runner Elo after the last run'),
    (25, 'h_elo_rel', 'core', 'Elo minus the field mean (rated runners)'),
    (26, 'j_win_rate_14', 'core', 'jockey win rate, last 14 days, shrunk'),
    (27, 'j_win_rate_90', 'core', 'jockey win rate, last 90 days, shrunk'),
    (28, 'j_win_rate_365', 'core', 'jockey win rate, last 365 days, shrunk'),
    (29, 't_win_rate_14', 'core', 'trainer win rate, last 14 days, shrunk'),
    (30, 't_win_rate_90', 'core', 'trainer win rate, last 90 days, shrunk'),
    (31, 't_win_rate_365', 'core', 'trainer win rate, last 365 days, shrunk'),
    (32, 't_form_ae_14', 'core', 'trainer form: wins / expected wins, last 14 days, shrunk'),
    (33, 'draw_bias_ae', 'core', 'course+distance+draw-third wins / expected, last 730 days'),
    (34, 'mkt_morning_prob', 'market', 'first pre-off price, overround removed in the race'),
    (35, 'mkt_latest_prob', 'market', 'latest pre-off price, overround removed in the race')
  ) AS f(position, name, feature_group, description);
COMMENT ON VIEW modeling.feature_catalog IS
    'Feature names, groups and types in model input order; versioned by feature_version().';

CREATE OR REPLACE FUNCTION modeling.feature_version()
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
RETURN (
    SELECT left(md5(string_agg(c.position || ':' || c.name || ':' || c.feature_group, ','
                               ORDER BY c.position)
                || pg_get_viewdef('modeling.runner_features'::regclass)
                || pg_get_functiondef('modeling.market_odds(bigint, bigint, timestamptz, '
                                      'timestamptz)'::regprocedure)
                || pg_get_functiondef('modeling.refresh_features(date, date)'::regprocedure)
                || pg_get_functiondef('modeling.refresh_daily_totals(date)'::regprocedure)
                || pg_get_functiondef('modeling.feature_values(date, date, boolean)'::regprocedure)
                || pg_get_functiondef('modeling.feature_parts(date, date, boolean)'::regprocedure)
                || pg_get_functiondef('modeling.people_windows("char", date, date)'::regprocedure)
                || pg_get_functiondef('modeling.draw_windows(date, date)'::regprocedure)
                || pg_get_functiondef(
                       'modeling.entity_totals_before("char", bigint, date)'::regprocedure)
                || pg_get_functiondef(
                       'modeling.entity_windows_before("char", bigint, date)'::regprocedure)
                || pg_get_functiondef(
                       'modeling.draw_totals_before(text, smallint, smallint, date)'::regprocedure)
               ), 16)
      FROM modeling.feature_catalog c);
COMMENT ON FUNCTION modeling.feature_version() IS
    'Hash of the feature catalogue and the SQL that computes it; models record it and scoring '
    'refuses a model trained on another version.';
