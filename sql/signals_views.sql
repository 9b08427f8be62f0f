-- What the API reads: the newest production signals per race and model.

CREATE OR REPLACE VIEW modeling.latest_signals AS
SELECT s.race_date, s.off_time, s.race_id, s.horse_id, s.model_id, s.as_of,
       (extract(epoch FROM (now() - s.as_of)) * 1000)::bigint AS staleness_ms,
       s.p_win, s.p_model, s.p_place, s.ew_places, s.ew_fraction, s.fair_win_odds,
       s.fair_place_odds, s.best_win_odds, s.best_odds_source, s.best_odds_at, s.edge_win,
       s.edge_each_way, s.kelly_fraction, s.stake_fraction, s.liquidity_ok, s.reasons_json,
       s.feature_version, s.run_id, s.created_at
  FROM modeling.signals s
 WHERE s.alias = 'production'
   -- Only the newest production publication of the race, whichever model made it: a runner
   -- missing from a later run (declared a non-runner) is gone, and after a promote the new
   -- model's first run replaces the old model's rows. The max reads the race's entries of
   -- signals_alias_latest_idx.
   AND s.as_of = (SELECT max(n.as_of) FROM modeling.signals n
                   WHERE n.alias = 'production' AND n.race_date = s.race_date
                     AND n.race_id = s.race_id);
COMMENT ON VIEW modeling.latest_signals IS
    'Production signals of the newest as_of per race, with staleness_ms = now() - '
    'as_of; challenger aliases never appear. Filter by race_date (index-backed).';
