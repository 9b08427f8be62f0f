-- The API's read: one race day's top production signals by edge, from modeling.latest_signals.
-- pgbench variables: lo, hi = the race days to read, as days since 2000-01-01.
\set d random(:lo, :hi)
SELECT race_id, horse_id, off_time, p_win, fair_win_odds, best_win_odds, edge_win,
       stake_fraction, staleness_ms
  FROM modeling.latest_signals
 WHERE race_date = date '2000-01-01' + :d::int
 ORDER BY edge_win DESC NULLS LAST
 LIMIT 20;
