-- Window totals of the feature parts' window branch (features_parts.sql): the jockey, trainer
-- and draw totals of years of race days in one pass each over the daily totals.

CREATE OR REPLACE FUNCTION modeling.people_windows(kind "char", from_date date, to_date date)
RETURNS TABLE (entity_id bigint, race_date date, rides14 bigint, wins14 bigint,
               exp14 double precision, rides90 bigint, wins90 bigint, rides365 bigint,
               wins365 bigint)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT entity_id, race_date, rides14, wins14, exp14, rides90, wins90, rides365, wins365
      FROM (SELECT e.entity_id, e.race_date,
                   sum(e.rides) OVER w14 AS rides14, sum(e.wins) OVER w14 AS wins14,
                   sum(e.expected) OVER w14 AS exp14,
                   sum(e.rides) OVER w90 AS rides90, sum(e.wins) OVER w90 AS wins90,
                   sum(e.rides) OVER w365 AS rides365, sum(e.wins) OVER w365 AS wins365
              FROM modeling.entity_daily e
             WHERE e.kind = people_windows.kind
               AND e.race_date BETWEEN from_date - 366 AND to_date
            WINDOW w AS (PARTITION BY e.entity_id ORDER BY e.race_date),
                   w14 AS (w RANGE BETWEEN '14 days' PRECEDING AND '1 day' PRECEDING),
                   w90 AS (w RANGE BETWEEN '90 days' PRECEDING AND '1 day' PRECEDING),
                   w365 AS (w RANGE BETWEEN '365 days' PRECEDING AND '1 day' PRECEDING)) x
     WHERE x.race_date >= from_date;
END;
COMMENT ON FUNCTION modeling.people_windows("char", date, date) IS
    'Jockey (j) or trainer (t) rides and wins over the 14/90/365 days before each day they rode '
    'in the range (window branch of feature_parts).';

CREATE OR REPLACE FUNCTION modeling.draw_windows(from_date date, to_date date)
RETURNS TABLE (course text, dist_band smallint, draw_third smallint, race_date date,
               wins bigint, expected double precision)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT course, dist_band, draw_third, race_date, wins, expected
      FROM (SELECT d.course, d.dist_band, d.draw_third, d.race_date,
                   sum(d.wins) OVER w730 AS wins, sum(d.expected) OVER w730 AS expected
              FROM modeling.draw_daily d
             WHERE d.race_date BETWEEN from_date - 731 AND to_date
            WINDOW w730 AS (PARTITION BY d.course, d.dist_band, d.draw_third ORDER BY d.race_date
                            RANGE BETWEEN '730 days' PRECEDING AND '1 day' PRECEDING)) x
     WHERE x.race_date >= from_date;
END;
COMMENT ON FUNCTION modeling.draw_windows(date, date) IS
    'Wins and expected wins per course, distance band and draw third over the 730 days before '
    'each day with runs in the range (window branch of feature_parts).';
