-- Running-total probes of the feature parts' probe branch (features_parts.sql): one
-- index-only probe each, so one race day costs the same whatever the history behind it.

CREATE OR REPLACE FUNCTION modeling.entity_totals_before(kind "char", entity_id bigint, day date)
RETURNS TABLE (cum_rides bigint, cum_wins bigint, cum_expected double precision)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT e.cum_rides, e.cum_wins, e.cum_expected FROM modeling.entity_daily e
     WHERE e.kind = entity_totals_before.kind AND e.entity_id = entity_totals_before.entity_id
       AND e.race_date < day
     ORDER BY e.race_date DESC LIMIT 1;
END;
COMMENT ON FUNCTION modeling.entity_totals_before("char", bigint, date) IS
    'Running totals of a jockey (j) or trainer (t) at their last day before day (no row: none); '
    'an index-only probe, inlined into the caller.';

CREATE OR REPLACE FUNCTION modeling.draw_totals_before(
    course text, dist_band smallint, draw_third smallint, day date)
RETURNS TABLE (cum_wins bigint, cum_expected double precision)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT e.cum_wins, e.cum_expected FROM modeling.draw_daily e
     WHERE e.course = draw_totals_before.course AND e.dist_band = draw_totals_before.dist_band
       AND e.draw_third = draw_totals_before.draw_third AND e.race_date < day
     ORDER BY e.race_date DESC LIMIT 1;
END;
COMMENT ON FUNCTION modeling.draw_totals_before(text, smallint, smallint, date) IS
    'Running draw totals of a course, distance band and draw third at the last day before day; '
    'an index-only probe, inlined into the caller.';
