-- Draw bias by course, surface, distance, rail and stall, and jockey-trainer pairs: the probes
-- and windows the feature parts read their daily totals through (the totals are written, with
-- the others, by hrdpg_pl.running_totals).

CREATE OR REPLACE FUNCTION modeling.draw_rail_totals_before(
    course text, surface text, distance_m integer, rail text, draw smallint, day date)
RETURNS TABLE (cum_runs bigint, cum_wins bigint, cum_expected double precision,
               cum_pos_runs bigint, cum_pos_sum double precision)
LANGUAGE sql STABLE
BEGIN ATOMIC
    -- '' stands for "no rail published" (and no surface): a key column cannot be NULL
    SELECT e.cum_runs, e.cum_wins, e.cum_expected, e.cum_pos_runs, e.cum_pos_sum
      FROM modeling.draw_rail_daily e
     WHERE e.course = draw_rail_totals_before.course
       AND e.surface = coalesce(draw_rail_totals_before.surface, '')
       AND e.distance_m = draw_rail_totals_before.distance_m
       AND e.rail = coalesce(draw_rail_totals_before.rail, '')
       AND e.draw = draw_rail_totals_before.draw AND e.race_date < day
     ORDER BY e.race_date DESC LIMIT 1;
END;
COMMENT ON FUNCTION modeling.draw_rail_totals_before(text, text, integer, text, smallint, date) IS
    'Running totals of a stall at a course, surface, distance and rail at the last day before '
    'day (no row: no run there yet); an index-only probe, inlined into the caller.';

CREATE OR REPLACE FUNCTION modeling.pair_totals_before(
    jockey_id bigint, trainer_id bigint, day date)
RETURNS TABLE (cum_rides bigint, cum_wins bigint, cum_expected double precision)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT e.cum_rides, e.cum_wins, e.cum_expected FROM modeling.pair_daily e
     WHERE e.jockey_id = pair_totals_before.jockey_id
       AND e.trainer_id = pair_totals_before.trainer_id AND e.race_date < day
     ORDER BY e.race_date DESC LIMIT 1;
END;
COMMENT ON FUNCTION modeling.pair_totals_before(bigint, bigint, date) IS
    'Running totals of a jockey-trainer pair at their last day together before day; an '
    'index-only probe, inlined into the caller.';

CREATE OR REPLACE FUNCTION modeling.pair_window_before(
    jockey_id bigint, trainer_id bigint, day date)
RETURNS TABLE (rides bigint, wins bigint, expected double precision)
LANGUAGE sql STABLE
BEGIN ATOMIC
    -- the 730 days before day: the totals before day less the totals before day - 730
    SELECT c0.cum_rides - coalesce(c730.cum_rides, 0), c0.cum_wins - coalesce(c730.cum_wins, 0),
           c0.cum_expected - coalesce(c730.cum_expected, 0)
      FROM modeling.pair_totals_before(jockey_id, trainer_id, day) c0
      LEFT JOIN LATERAL modeling.pair_totals_before(jockey_id, trainer_id, day - 730) c730
        ON true;
END;
COMMENT ON FUNCTION modeling.pair_window_before(bigint, bigint, date) IS
    'Rides, wins and expected wins of a jockey-trainer pair in the 730 days before day, from '
    'two probes of the running totals (probe branch of feature_parts).';

DROP FUNCTION IF EXISTS modeling.refresh_draw_pair_totals(date);  -- now hrdpg_pl.running_totals

CREATE OR REPLACE FUNCTION modeling.draw_rail_windows(from_date date, to_date date)
RETURNS TABLE (course text, surface text, distance_m integer, rail text, draw smallint,
               race_date date, cum_runs bigint, cum_wins bigint, cum_expected double precision,
               cum_pos_runs bigint, cum_pos_sum double precision)
LANGUAGE sql STABLE
BEGIN ATOMIC
    -- the totals before a day are those of the key's previous row: what the probe reads
    SELECT course, surface, distance_m, rail, draw, race_date, cum_runs, cum_wins, cum_expected,
           cum_pos_runs, cum_pos_sum
      FROM (SELECT d.course, d.surface, d.distance_m, d.rail, d.draw, d.race_date,
                   lag(d.cum_runs) OVER w AS cum_runs, lag(d.cum_wins) OVER w AS cum_wins,
                   lag(d.cum_expected) OVER w AS cum_expected,
                   lag(d.cum_pos_runs) OVER w AS cum_pos_runs,
                   lag(d.cum_pos_sum) OVER w AS cum_pos_sum
              FROM modeling.draw_rail_daily d
             WHERE d.race_date <= to_date
            WINDOW w AS (PARTITION BY d.course, d.surface, d.distance_m, d.rail, d.draw
                         ORDER BY d.race_date)) x
     WHERE x.race_date >= from_date;
END;
COMMENT ON FUNCTION modeling.draw_rail_windows(date, date) IS
    'Running totals before each day with runs in the range, per course, surface, distance, rail '
    'and stall (window branch of feature_parts).';

CREATE OR REPLACE FUNCTION modeling.pair_windows(from_date date, to_date date)
RETURNS TABLE (jockey_id bigint, trainer_id bigint, race_date date, rides bigint, wins bigint,
               expected double precision)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT jockey_id, trainer_id, race_date, rides, wins, expected
      FROM (SELECT d.jockey_id, d.trainer_id, d.race_date, sum(d.rides) OVER w730 AS rides,
                   sum(d.wins) OVER w730 AS wins, sum(d.expected) OVER w730 AS expected
              FROM modeling.pair_daily d
             WHERE d.race_date BETWEEN from_date - 731 AND to_date
            WINDOW w730 AS (PARTITION BY d.jockey_id, d.trainer_id ORDER BY d.race_date
                            RANGE BETWEEN '730 days' PRECEDING AND '1 day' PRECEDING)) x
     WHERE x.race_date >= from_date;
END;
COMMENT ON FUNCTION modeling.pair_windows(date, date) IS
    'Rides, wins and expected wins of each jockey-trainer pair over the 730 days before each '
    'day they rode together in the range (window branch of feature_parts).';
