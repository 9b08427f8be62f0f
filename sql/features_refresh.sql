-- refresh_features: history-derived features of every declared runner in a date range, as of
-- its race's off, into modeling.feature_store. Point in time by construction: horse form
-- counts only completed runs before the runner's own (in off-time order), and jockey,
-- trainer and draw totals stop at the day before the race.
--
-- Two paths give the same rows (tests/db/test_features_paths.py); both fill one temp table
-- of raw "parts" (counts, last positions, window totals) that a single INSERT below turns
-- into feature values, so the definitions live in one place:
--   * probe (features_probe.sql): a few index probes per runner. A short range (scoring a
--     day) and, in a long range, the runners without a result yet.
--   * window (features_window.sql): window functions over the stored history and daily
--     totals, for the completed runs of a long range (training over years).

CREATE OR REPLACE FUNCTION modeling.refresh_features(from_date date, to_date date)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning  -- no "does not exist, skipping" notices from the cleanup
SET work_mem = '256MB'             -- a long range sorts a million runs: keep them in memory
SET maintenance_work_mem = '256MB' -- and a rebuild re-indexes the store (suspend_indexes)
SET jit = off                      -- compiling these plans costs more than it saves
AS $fn$
DECLARE
    long_range constant boolean := to_date - from_date >= 7;
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
    DROP TABLE IF EXISTS hrdpg_parts;
    CREATE TEMP TABLE hrdpg_parts (
        race_id bigint, horse_id bigint, race_date date, off_time timestamptz,
        draw_third smallint, runs bigint, wins bigint, places bigint, last_off timestamptz,
        runs5 bigint, wins5 bigint, pos1 float8, pos2 float8, pos3 float8, beaten1 float8,
        beaten2 float8, beaten3 float8, course_runs bigint, course_wins bigint,
        dist_runs bigint, dist_wins bigint, going_runs bigint, going_wins bigint,
        class_change float8, dist_change float8, elo float8,
        j_rides14 bigint, j_wins14 bigint, j_rides90 bigint, j_wins90 bigint,
        j_rides365 bigint, j_wins365 bigint, t_rides14 bigint, t_wins14 bigint,
        t_exp14 float8, t_rides90 bigint, t_wins90 bigint, t_rides365 bigint,
        t_wins365 bigint, draw_wins bigint, draw_expected float8) ON COMMIT DROP;
    IF long_range THEN
        PERFORM modeling.feature_parts_by_window(from_date, to_date);
    END IF;
    PERFORM modeling.feature_parts_by_probe(from_date, to_date, NOT long_range);

    IF long_range AND NOT EXISTS (SELECT 1 FROM modeling.feature_store
                                   WHERE race_date NOT BETWEEN from_date AND to_date) THEN
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
        INSERT INTO modeling.feature_store (
            race_id, horse_id, race_date, off_time, h_runs, h_days_since_run, h_win_rate,
            h_place_rate, h_recent_win_rate, h_pos_last1, h_pos_last2, h_pos_last3,
            h_pos_avg3, h_beaten_avg3, h_course_runs, h_course_win_rate, h_dist_win_rate,
            h_going_win_rate, h_class_change, h_dist_change_m, h_elo, j_win_rate_14,
            j_win_rate_90, j_win_rate_365, t_win_rate_14, t_win_rate_90, t_win_rate_365,
            t_form_ae_14, draw_bias_ae)
        SELECT race_id, horse_id, race_date, off_time,
               runs,
               extract(epoch FROM off_time - last_off) / 86400.0,
               CASE WHEN runs > 0 THEN modeling.shrunk_rate(wins, runs, 0.1, 5) END,
               CASE WHEN runs > 0 THEN modeling.shrunk_rate(places, runs, 0.3, 5) END,
               CASE WHEN runs5 > 0 THEN modeling.shrunk_rate(wins5, runs5, 0.1, 3) END,
               pos1, pos2, pos3,
               (coalesce(pos1, 0) + coalesce(pos2, 0) + coalesce(pos3, 0))
                   / nullif(num_nonnulls(pos1, pos2, pos3), 0),
               (coalesce(beaten1, 0) + coalesce(beaten2, 0) + coalesce(beaten3, 0))
                   / nullif(num_nonnulls(beaten1, beaten2, beaten3), 0),
               course_runs,
               CASE WHEN course_runs > 0
                    THEN modeling.shrunk_rate(course_wins, course_runs, 0.1, 3) END,
               CASE WHEN dist_runs > 0
                    THEN modeling.shrunk_rate(dist_wins, dist_runs, 0.1, 3) END,
               CASE WHEN going_runs > 0
                    THEN modeling.shrunk_rate(going_wins, going_runs, 0.1, 3) END,
               class_change, dist_change, elo,
               modeling.shrunk_rate(j_wins14, j_rides14, 0.1, 10),
               modeling.shrunk_rate(j_wins90, j_rides90, 0.1, 20),
               modeling.shrunk_rate(j_wins365, j_rides365, 0.1, 30),
               modeling.shrunk_rate(t_wins14, t_rides14, 0.1, 10),
               modeling.shrunk_rate(t_wins90, t_rides90, 0.1, 20),
               modeling.shrunk_rate(t_wins365, t_rides365, 0.1, 30),
               (coalesce(t_wins14, 0) + 2.0) / (coalesce(t_exp14, 0) + 2.0),
               CASE WHEN draw_third IS NOT NULL
                    THEN (coalesce(draw_wins, 0) + 20.0) / (coalesce(draw_expected, 0) + 20.0)
               END
          FROM hrdpg_parts;
        GET DIAGNOSTICS written = ROW_COUNT;
        IF suspended IS NOT NULL THEN
            PERFORM modeling.restore_indexes(suspended);  -- a duplicate fails here instead
        END IF;
    EXCEPTION WHEN unique_violation THEN
        -- A source view that yields a runner twice: name the runners, not the constraint.
        RAISE EXCEPTION 'refresh_features: duplicate runners in modeling.src_runners: %', (
            SELECT string_agg(format('race %s horse %s', race_id, horse_id), ', ')
              FROM (SELECT race_id, horse_id FROM hrdpg_parts GROUP BY race_id, horse_id
                     HAVING count(*) > 1 ORDER BY 1, 2 LIMIT 5) d)
            USING ERRCODE = 'unique_violation',
                  HINT = 'Each (race_id, horse_id) must appear once; fix the source view.';
    END;
    DROP TABLE hrdpg_parts;
    RETURN written;
END;
$fn$;
COMMENT ON FUNCTION modeling.refresh_features(date, date) IS
    'Recompute the history-derived features of every declared runner with race_date in the '
    'range (after folding new results into run_history). Idempotent; a day and years give '
    'the same rows.';
REVOKE ALL ON FUNCTION modeling.refresh_features(date, date) FROM PUBLIC;
