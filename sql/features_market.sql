-- The market's prices of a runner as known at a moment: the first and the last price observed
-- before the off and, given as_of, not after it. The view reads them as of the off (training);
-- scoring reads them as of its own as_of (modeling.runner_features_as_of), so a replay of a
-- past morning never sees a later price. A SQL-standard body: inlined, names bound here.
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
