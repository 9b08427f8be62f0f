-- refresh_features: history-derived features of every declared runner in a date range, as of
-- its race's off, into modeling.feature_store. The parts come from modeling.feature_parts
-- (features_parts.sql); modeling.feature_values, written from the catalogue
-- (features_build.sql), turns them into feature values, so a day and years give the same rows.

CREATE OR REPLACE FUNCTION modeling.refresh_features(from_date date, to_date date)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '256MB'             -- a long range sorts a million runs: keep them in memory
SET maintenance_work_mem = '256MB' -- and a rebuild re-indexes the store (suspend_indexes)
SET jit = off                      -- compiling these plans costs more than it saves
SET enable_mergejoin = off         -- hashing the totals beats sorting a million runs per join
SET enable_memoize = off           -- each runner probes its own (horse, day): a cache only misses
SET plan_cache_mode = force_custom_plan  -- plan with the values: one branch of feature_parts
AS $fn$
DECLARE
    windows boolean;
    suspended text[];
    written bigint;
BEGIN
    IF from_date IS NULL OR to_date IS NULL OR from_date > to_date THEN
        RAISE EXCEPTION 'refresh_features: bad date range % .. %', from_date, to_date
            USING HINT = 'Pass from_date <= to_date, e.g. refresh_features(''2026-05-01'', '
                         '''2026-05-01'').';
    END IF;
    -- One refresh at a time: two overlapping ones would both delete, then both insert, a day.
    PERFORM pg_advisory_xact_lock(hashtext('hrdpg.features'));
    PERFORM modeling.refresh_history();
    -- Window functions pass over the whole history of the range's horses and a year of totals
    -- before it; probes cost the same per runner whatever the history. Windows pay once the
    -- range spans a fifth of the history (11 months of 4.6 years; bench/RESULTS.md).
    SELECT coalesce(to_date - from_date >= greatest(7, (max(h.race_date) - min(h.race_date)) / 5),
                    false)
      INTO windows FROM modeling.run_history h;

    IF windows AND NOT EXISTS (SELECT 1 FROM modeling.feature_store
                                                  WHERE race_date NOT BETWEEN from_date
                                                                          AND to_date) THEN
        -- Every stored row is being replaced: a new empty file is far cheaper than a million
        -- deletes (and at wal_level minimal the insert skips WAL). Readers of the store wait
        -- for the commit, as scoring already waits on the lock above.
        TRUNCATE modeling.feature_store;
        suspended := modeling.suspend_indexes('modeling.feature_store');
    ELSE
        DELETE FROM modeling.feature_store WHERE race_date BETWEEN from_date AND to_date;
        -- A race moved to another day (postponed) keeps its id: drop its rows under the old date.
        DELETE FROM modeling.feature_store f
         USING modeling.src_races ra
         WHERE ra.race_id = f.race_id AND ra.race_date BETWEEN from_date AND to_date
           AND f.race_date NOT BETWEEN from_date AND to_date;
    END IF;
    BEGIN
        -- The column list follows the catalogue; the range and branch go in as literals
        -- (internal values, not caller text) so the plan keeps one branch of feature_parts.
        EXECUTE format('INSERT INTO modeling.feature_store (race_id, horse_id, race_date, '
                       'off_time, %s) SELECT * FROM modeling.feature_values(%L, %L, %L)',
                       (SELECT string_agg(quote_ident(c.name), ', ' ORDER BY c.position)
                          FROM modeling.feature_catalog c WHERE c.stage = 'history'),
                       from_date, to_date, windows);
        GET DIAGNOSTICS written = ROW_COUNT;
        IF suspended IS NOT NULL THEN
            PERFORM modeling.restore_indexes(suspended);  -- a duplicate fails here instead
        END IF;
    EXCEPTION WHEN unique_violation THEN
        -- A source view that yields a runner twice: name the runners, not the constraint.
        RAISE EXCEPTION 'refresh_features: duplicate runners in modeling.src_runners: %', (
            SELECT string_agg(format('race %s horse %s', d.race_id, d.horse_id), ', ')
              FROM (SELECT ru.race_id, ru.horse_id
                      FROM modeling.src_runners ru
                      JOIN modeling.src_races ra ON ra.race_id = ru.race_id
                     WHERE ra.race_date BETWEEN from_date AND to_date
                     GROUP BY ru.race_id, ru.horse_id HAVING count(*) > 1
                     ORDER BY 1, 2 LIMIT 5) d)
            USING ERRCODE = 'unique_violation',
                  HINT = 'Each (race_id, horse_id) must appear once; fix the source view.';
    END;
    RETURN written;
END;
$fn$;
COMMENT ON FUNCTION modeling.refresh_features(date, date) IS
    'Recompute the history-derived features of every declared runner with race_date in the '
    'range (after folding new results into run_history). Idempotent; a day and years give '
    'the same rows.';
REVOKE ALL ON FUNCTION modeling.refresh_features(date, date) FROM PUBLIC;
