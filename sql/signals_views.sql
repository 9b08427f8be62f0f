-- What the API reads: the newest production signals per race and model.

CREATE OR REPLACE VIEW modeling.latest_signals AS
SELECT s.race_date, s.off_time, s.race_id, s.horse_id, s.model_id, s.as_of,
       (extract(epoch FROM (now() - s.as_of)) * 1000)::bigint AS staleness_ms,
       s.p_win, s.p_model, s.p_place, s.ew_places, s.ew_fraction, s.fair_win_odds,
       s.fair_place_odds, s.best_win_odds, s.best_odds_source, s.best_odds_at, s.edge_win,
       s.edge_each_way, s.kelly_fraction, s.stake_fraction, s.liquidity_ok, s.reasons_json,
       s.feature_version, s.run_id, s.created_at
  FROM modeling.signals s
  -- Only the newest production publication of the race, whichever model made it: a runner
  -- missing from a later run (declared a non-runner) is gone, and after a promote the new
  -- model's first run replaces the old model's rows. The newest as_of is found once per race
  -- (a grouped scan of signals_alias_latest_idx; a race_date or race_id filter on the view
  -- reaches it through the join), not once per row: with a publication every few minutes a
  -- per-row max grew with (publications per day)^2.
  JOIN (SELECT n.race_date, n.race_id, max(n.as_of) AS as_of
          FROM modeling.signals n
         WHERE n.alias = 'production'
         GROUP BY n.race_date, n.race_id) newest
    ON newest.race_date = s.race_date AND newest.race_id = s.race_id
   AND newest.as_of = s.as_of
 WHERE s.alias = 'production';
COMMENT ON VIEW modeling.latest_signals IS
    'Production signals of the newest as_of per race, with staleness_ms = now() - '
    'as_of; challenger aliases never appear. Filter by race_date (index-backed).';
