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

CREATE OR REPLACE FUNCTION modeling.entity_windows_before(kind "char", entity_id bigint, day date)
RETURNS TABLE (rides14 bigint, wins14 bigint, exp14 double precision, rides90 bigint,
               wins90 bigint, rides365 bigint, wins365 bigint)
LANGUAGE sql STABLE
BEGIN ATOMIC
    -- A window is the running total at the day before the race minus the running total at the
    -- day before the window opens (none: nothing before it).
    SELECT c0.cum_rides - coalesce(c14.cum_rides, 0), c0.cum_wins - coalesce(c14.cum_wins, 0),
           c0.cum_expected - coalesce(c14.cum_expected, 0),
           c0.cum_rides - coalesce(c90.cum_rides, 0), c0.cum_wins - coalesce(c90.cum_wins, 0),
           c0.cum_rides - coalesce(c365.cum_rides, 0), c0.cum_wins - coalesce(c365.cum_wins, 0)
      FROM modeling.entity_totals_before(kind, entity_id, day) c0
      LEFT JOIN LATERAL modeling.entity_totals_before(kind, entity_id, day - 14) c14 ON true
      LEFT JOIN LATERAL modeling.entity_totals_before(kind, entity_id, day - 90) c90 ON true
      LEFT JOIN LATERAL modeling.entity_totals_before(kind, entity_id, day - 365) c365 ON true;
END;
COMMENT ON FUNCTION modeling.entity_windows_before("char", bigint, date) IS
    'Rides, wins (and expected wins over 14 days) of a jockey (j) or trainer (t) in the 14, 90 '
    'and 365 days before day, from four index-only probes of the running totals; no row if '
    'they never rode before day. Inlined into the caller.';

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
