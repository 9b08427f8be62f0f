-- Backfill sizing: how score_range cuts a range into chunks, and how `hrdpg backfill --jobs N`
-- cuts it into parts scored side by side (one score_range per part, each on its own backend).

-- Chunks sized to memory: about this many runners per chunk (the backend holds a chunk's
-- features, scores, reasons and its COPY stream at once: roughly 3 kB a runner).
CREATE OR REPLACE FUNCTION modeling.backfill_chunk_days(
    from_date date, to_date date, runners_per_chunk integer DEFAULT 40000)
RETURNS integer
LANGUAGE sql
STABLE
SECURITY DEFINER  -- score_range runs as its caller, who may not read the source views
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT greatest(1, least($2 - $1 + 1, floor($3::numeric / greatest(
               count(*)::numeric / ($2 - $1 + 1), 1))))::integer
      FROM modeling.src_runners ru
      JOIN modeling.src_races ra ON ra.race_id = ru.race_id
     WHERE ra.race_date BETWEEN $1 AND $2
$fn$;
COMMENT ON FUNCTION modeling.backfill_chunk_days(date, date, integer) IS
    'Days per score_range chunk so that a chunk holds about runners_per_chunk runners at the '
    'range''s average runners per day (at least 1 day, at most the range).';
REVOKE ALL ON FUNCTION modeling.backfill_chunk_days(date, date, integer) FROM PUBLIC;


-- Parts of equal work: contiguous date ranges that together cover from_date..to_date exactly,
-- each with about 1/parts of the range's runners (a day is never split). Contiguous, not
-- interleaved: each part's chunks then read one stretch of the store and of the odds.
CREATE OR REPLACE FUNCTION modeling.backfill_parts(from_date date, to_date date, parts integer)
RETURNS TABLE (part integer, part_from date, part_to date, runners bigint)
LANGUAGE sql
STABLE
SECURITY DEFINER  -- the CLI runs as the scorer, who may not read the source views
SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH days AS (
        SELECT ra.race_date AS d, count(*) AS n
          FROM modeling.src_runners ru
          JOIN modeling.src_races ra ON ra.race_id = ru.race_id
         WHERE ra.race_date BETWEEN $1 AND $2
         GROUP BY ra.race_date
    ), placed AS (
        -- A day goes to the part its first runner falls in, by the running count before it.
        SELECT d, n, least(greatest($3, 1) - 1, floor(greatest($3, 1)
                   * (sum(n) OVER (ORDER BY d) - n)::numeric
                   / sum(n) OVER ())::integer) AS k
          FROM days
    ), grouped AS (
        SELECT k, min(d) AS first_day, sum(n)::bigint AS n FROM placed GROUP BY k
    ), numbered AS (
        SELECT row_number() OVER (ORDER BY first_day)::integer AS part, first_day, n,
               lead(first_day) OVER (ORDER BY first_day) AS next_day
          FROM grouped
    )
    SELECT part, CASE WHEN part = 1 THEN $1 ELSE first_day END,
           coalesce(next_day - 1, $2), n
      FROM numbered
    UNION ALL  -- a range without runners is one part
    SELECT 1, $1, $2, 0 WHERE NOT EXISTS (SELECT 1 FROM days)
     ORDER BY 1
$fn$;
COMMENT ON FUNCTION modeling.backfill_parts(date, date, integer) IS
    'At most parts contiguous date ranges covering from_date..to_date, each with about an '
    'equal share of its runners (days are not split; fewer parts when there are fewer days '
    'with runners). hrdpg backfill --jobs scores each with its own score_range.';
REVOKE ALL ON FUNCTION modeling.backfill_parts(date, date, integer) FROM PUBLIC;
