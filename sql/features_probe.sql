-- Jockey and trainer windows of the feature parts' probe branch (features_parts.sql): four
-- index-only probes of the running totals (history.sql) each, so one race day costs the same
-- whatever the history behind it.

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
