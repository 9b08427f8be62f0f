-- What the API reads: the newest production signals per race and model.

CREATE OR REPLACE VIEW modeling.latest_signals AS
SELECT s.race_date, s.off_time, s.race_id, s.horse_id, s.model_id, s.as_of,
       -- A row knows nothing newer than when it was written (created_at, the publishing
       -- transaction's now()), even when stamped up to 5 minutes ahead (as_of_problem). On a
       -- standby every visible row was written before the last replayed commit, so this is at
       -- least now() - pg_last_xact_replay_timestamp() whenever replay is behind: the
       -- replication lag is in it, with the same formula on primary and standby and nothing
       -- a session can set (docs/scaling.md).
       (extract(epoch FROM (now() - least(s.as_of, s.created_at))) * 1000)::bigint
           AS staleness_ms,
       s.p_win, s.p_model, s.p_place, s.ew_places, s.ew_fraction, s.fair_win_odds,
       s.fair_place_odds, s.best_win_odds, s.best_odds_source, s.best_odds_at, s.edge_win,
       s.edge_each_way, s.kelly_fraction, s.stake_fraction, s.liquidity_ok, s.reasons_json,
       s.feature_version, s.run_id, s.created_at, s.stake_withheld
  -- Only the newest production publication of each race, whichever model made it: a runner
  -- missing from a later run (declared a non-runner) is gone, and after a promote the new
  -- model's first run replaces the old model's rows. Driven by the races, so a race_date filter
  -- reaches src_races' index; signals_newest gives each race's newest as_of (one probe), and
  -- the day's publication is one range read of signals_alias_newest_idx, however many
  -- refreshes the day has published. All three join on race_date, so the filter prunes
  -- signals to its month partition when planning (a per-race max(as_of) subquery is pruned
  -- only at run time, and was planned over every partition).
  FROM modeling.src_races r
  JOIN modeling.signals_newest newest
    ON newest.alias = 'production' AND newest.race_date = r.race_date
   AND newest.race_id = r.race_id
  JOIN modeling.signals s
    ON s.alias = 'production' AND s.race_date = r.race_date AND s.race_id = r.race_id
   AND s.as_of = newest.as_of;
COMMENT ON VIEW modeling.latest_signals IS
    'Production signals of the newest as_of per race, with staleness_ms = now() - '
    'least(as_of, created_at), replication lag included on a standby; challenger aliases '
    'never appear. Filter by race_date (index-backed).';
