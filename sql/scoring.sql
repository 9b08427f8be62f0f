-- In-database scoring: score_day (one date, one transaction), score_range (a procedure that
-- commits per chunk) and their helpers. The logic lives in plpython/hrdpg_pl/scoring*.py.

-- The packed feature query for a model's feature list, generated here so every identifier goes
-- through format('%I') and every name is checked against the catalogue.
CREATE OR REPLACE FUNCTION modeling.scoring_feature_query(feature_names text[])
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    unknown text;
    cols text;
BEGIN
    IF feature_names IS NULL OR cardinality(feature_names) = 0 THEN
        RAISE EXCEPTION 'score: the model has no feature names';
    END IF;
    SELECT string_agg(quote_literal(n), ', ') INTO unknown
      FROM unnest(feature_names) AS u(n)
     WHERE n IS NULL OR n NOT IN (SELECT c.name FROM modeling.feature_catalog c);
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'score: model features not in modeling.feature_catalog: %', unknown
            USING HINT = 'The catalogue changed since the model was trained: retrain it.';
    END IF;
    SELECT string_agg(format('float8send(coalesce(f.%I::float8, ''NaN''::float8))', n), ' || '
                      ORDER BY o)
      INTO cols FROM unnest(feature_names) WITH ORDINALITY AS u(n, o);
    RETURN format(
        'SELECT count(*)::int8 AS n, string_agg(int8send(f.race_id::int8) '
        '|| int8send(f.horse_id::int8) || %s, ''''::bytea ORDER BY f.race_id, f.horse_id) AS blob '
        'FROM modeling.runner_features_as_of($1, $2, $3, $4) f', cols);
END
$fn$;
COMMENT ON FUNCTION modeling.scoring_feature_query(text[]) IS
    'Internal: SQL reading runner_features_as_of($1 .. $2 dates, $3 race ids, $4 their as_of) '
    'as one bytea '
    '(int8 race, int8 horse, float8 per feature, NULL as NaN, big-endian), columns validated '
    'against feature_catalog.';
REVOKE ALL ON FUNCTION modeling.scoring_feature_query(text[]) FROM PUBLIC;

-- One rule for every entry that publishes "as of" a moment: a finite time, not in the future.
-- latest_signals shows the newest as_of per race, so a publication stamped in 2099 would
-- mask every real one after it. Five minutes of slack for a client clock ahead of the server.
CREATE OR REPLACE FUNCTION modeling.as_of_problem(as_of timestamptz)
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT CASE
        WHEN $1 IS NULL THEN 'as_of must not be NULL'
        WHEN NOT pg_catalog.isfinite($1) THEN pg_catalog.format('as_of %s is not a finite time', $1)
        WHEN $1 > pg_catalog.now() + interval '5 minutes'
            THEN pg_catalog.format('as_of %s is in the future (the server''s time is %s)', $1,
                                   pg_catalog.now())
    END
$fn$;
COMMENT ON FUNCTION modeling.as_of_problem(timestamptz) IS
    'NULL when as_of may stamp a publication (finite, at most 5 minutes after now()); else why '
    'not. score_day, reprice_day and score_range refuse such an as_of.';
REVOKE ALL ON FUNCTION modeling.as_of_problem(timestamptz) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.score_day(
    race_date date,
    as_of timestamptz DEFAULT now(),
    alias text DEFAULT 'production',
    challengers boolean DEFAULT true,
    wait boolean DEFAULT true,
    max_null_share double precision DEFAULT 0.5,
    triggered_by text DEFAULT 'manual')
RETURNS bigint
LANGUAGE plpython3u
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off  -- a day's queries are small: JIT compiled for 280 ms to save nothing
AS $$
from hrdpg_pl.scoring import score_day
if race_date is None or as_of is None or alias is None:
    plpy.error("score_day: race_date, as_of and alias must not be NULL")
# A month without its partition (a replay, no housekeeping yet) gets it before the publish.
plpy.execute(plpy.prepare("SELECT modeling.create_signal_partitions($1, $1)", ["date"]),
             [race_date])
return score_day(plpy, race_date, as_of, alias, bool(challengers), bool(wait),
                 float(max_null_share), triggered_by or 'manual')
$$;
COMMENT ON FUNCTION modeling.score_day(date, timestamptz, text, boolean, boolean,
                                       double precision, text) IS
    'Score every race of race_date with the alias''s model (and challengers under their own '
    'aliases): features, ONNX, race softmax/blend, DQ gate, pricing, one signals upsert, a '
    'modeling.runs row. One transaction; raises (and publishes nothing) on error. wait => false '
    'records a skipped run and returns 0 when another call holds the date. Returns the alias''s '
    'runner signals published.';
REVOKE ALL ON FUNCTION modeling.score_day(date, timestamptz, text, boolean, boolean,
                                          double precision, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.reprice_day(
    race_date date,
    as_of timestamptz DEFAULT now(),
    alias text DEFAULT 'production',
    wait boolean DEFAULT true,
    triggered_by text DEFAULT 'manual')
RETURNS bigint
LANGUAGE plpython3u
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off  -- a day's queries are small: JIT compiled for 280 ms to save nothing
AS $$
from hrdpg_pl.reprice import reprice_day
if race_date is None or as_of is None or alias is None:
    plpy.error("reprice_day: race_date, as_of and alias must not be NULL")
plpy.execute(plpy.prepare("SELECT modeling.create_signal_partitions($1, $1)", ["date"]),
             [race_date])
return reprice_day(plpy, race_date, as_of, alias, bool(wait), triggered_by or 'manual')
$$;
COMMENT ON FUNCTION modeling.reprice_day(date, timestamptz, text, boolean, text) IS
    'Re-price race_date at as_of with the latest odds, keeping the win probabilities and reasons '
    'of the day''s last score_day run when the model, feature version and the day''s '
    'declarations are unchanged and the model reads no market prices; otherwise a full '
    'score_day (the run row says why). Either way publishes only the races whose signals differ '
    'from their newest publication. One transaction; returns the alias''s signals published.';
REVOKE ALL ON FUNCTION modeling.reprice_day(date, timestamptz, text, boolean, text) FROM PUBLIC;

-- The 0.1.0 name, kept for one release: "refresh" also names the feature and history
-- refreshes and the schedule's job, and this function re-prices.
CREATE OR REPLACE FUNCTION modeling.refresh_day(
    race_date date,
    as_of timestamptz DEFAULT now(),
    alias text DEFAULT 'production',
    wait boolean DEFAULT true,
    triggered_by text DEFAULT 'manual')
RETURNS bigint
LANGUAGE sql
VOLATILE
SET search_path = pg_catalog, pg_temp
RETURN modeling.reprice_day(race_date, as_of, alias, wait, triggered_by);
COMMENT ON FUNCTION modeling.refresh_day(date, timestamptz, text, boolean, text) IS
    'Deprecated alias of modeling.reprice_day (its 0.1.0 name); removed in 0.3.';
REVOKE ALL ON FUNCTION modeling.refresh_day(date, timestamptz, text, boolean, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.score_chunk(
    run_id bigint, from_date date, to_date date, as_of timestamptz, alias text,
    challengers boolean, max_null_share double precision, refresh_features boolean,
    reasons boolean DEFAULT true)
RETURNS bigint
LANGUAGE plpython3u
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off  -- a day's queries are small: JIT compiled for 280 ms to save nothing
AS $$
from hrdpg_pl.scoring_range import score_chunk
return score_chunk(plpy, run_id, from_date, to_date, as_of, alias, bool(challengers),
                   float(max_null_share), refresh_features is not False, reasons is not False)
$$;
COMMENT ON FUNCTION modeling.score_chunk(bigint, date, date, timestamptz, text, boolean,
                                         double precision, boolean, boolean) IS
    'Internal to score_range: score from_date..to_date under an existing running run row and '
    'add the counts, progress and stage timings to it; fails if the alias no longer points at '
    'the run''s model. as_of NULL = each race''s off_time - 1 minute. refresh_features false: '
    'read the feature store as it is. reasons false: publish ''[]'' reasons. Publishes by '
    'binary COPY when no row of the chunk exists yet (hrdpg_pl/scoring_bulk.py).';
REVOKE ALL ON FUNCTION modeling.score_chunk(bigint, date, date, timestamptz, text, boolean,
                                            double precision, boolean, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.fail_abandoned_runs()
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    n bigint;
BEGIN
    -- A 'running' row whose backend is gone was killed mid-run (crash, terminate): close it.
    UPDATE modeling.runs r
       SET status = 'failed', finished_at = clock_timestamp(),
           error = format('abandoned: backend %s is gone', r.backend_pid)
     WHERE r.status = 'running'
       -- A backend that started after the run only reuses the pid (after a crash restart).
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a
                        WHERE a.pid = r.backend_pid AND a.backend_start <= r.started_at);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION modeling.fail_abandoned_runs() IS
    'Mark running runs whose backend is gone (or whose pid a later backend reuses) as failed; '
    'returns how many. Called by score_range_start and housekeeping.';
REVOKE ALL ON FUNCTION modeling.fail_abandoned_runs() FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.score_range_start(
    from_date date, to_date date, chunk_days integer, as_of timestamptz, alias text,
    challengers boolean, triggered_by text)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    new_id bigint;
    problem text := CASE WHEN as_of IS NOT NULL THEN modeling.as_of_problem(as_of) END;
BEGIN
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'score_range: %', problem USING ERRCODE = '22023',
            HINT = 'Pass a past as_of, or NULL to replay each race as of 1 minute before its off.';
    END IF;
    PERFORM modeling.fail_abandoned_runs();
    -- The backfill's months get their partitions in this short transaction, not per chunk.
    PERFORM modeling.create_signal_partitions(from_date, to_date);
    -- The run is pinned to the alias's model now: score_chunk refuses to mix in another.
    INSERT INTO modeling.runs (kind, race_date, model_id, params, triggered_by)
    VALUES ('score_range', from_date,
            (SELECT a.model_id FROM modeling.model_aliases a
              WHERE a.alias = score_range_start.alias),
            jsonb_build_object('from', from_date, 'to', to_date, 'chunk_days', chunk_days,
                               'as_of', as_of, 'alias', alias, 'challengers', challengers,
                               'progress', jsonb_build_object(
                                   'days_done', 0, 'days_total', to_date - from_date + 1,
                                   'chunks_done', 0)),
            coalesce(triggered_by, 'manual'))
    RETURNING run_id INTO new_id;
    RETURN new_id;
END
$fn$;
COMMENT ON FUNCTION modeling.score_range_start(date, date, integer, timestamptz, text, boolean,
                                               text) IS
    'Internal to score_range: fail abandoned running runs, insert the range''s running run row '
    '(model_id = the alias''s model now, which every chunk must still find).';
REVOKE ALL ON FUNCTION modeling.score_range_start(date, date, integer, timestamptz, text,
                                                  boolean, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.finish_run(run_id bigint, error text DEFAULT NULL)
RETURNS void
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    UPDATE modeling.runs r
       SET status = CASE WHEN finish_run.error IS NULL THEN 'ok' ELSE 'failed' END,
           error = finish_run.error, finished_at = clock_timestamp()
     WHERE r.run_id = finish_run.run_id AND r.status = 'running'
       -- Only the session that started the run may close it (a scorer must not end others').
       AND r.backend_pid = pg_catalog.pg_backend_pid();
END;
COMMENT ON FUNCTION modeling.finish_run(bigint, text) IS
    'Close a running run row that this session started: ok, or failed with the error.';
REVOKE ALL ON FUNCTION modeling.finish_run(bigint, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.record_failed_run(
    kind text, race_date date, params jsonb, error text, triggered_by text DEFAULT 'manual')
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    id bigint;
BEGIN
    INSERT INTO modeling.runs (kind, status, race_date, params, error, triggered_by,
                               finished_at)
    VALUES ($1, 'failed', $2, coalesce($3, '{}'), coalesce($4, 'unknown error'),
            coalesce($5, 'manual'), clock_timestamp())
    RETURNING run_id INTO id;
    -- The scheduler raises its own 'schedule' alert for the jobs it runs.
    IF coalesce($5, 'manual') NOT LIKE 'schedule:%' THEN
        PERFORM modeling.raise_alert(
            'critical', 'scoring', $1 || ':' || coalesce($2::text, '-'),
            -- Says who reported it: the text is the caller's, not the engine's.
            format('%s for %s failed (reported by %s): %s', $1, coalesce($2::text, '-'),
                   session_user, left(coalesce($4, 'unknown error'), 500)),
            jsonb_build_object('run_id', id, 'kind', $1, 'race_date', $2,
                               'triggered_by', coalesce($5, 'manual'),
                               'reported_by', session_user));
    END IF;
    RETURN id;
END
$fn$;
COMMENT ON FUNCTION modeling.record_failed_run(text, date, jsonb, text, text) IS
    'For callers of score_day (CLI, scheduler): after the failed call rolled back, record the '
    'failure in its own transaction, and (unless the scheduler called, which alerts itself) a '
    'critical scoring alert.';
REVOKE ALL ON FUNCTION modeling.record_failed_run(text, date, jsonb, text, text) FROM PUBLIC;

-- A procedure so it can COMMIT per chunk. Procedures that COMMIT may not carry SET options
-- or be SECURITY DEFINER, so every name is schema-qualified and the writes go through the
-- SECURITY DEFINER helpers above. CALL it outside an explicit transaction block.
CREATE OR REPLACE PROCEDURE modeling.score_range(
    from_date date, to_date date, chunk_days integer DEFAULT NULL,
    as_of timestamptz DEFAULT NULL, alias text DEFAULT 'production',
    challengers boolean DEFAULT true, max_null_share double precision DEFAULT 0.5,
    triggered_by text DEFAULT 'manual', refresh_features boolean DEFAULT true,
    reasons boolean DEFAULT true)
LANGUAGE plpgsql
AS $fn$
DECLARE
    run bigint;
    d date;
    chunk_end date;
    err text;
BEGIN
    IF from_date IS NULL OR to_date IS NULL OR from_date > to_date THEN
        RAISE EXCEPTION 'score_range: bad date range % .. %', from_date, to_date
            USING HINT = 'Pass from_date <= to_date.';
    END IF;
    IF chunk_days IS NULL THEN
        chunk_days := modeling.backfill_chunk_days(from_date, to_date);
    END IF;
    IF chunk_days < 1 THEN
        RAISE EXCEPTION 'score_range: chunk_days must be >= 1, got %', chunk_days;
    END IF;
    -- A chunk longer than the range is the range (and d + chunk_days cannot overflow).
    chunk_days := least(chunk_days, to_date - from_date + 1);
    run := modeling.score_range_start(from_date, to_date, chunk_days, as_of, alias,
                                      challengers, triggered_by);
    COMMIT;
    d := from_date;
    WHILE d <= to_date LOOP
        chunk_end := least(d + (chunk_days - 1), to_date);
        BEGIN
            PERFORM modeling.score_chunk(run, d, chunk_end, as_of, alias, challengers,
                                         max_null_share, refresh_features, reasons);
        EXCEPTION WHEN OTHERS OR query_canceled THEN
            GET STACKED DIAGNOSTICS err = MESSAGE_TEXT;
        END;
        IF err IS NOT NULL THEN
            -- The chunk rolled back; earlier chunks stay committed. Close the run, then raise.
            PERFORM modeling.finish_run(run, pg_catalog.format('chunk %s .. %s: %s', d,
                                                               chunk_end, err));
            COMMIT;
            RAISE EXCEPTION 'score_range: chunk % .. % failed: %', d, chunk_end, err
                USING HINT = pg_catalog.format('Chunks before %s are committed (run %s); '
                                               'fix the cause and re-run from %s.', d, run, d);
        END IF;
        COMMIT;
        d := chunk_end + 1;
    END LOOP;
    PERFORM modeling.finish_run(run);
    COMMIT;
END
$fn$;
COMMENT ON PROCEDURE modeling.score_range(date, date, integer, timestamptz, text, boolean,
                                          double precision, text, boolean, boolean) IS
    'Backfill signals for from_date..to_date in chunks of chunk_days (NULL: sized by '
    'backfill_chunk_days), COMMIT per chunk with progress and summed stage timings in one '
    'score_range run row. as_of NULL = each race''s off_time - 1 minute (a replay of the '
    'pre-off view); idempotent for the same as_of. refresh_features => false skips the '
    'per-chunk feature refresh: only when the features of the range are current (e.g. just '
    'after refresh_features over the whole range). reasons => false publishes ''[]'' reasons '
    '(a research backfill: only the API shows reasons; everything else is the full row).';
REVOKE ALL ON PROCEDURE modeling.score_range(date, date, integer, timestamptz, text, boolean,
                                             double precision, text, boolean, boolean)
    FROM PUBLIC;
