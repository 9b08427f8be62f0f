-- refresh_features: history-derived features of every declared runner in a date range, as of
-- its race's off, into modeling.feature_store. The parts come from modeling.feature_parts
-- (features_parts.sql); modeling.feature_values below turns them into feature values, so every
-- definition is written once and a day and years give the same rows.

CREATE OR REPLACE FUNCTION modeling.feature_values(from_date date, to_date date, windows boolean)
RETURNS TABLE (
    race_id bigint, horse_id bigint, race_date date, off_time timestamptz, h_runs bigint,
    h_days_since_run float8, h_win_rate float8, h_place_rate float8, h_recent_win_rate float8,
    h_pos_last1 float8, h_pos_last2 float8, h_pos_last3 float8, h_pos_avg3 float8,
    h_beaten_avg3 float8, h_course_runs bigint, h_course_win_rate float8,
    h_dist_win_rate float8, h_going_win_rate float8, h_class_change float8,
    h_dist_change_m float8, h_elo float8, j_win_rate_14 float8, j_win_rate_90 float8,
    j_win_rate_365 float8, t_win_rate_14 float8, t_win_rate_90 float8, t_win_rate_365 float8,
    t_form_ae_14 float8, draw_bias_ae float8)
LANGUAGE sql STABLE
BEGIN ATOMIC
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
      FROM modeling.feature_parts(from_date, to_date, windows);
END;
COMMENT ON FUNCTION modeling.feature_values(date, date, boolean) IS
    'Internal to refresh_features: the history-derived feature values of every declared runner '
    'in the range, from modeling.feature_parts. Inlined into the caller.';
REVOKE ALL ON FUNCTION modeling.feature_values(date, date, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.refresh_features(from_date date, to_date date)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '256MB'             -- a long range sorts a million runs: keep them in memory
SET maintenance_work_mem = '256MB' -- and a rebuild re-indexes the store (suspend_indexes)
SET jit = off                      -- compiling these plans costs more than it saves
SET enable_mergejoin = off         -- hashing the totals beats sorting a million runs per join
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
        INSERT INTO modeling.feature_store (
            race_id, horse_id, race_date, off_time, h_runs, h_days_since_run, h_win_rate,
            h_place_rate, h_recent_win_rate, h_pos_last1, h_pos_last2, h_pos_last3,
            h_pos_avg3, h_beaten_avg3, h_course_runs, h_course_win_rate, h_dist_win_rate,
            h_going_win_rate, h_class_change, h_dist_change_m, h_elo, j_win_rate_14,
            j_win_rate_90, j_win_rate_365, t_win_rate_14, t_win_rate_90, t_win_rate_365,
            t_form_ae_14, draw_bias_ae)
        SELECT * FROM modeling.feature_values(from_date, to_date, windows);
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
