-- Writes the feature SQL from modeling.feature_catalog (features_catalog.sql): the store
-- function (history stage), the view that training reads, and the scorer's as-of read of
-- the same rows. Run at every migrate; a catalogue row is the only place a feature is defined.

CREATE OR REPLACE FUNCTION modeling.install_feature_sql()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    missing text;
    extra text;
    hist_out text;    -- "name type, ..." of the history features, store types
    hist_vals text;   -- their definitions over feature_parts, cast to the store type
    hist_cols text;   -- "s.name, ..." read back from the store by the view
    view_cols text;   -- every feature, catalogue order, as double precision
    out_cols text;    -- "name double precision, ..." of every feature, catalogue order
    body text;        -- the view's query, a template (below)
BEGIN
    -- Every history feature has its store column and every store column a feature: a new
    -- history feature needs its column from an Alembic revision, not from here.
    SELECT string_agg(c.name, ', ' ORDER BY c.position) INTO missing
      FROM modeling.feature_catalog c
     WHERE c.stage = 'history'
       AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = 'modeling.feature_store'::regclass
                          AND a.attname = c.name AND NOT a.attisdropped);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'history feature(s) without a modeling.feature_store column: %', missing
            USING HINT = 'Add them in a new Alembic revision (ALTER TABLE modeling.feature_store '
                         'ADD COLUMN <name> double precision); docs/features.md has the recipe.';
    END IF;
    SELECT string_agg(a.attname, ', ' ORDER BY a.attnum) INTO extra
      FROM pg_attribute a
     WHERE a.attrelid = 'modeling.feature_store'::regclass AND a.attnum > 0
       AND NOT a.attisdropped
       AND a.attname NOT IN ('race_id', 'horse_id', 'race_date', 'off_time', 'computed_at')
       AND NOT EXISTS (SELECT 1 FROM modeling.feature_catalog c
                        WHERE c.name = a.attname AND c.stage = 'history');
    IF extra IS NOT NULL THEN
        RAISE EXCEPTION 'modeling.feature_store column(s) without a history feature: %', extra
            USING HINT = 'Declare them in sql/features_catalog.sql or drop them in a revision.';
    END IF;

    SELECT string_agg(format('%I %s', c.name, format_type(a.atttypid, a.atttypmod)), ', '
                      ORDER BY c.position),
           string_agg(format('(%s)::%s', c.definition, format_type(a.atttypid, a.atttypmod)),
                      E',\n           ' ORDER BY c.position),
           string_agg(format('s.%I', c.name), ', ' ORDER BY c.position)
      INTO hist_out, hist_vals, hist_cols
      FROM modeling.feature_catalog c
      JOIN pg_attribute a ON a.attrelid = 'modeling.feature_store'::regclass
                         AND a.attname = c.name
     WHERE c.stage = 'history';
    SELECT string_agg(CASE c.stage WHEN 'history' THEN format('p.%I::float8 AS %1$I', c.name)
                                   ELSE format('(%s)::float8 AS %I', c.definition, c.name) END,
                      E',\n       ' ORDER BY c.position),
           string_agg(format('%I double precision', c.name), ', ' ORDER BY c.position)
      INTO view_cols, out_cols
      FROM modeling.feature_catalog c;
    -- A catalogue without history features still makes valid SQL.
    hist_cols := coalesce(', ' || hist_cols, '');

    -- Dropped first: a new history feature changes its result type. Nothing depends on it
    -- (refresh_features calls it by EXECUTE).
    DROP FUNCTION IF EXISTS modeling.feature_values(date, date, boolean);
    EXECUTE format($sql$
CREATE FUNCTION modeling.feature_values(from_date date, to_date date, windows boolean)
RETURNS TABLE (race_id bigint, horse_id bigint, race_date date, off_time timestamptz, %s)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT race_id, horse_id, race_date, off_time,
           %s
      FROM modeling.feature_parts(from_date, to_date, windows);
END$sql$, hist_out, hist_vals);
    COMMENT ON FUNCTION modeling.feature_values(date, date, boolean) IS
        'Internal to refresh_features: the history-stage feature values of every declared '
        'runner in the range, from modeling.feature_parts (written from feature_catalog).';
    REVOKE ALL ON FUNCTION modeling.feature_values(date, date, boolean) FROM PUBLIC;

    -- The runners of the view: declared, not withdrawn, with their field's aggregates. Every
    -- window partitions by (race_date, race_id), so a filter on race_date is pushed below the
    -- windows and a one-day query touches one day of rows. One template for the view (every
    -- race, market as of the off) and the scorer's read (given races, market as of each
    -- race's as_of); its %s are: the as_of column, the races joined, the store's columns,
    -- the as_of the market is read at, the dates of the races (an index range over the store,
    -- as in the view filtered by date), the feature columns.
    -- The race windows (w, race) order the runners by horse and frame the whole race: a float
    -- aggregate over a race (a mean Elo, the book sum of the prices) then adds up in that one
    -- order. Without an order it added the rows as the plan delivered them, and the plan
    -- changes with the tables' statistics (an ANALYZE, autovacuum's), so the same data gave
    -- features a few ulp apart, LightGBM other bins, another model.
    body := $sql$
WITH field AS (
    SELECT ru.race_id, ru.horse_id, ra.race_date, ra.off_time, ru.age, ru.draw, ru.weight_kg,
           ru.official_rating, ru.speed_figure, d.body_weight_kg::float8 AS body_weight_kg,
           d.gear_first_time, rd.rating_band_low, rd.rating_band_high,
           count(*) OVER w AS field_size,
           avg(ru.weight_kg) OVER w AS avg_weight,
           avg(ru.official_rating) OVER w AS avg_rating,
           percent_rank() OVER (PARTITION BY ra.race_date, ru.race_id
                                ORDER BY ru.official_rating DESC NULLS LAST) AS rating_rank,
           avg(ru.speed_figure) OVER w AS avg_speed%s
      FROM modeling.src_runners ru
      JOIN modeling.src_races ra ON ra.race_id = ru.race_id%s
      -- the optional contract views: the pre-race columns only
      LEFT JOIN modeling.src_runner_details d
        ON (d.race_id, d.horse_id) = (ru.race_id, ru.horse_id)
      LEFT JOIN modeling.src_race_details rd ON rd.race_id = ru.race_id
     WHERE NOT ru.non_runner AND ru.status IS DISTINCT FROM 'non_runner'
    WINDOW w AS (PARTITION BY ra.race_date, ru.race_id ORDER BY ru.horse_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
),
priced AS (
    SELECT f.*%s, m.morning_odds, m.latest_odds
      FROM field f
      JOIN modeling.feature_store s USING (race_id, horse_id, race_date)
      LEFT JOIN LATERAL modeling.market_odds(f.race_id, f.horse_id, f.off_time, %s) m ON true%s
)
SELECT p.race_id, p.horse_id, p.race_date, p.off_time,
       %s
  FROM priced p
WINDOW race AS (PARTITION BY p.race_date, p.race_id ORDER BY p.horse_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)$sql$;
    EXECUTE 'CREATE OR REPLACE VIEW modeling.runner_features AS '
            || format(body, '', '', hist_cols, 'NULL', '', view_cols);
    COMMENT ON VIEW modeling.runner_features IS
        'Point-in-time features of every declared runner (non-runners excluded): one row per '
        'runner, feature columns in modeling.feature_catalog order (written from it). Run '
        'refresh_features first.';

    -- The scorer's read: the view's rows of the given races with the market features as of
    -- each race's as_of, so a replay of a past morning never sees a later price. Dropped
    -- first: a new feature changes its result type; the scorer calls it by query text.
    DROP FUNCTION IF EXISTS modeling.runner_features_as_of(bigint[], timestamptz[]);
    DROP FUNCTION IF EXISTS modeling.runner_features_as_of(date, date, bigint[], timestamptz[]);
    DROP FUNCTION IF EXISTS modeling.market_features_as_of(bigint[], timestamptz[]);  -- its market-only predecessor
    EXECUTE format($sql$
CREATE FUNCTION modeling.runner_features_as_of(from_date date, to_date date, race_ids bigint[],
                                               as_ofs timestamptz[])
RETURNS TABLE (race_id bigint, horse_id bigint, race_date date, off_time timestamptz, %s)
LANGUAGE sql STABLE
BEGIN ATOMIC
%s;
END$sql$, out_cols, format(body, ', req.as_of',
                           E'\n      JOIN unnest(race_ids, as_ofs) AS req(race_id, as_of)'
                           ' ON req.race_id = ra.race_id',
                           hist_cols, 'f.as_of',
                           E'\n     WHERE f.race_date BETWEEN from_date AND to_date', view_cols));
    COMMENT ON FUNCTION modeling.runner_features_as_of(date, date, bigint[], timestamptz[]) IS
        'Internal to scoring: runner_features of the given races (dated from_date .. to_date), '
        'with the market features as of each race''s as_of (written from feature_catalog with '
        'the view''s template).';
    REVOKE ALL ON FUNCTION modeling.runner_features_as_of(date, date, bigint[], timestamptz[])
        FROM PUBLIC;
END;
$fn$;
COMMENT ON FUNCTION modeling.install_feature_sql() IS
    'Write feature_values, runner_features and runner_features_as_of from modeling.'
    'feature_catalog; checks that the store has a column for every history feature. Run by '
    'hrdpg db migrate.';
REVOKE ALL ON FUNCTION modeling.install_feature_sql() FROM PUBLIC;

SELECT modeling.install_feature_sql();
