-- The one declaration of every model feature: its place in the model input, its group, the
-- stage that computes it and its SQL definition. modeling.install_feature_sql()
-- (features_build.sql) writes the store function, the view and the as-of market reader from
-- these rows; docs/features.md shows the recipe for adding one.
--
-- Stages, and what a definition may read:
--   history  computed by refresh_features into modeling.feature_store (a column of the same
--            name, added by an Alembic revision), from the columns of modeling.feature_parts:
--            the horse's completed runs before this one and the people / draw totals up to the
--            day before. Point in time by construction of the parts.
--   field    computed in modeling.runner_features from the runner's declared row and its field
--            (the columns of the view's "field" step: field_size, age, draw, weight_kg,
--            avg_weight, official_rating, avg_rating, rating_rank, speed_figure, avg_speed, and
--            from the optional contract views body_weight_kg, gear_first_time, rating_band_low,
--            rating_band_high) and the stored history features by name.
--   relative computed in the view like field, from stored history features set against the
--            rest of the race (the Elo or pace of the field): no declared attribute, so the
--            scorer's attributes check (hrdpg_pl.scoring_dq) does not count them.
--   market   computed from morning_odds / latest_odds (modeling.market_odds): as of the off in
--            the view, as of the run's as_of in scoring (runner_features_as_of).
-- Field, relative and market definitions may use the window "race" (the runners of the same race,
-- the whole race as the frame, in horse order, so a float aggregate over it adds up the same way
-- whatever the plan). A definition that needs the runners in another order partitions itself:
-- OVER (PARTITION BY race_date, race_id ORDER BY ...).

CREATE OR REPLACE VIEW modeling.feature_catalog AS
SELECT position, name, feature_group, stage, 'double precision'::text AS sql_type, definition,
       description
  FROM (VALUES
    (1, 'field_size', 'core', 'field', 'field_size',
     'runners in the race after non-runners'),
    (2, 'age', 'core', 'field', 'age', 'horse age in years'),
    (3, 'weight_rel', 'core', 'field', 'weight_kg - avg_weight',
     'weight carried (kg) minus the field mean'),
    (4, 'rating_rel', 'core', 'field', 'official_rating - avg_rating',
     'official rating minus the field mean'),
    (5, 'rating_rank', 'core', 'field',
     'CASE WHEN official_rating IS NOT NULL THEN rating_rank END',
     'percent rank of official rating in the field (0 = top)'),
    (6, 'draw_rel', 'core', 'field',
     'CASE WHEN field_size > 1 THEN (draw - 1)::float8 / (field_size - 1) END',
     '(draw - 1) / (field size - 1)'),
    (7, 'speed_rel', 'core', 'field', 'speed_figure - avg_speed',
     'declared speed figure minus the field mean'),
    (8, 'h_runs', 'core', 'history', 'runs', 'completed career runs before this race'),
    (9, 'h_days_since_run', 'core', 'history',
     'extract(epoch FROM off_time - last_off) / 86400.0', 'days since the last completed run'),
    (10, 'h_win_rate', 'core', 'history',
     'CASE WHEN runs > 0 THEN modeling.shrunk_rate(wins, runs, 0.1, 5) END',
     'career win rate, shrunk toward 0.1 (weight 5)'),
    (11, 'h_place_rate', 'core', 'history',
     'CASE WHEN runs > 0 THEN modeling.shrunk_rate(places, runs, 0.3, 5) END',
     'career place rate, shrunk toward 0.3 (weight 5)'),
    (12, 'h_recent_win_rate', 'core', 'history',
     'CASE WHEN runs5 > 0 THEN modeling.shrunk_rate(wins5, runs5, 0.1, 3) END',
     'win rate of the last 5 runs, shrunk toward 0.1'),
    (13, 'h_pos_last1', 'core', 'history', 'pos1',
     'last run: (position - 1) / (field - 1); DNF = 1'),
    (14, 'h_pos_last2', 'core', 'history', 'pos2', 'second-last run, same scale'),
    (15, 'h_pos_last3', 'core', 'history', 'pos3', 'third-last run, same scale'),
    (16, 'h_pos_avg3', 'core', 'history',
     '(coalesce(pos1, 0) + coalesce(pos2, 0) + coalesce(pos3, 0))'
     ' / nullif(num_nonnulls(pos1, pos2, pos3), 0)',
     'mean normalised position of the last 3 runs'),
    (17, 'h_beaten_avg3', 'core', 'history',
     '(coalesce(beaten1, 0) + coalesce(beaten2, 0) + coalesce(beaten3, 0))'
     ' / nullif(num_nonnulls(beaten1, beaten2, beaten3), 0)',
     'mean lengths beaten in the last 3 runs (cap 30, DNF 30)'),
    (18, 'h_course_runs', 'core', 'history', 'course_runs', 'previous runs at this course'),
    (19, 'h_course_win_rate', 'core', 'history',
     'CASE WHEN course_runs > 0 THEN modeling.shrunk_rate(course_wins, course_runs, 0.1, 3) END',
     'win rate at this course, shrunk'),
    (20, 'h_dist_win_rate', 'core', 'history',
     'CASE WHEN dist_runs > 0 THEN modeling.shrunk_rate(dist_wins, dist_runs, 0.1, 3) END',
     'win rate in this distance band, shrunk'),
    (21, 'h_going_win_rate', 'core', 'history',
     'CASE WHEN going_runs > 0 THEN modeling.shrunk_rate(going_wins, going_runs, 0.1, 3) END',
     'win rate on this going group, shrunk'),
    (22, 'h_class_change', 'core', 'history', 'class_change',
     'class now minus class last run (positive = dropping)'),
    (23, 'h_dist_change_m', 'core', 'history', 'dist_change',
     'distance now minus distance last run (m)'),
    (24, 'h_elo', 'core', 'history', 'elo', 'sequential multi-runner Elo after the last run'),
    (25, 'h_elo_rel', 'core', 'relative', 'h_elo - avg(h_elo) OVER race',
     'Elo minus the field mean (rated runners)'),
    (26, 'j_win_rate_14', 'core', 'history', 'modeling.shrunk_rate(j_wins14, j_rides14, 0.1, 10)',
     'jockey win rate, last 14 days, shrunk'),
    (27, 'j_win_rate_90', 'core', 'history', 'modeling.shrunk_rate(j_wins90, j_rides90, 0.1, 20)',
     'jockey win rate, last 90 days, shrunk'),
    (28, 'j_win_rate_365', 'core', 'history',
     'modeling.shrunk_rate(j_wins365, j_rides365, 0.1, 30)',
     'jockey win rate, last 365 days, shrunk'),
    (29, 't_win_rate_14', 'core', 'history', 'modeling.shrunk_rate(t_wins14, t_rides14, 0.1, 10)',
     'trainer win rate, last 14 days, shrunk'),
    (30, 't_win_rate_90', 'core', 'history', 'modeling.shrunk_rate(t_wins90, t_rides90, 0.1, 20)',
     'trainer win rate, last 90 days, shrunk'),
    (31, 't_win_rate_365', 'core', 'history',
     'modeling.shrunk_rate(t_wins365, t_rides365, 0.1, 30)',
     'trainer win rate, last 365 days, shrunk'),
    (32, 't_form_ae_14', 'core', 'history', '(coalesce(t_wins14, 0) + 2.0) / (coalesce(t_exp14, 0) + 2.0)',
     'trainer form: wins / expected wins, last 14 days, shrunk'),
    (33, 'draw_bias_ae', 'core', 'history',
     'CASE WHEN draw_third IS NOT NULL'
     ' THEN (coalesce(draw_wins, 0) + 20.0) / (coalesce(draw_expected, 0) + 20.0) END',
     'course+distance+draw-third wins / expected, last 730 days'),
    (34, 'h_early_pos_avg5', 'pace', 'history', 'early5',
     'mean position at the first call over the last 5 runs, (pos - 1) / (field - 1)'),
    (35, 'h_finish_rel_avg3', 'pace', 'history', 'finish3',
     'mean last-section time minus the race median over the last 3 runs (s; - = faster)'),
    (36, 'pace_early_rel', 'pace', 'relative', 'h_early_pos_avg5 - avg(h_early_pos_avg5) OVER race',
     'early position average minus the field mean (runners with one)'),
    (37, 'pace_front_rivals', 'pace', 'relative',
     'count(*) FILTER (WHERE h_early_pos_avg5 <= 0.25) OVER race'
     ' - CASE WHEN h_early_pos_avg5 <= 0.25 THEN 1 ELSE 0 END',
     'other runners in the race that usually race up front (early average <= 0.25)'),
    (38, 'pace_finish_rank', 'pace', 'relative',
     'CASE WHEN h_finish_rel_avg3 IS NOT NULL'
     ' THEN percent_rank() OVER (PARTITION BY race_date, race_id'
     ' ORDER BY h_finish_rel_avg3 NULLS LAST) END',
     'percent rank of the finishing-speed average in the field (0 = fastest finisher)'),
    (39, 'h_rating_change', 'rating', 'history', 'rating_change',
     'official rating now minus the rating of the last run'),
    (40, 'rating_band_pos', 'rating', 'field',
     'CASE WHEN rating_band_high > rating_band_low'
     ' THEN (official_rating - rating_band_low)::float8 / (rating_band_high - rating_band_low) END',
     'place of the rating in the race''s rating band (0 = bottom, 1 = top)'),
    (41, 'h_body_weight_change', 'condition', 'history', 'body_weight_change',
     'declared body weight now minus at the last run (kg)'),
    (42, 'body_weight_rel', 'condition', 'field',
     'body_weight_kg - avg(body_weight_kg) OVER race', 'declared body weight minus the field mean'),
    (43, 'h_gap_before_last', 'condition', 'history', 'gap_before_last',
     'days between the last run and the one before (with h_days_since_run: first or second run'
     ' after a break)'),
    (44, 'gear_first_time', 'condition', 'field', 'gear_first_time::int',
     'an item of gear worn for the first time (1), none (0)'),
    (45, 'mkt_morning_prob', 'market', 'market',
     '(1.0 / morning_odds) / sum(1.0 / morning_odds) OVER race',
     'first pre-off price, overround removed in the race'),
    (46, 'mkt_latest_prob', 'market', 'market',
     '(1.0 / latest_odds) / sum(1.0 / latest_odds) OVER race',
     'latest pre-off price, overround removed in the race'),
    (47, 'draw_rail_ae', 'draw', 'history',
     'CASE WHEN draw_third IS NOT NULL'
     ' THEN (coalesce(dr_wins, 0) + 10.0) / (coalesce(dr_expected, 0) + 10.0) END',
     'wins / expected wins from this stall at this course, surface, distance and rail, every'
     ' earlier day, shrunk (weight 10)'),
    (48, 'draw_rail_pos', 'draw', 'history',
     'CASE WHEN draw_third IS NOT NULL'
     ' THEN (coalesce(dr_pos_sum, 0) + 0.5 * 20) / (coalesce(dr_pos_runs, 0) + 20.0) END',
     'mean normalised position from this stall, same key, shrunk toward 0.5 (weight 20)'),
    (49, 'jt_pair_ae', 'pairs', 'history',
     '(coalesce(jt_wins, 0) + 2.0) / (coalesce(jt_expected, 0) + 2.0)',
     'jockey-trainer pair wins / expected wins, last 730 days, shrunk (weight 2)'),
    (50, 'jt_pair_rides', 'pairs', 'history', 'coalesce(jt_rides, 0)',
     'rides of the jockey for the trainer in the last 730 days'),
    (51, 'wt_claim', 'allowance', 'field',
     'CASE WHEN official_rating IS NOT NULL AND weight_kg IS NOT NULL'
     ' THEN greatest(113, least(133, 133 - (max(official_rating) OVER race - official_rating)))'
     ' - weight_kg / 0.45359237 END',
     'lb below the handicap scale (top rated 133 lb, 1 lb a rating point, 113..133) the horse'
     ' carries: the apprentice claim or weight off the scale'),
    (52, 'h_fig_last', 'speed', 'history', 'fig_last',
     'speed figure of the last run with one (0.1 s/km faster than par, going and weight'
     ' allowed for)'),
    (53, 'h_fig_best3', 'speed', 'history', 'fig_best3',
     'best speed figure of the last three runs with one'),
    (54, 'fig_best3_rel', 'speed', 'relative', 'h_fig_best3 - avg(h_fig_best3) OVER race',
     'best-of-three speed figure minus the field mean (runners with one)')
  ) AS f(position, name, feature_group, stage, definition, description);
COMMENT ON VIEW modeling.feature_catalog IS
    'The one declaration of every feature: name, group, stage (history / field / market), SQL '
    'definition and meaning, in model input order; versioned by feature_version().';
