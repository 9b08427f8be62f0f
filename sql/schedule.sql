-- Scheduling: modeling.tick, run every minute by one pg_cron job, decides at its `now` what is
-- due in local time of each modeling.schedule row (IANA zone, AT TIME ZONE, never a fixed UTC
-- offset: pg_cron 1.4 runs in GMT). What each job does is in sql/schedule_actions.sql.
-- See docs/scheduling.md.

-- Every parameter a job of each kind reads, with its default: the one place for both. A job's
-- params override these; a key not listed is refused when the row is written (a misspelt
-- "near_evry" must not silently fall back to the default). null = optional, no default.
CREATE OR REPLACE FUNCTION modeling.schedule_defaults(kind text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE kind
    WHEN 'morning_score' THEN
        '{"alias": "production", "max_attempts": 3, "retry_minutes": 10}'::jsonb
    WHEN 'refresh' THEN
        '{"alias": "production", "after": null, "far_minutes": 30, "far_every": 10,
          "near_every": 1}'::jsonb
    WHEN 'monitoring' THEN
        '{"check": "acceptance", "goal": 0.8, "days_back": 1, "min_n": 100, "min_races": 10,
          "drift_days": 1, "max_attempts": 3, "retry_minutes": 10}'::jsonb
    WHEN 'housekeeping' THEN
        '{"cron_retention_days": 14, "runs_retention_days": 7, "signals_thin_days": 7,
          "signals_retention_months": null, "signals_months_ahead": 3,
          "max_attempts": 3, "retry_minutes": 10}'::jsonb
END;
COMMENT ON FUNCTION modeling.schedule_defaults(text) IS
    'The parameters a schedule job of this kind reads and their defaults (null: optional); '
    'a job''s params override them, any other key is refused.';

-- modeling.schedule.tz must name a zone PostgreSQL knows and params only keys its kind reads.
-- A CHECK cannot read a catalogue view, so a trigger does it (reloadable with this file).
CREATE OR REPLACE FUNCTION modeling.schedule_check_tz()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    defaults jsonb := modeling.schedule_defaults(NEW.kind);
    bad text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name = NEW.tz) THEN
        RAISE EXCEPTION 'schedule: unknown time zone %', quote_literal(NEW.tz)
            USING ERRCODE = '22023', HINT = 'Use an IANA name such as Europe/Madrid.';
    END IF;
    SELECT pg_catalog.string_agg(pg_catalog.quote_literal(k), ', ') INTO bad
      FROM pg_catalog.jsonb_object_keys(coalesce(NEW.params, '{}')) AS k
     WHERE NOT defaults ? k
        OR (pg_catalog.jsonb_typeof(defaults -> k) <> 'null'
            AND pg_catalog.jsonb_typeof(NEW.params -> k)
                <> pg_catalog.jsonb_typeof(defaults -> k));
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'schedule: job % (%) has unknown or mistyped params %', NEW.job,
            NEW.kind, bad
            USING ERRCODE = '22023',
                  HINT = pg_catalog.format('A %s job reads: %s', NEW.kind, defaults::text);
    END IF;
    NEW.updated_at := pg_catalog.now();
    NEW.updated_by := current_user;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION modeling.schedule_check_tz() IS
    'Trigger of modeling.schedule: tz must be in pg_timezone_names and params keys (and value '
    'types) those of schedule_defaults(kind); stamps updated_at/by.';
REVOKE ALL ON FUNCTION modeling.schedule_check_tz() FROM PUBLIC;

CREATE OR REPLACE TRIGGER schedule_check_tz
    BEFORE INSERT OR UPDATE ON modeling.schedule
    FOR EACH ROW EXECUTE FUNCTION modeling.schedule_check_tz();
COMMENT ON TRIGGER schedule_check_tz ON modeling.schedule IS
    'Rejects a tz that is not in pg_timezone_names and params a job of its kind does not read.';

-- One job at instant t: what is due (dry => only say so), else run it, record the slot, and on
-- failure a failed run row and a critical alert. Never raises for a failing action.
CREATE OR REPLACE FUNCTION modeling.tick_job(
    job modeling.schedule, t timestamptz, tick_run_id bigint, dry boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    j modeling.schedule := $1;
    p jsonb := modeling.schedule_defaults(j.kind) || coalesce(j.params, '{}');
    lday date := ($2 AT TIME ZONE j.tz)::date;
    minute timestamptz := date_trunc('minute', $2);
    lslot timestamptz;
    prev modeling.schedule_runs;
    last_at timestamptz;
    next_off timestamptz;
    every integer;
    res jsonb;
    err text;
BEGIN
    IF NOT j.enabled THEN
        RETURN jsonb_build_object('job', j.job, 'decision', 'disabled');
    END IF;
    IF j.kind = 'refresh' THEN
        IF p ->> 'after' IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM modeling.schedule_runs r
                 WHERE r.job = p ->> 'after' AND r.local_day = lday
                   AND r.status = 'ok') THEN
            RETURN jsonb_build_object('job', j.job, 'decision', 'waiting',
                                      'after', p ->> 'after');
        END IF;
        SELECT min(r.off_time) INTO next_off FROM modeling.src_races r
         WHERE r.race_date = lday AND r.off_time > $2;
        IF next_off IS NULL THEN
            RETURN jsonb_build_object('job', j.job, 'decision', 'idle',
                                      'reason', 'no race of the day before its off');
        END IF;
        every := CASE WHEN next_off - $2 > make_interval(mins => (p ->> 'far_minutes')::int)
                      THEN (p ->> 'far_every')::int
                      ELSE (p ->> 'near_every')::int END;
        -- Minutes since the day's last scoring (this job or the one it runs after), compared
        -- on whole minutes: pg_cron starts a few hundred ms late, never early.
        SELECT max(x) INTO last_at FROM (
            SELECT max(r.slot) AS x FROM modeling.schedule_runs r
             WHERE r.job = j.job AND r.local_day = lday
            UNION ALL
            SELECT max(date_trunc('minute', r.attempted_at)) FROM modeling.schedule_runs r
             WHERE r.job = p ->> 'after' AND r.local_day = lday
               AND r.status = 'ok') s;
        IF last_at IS NOT NULL AND minute < last_at + make_interval(mins => every) THEN
            RETURN jsonb_build_object('job', j.job, 'decision', 'not_due',
                                      'next_due', last_at + make_interval(mins => every),
                                      'next_off', next_off, 'every', every);
        END IF;
        lslot := minute;
    ELSE
        lslot := (lday + j.local_time) AT TIME ZONE j.tz;
        IF $2 < lslot THEN
            RETURN jsonb_build_object('job', j.job, 'decision', 'not_yet', 'next_due', lslot);
        END IF;
        SELECT * INTO prev FROM modeling.schedule_runs r
         WHERE r.job = j.job AND r.local_day = lday AND r.slot = lslot;
        IF FOUND AND prev.status = 'ok' THEN
            RETURN jsonb_build_object(
                'job', j.job, 'decision', 'done',
                'next_due', ((lday + 1) + j.local_time) AT TIME ZONE j.tz);
        END IF;
        IF FOUND AND prev.attempts >= (p ->> 'max_attempts')::int THEN
            RETURN jsonb_build_object('job', j.job, 'decision', 'gave_up',
                                      'attempts', prev.attempts);
        END IF;
        IF FOUND AND minute < date_trunc('minute', prev.attempted_at)
                              + make_interval(mins => (p ->> 'retry_minutes')::int)
        THEN
            RETURN jsonb_build_object('job', j.job, 'decision', 'retry_later',
                                      'attempts', prev.attempts);
        END IF;
    END IF;
    IF $4 THEN
        RETURN jsonb_build_object('job', j.job, 'decision', 'due', 'next_due', $2);
    END IF;

    BEGIN
        -- monitoring jobs: params.check picks the morning acceptance (default) or the daily
        -- model monitoring of the day days_back before (results are in by then).
        IF j.kind = 'monitoring' AND p ->> 'check' NOT IN ('acceptance', 'daily') THEN
            RAISE EXCEPTION 'schedule: monitoring job % has unknown params.check %',
                j.job, quote_literal(p ->> 'check')
                USING HINT = 'Use "acceptance" or "daily".';
        END IF;
        res := CASE
            WHEN j.kind = 'housekeeping' THEN modeling.housekeeping(
                $2, (p ->> 'cron_retention_days')::int, (p ->> 'runs_retention_days')::int,
                (p ->> 'signals_thin_days')::int, (p ->> 'signals_retention_months')::int,
                (p ->> 'signals_months_ahead')::int)
            WHEN j.kind = 'monitoring' AND p ->> 'check' = 'daily' THEN modeling.monitor_day(
                lday - (p ->> 'days_back')::int, NULL, (p ->> 'min_n')::int,
                (p ->> 'min_races')::int, (p ->> 'drift_days')::int)
            WHEN j.kind = 'monitoring' THEN (
                SELECT to_jsonb(a) FROM modeling.acceptance(
                    lday, j.tz, (p ->> 'goal')::float8, j.local_time) a)
            ELSE modeling.schedule_score(j, lday, $2) END;
    -- OTHERS does not cover query_canceled: without it a statement_timeout or cancel in the
    -- action would abort the whole tick and leave no slot, run row or alert behind.
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        GET STACKED DIAGNOSTICS err = MESSAGE_TEXT;
    END;
    INSERT INTO modeling.schedule_runs AS s
           (job, local_day, slot, attempted_at, status, error, result, tick_run_id)
    VALUES (j.job, lday, lslot, $2, CASE WHEN err IS NULL THEN 'ok' ELSE 'failed' END,
            err, coalesce(res, '{}'), $3)
    ON CONFLICT ON CONSTRAINT schedule_runs_pkey DO UPDATE
       SET attempts = s.attempts + 1, attempted_at = EXCLUDED.attempted_at,
           status = EXCLUDED.status, error = EXCLUDED.error, result = EXCLUDED.result,
           tick_run_id = EXCLUDED.tick_run_id;
    IF err IS NOT NULL THEN
        PERFORM modeling.record_failed_run(
            j.kind, lday,
            jsonb_build_object('job', j.job, 'now', $2, 'slot', lslot, 'tick_run_id', $3),
            err, 'schedule:' || j.job);
        PERFORM modeling.schedule_alert(
            'critical', 'schedule', j.job || ':' || lday::text,
            format('scheduled %s (%s) for %s failed: %s', j.job, j.kind, lday, err),
            jsonb_build_object('job', j.job, 'local_day', lday, 'now', $2, 'error', err));
        RETURN jsonb_build_object('job', j.job, 'decision', 'failed', 'error', err);
    END IF;
    RETURN jsonb_build_object('job', j.job, 'decision', 'ran', 'local_day', lday,
                              'result', res);
END
$fn$;
COMMENT ON FUNCTION modeling.tick_job(modeling.schedule, timestamptz, bigint, boolean) IS
    'Internal to tick/schedule_status: decide (and unless dry, run and record) one job at t.';
REVOKE ALL ON FUNCTION modeling.tick_job(modeling.schedule, timestamptz, bigint, boolean)
    FROM PUBLIC;

-- Role settings are defaults a session may lift (SET statement_timeout = 0), so the reader's
-- time limit is also enforced from outside: every tick cancels reader queries running longer.
CREATE OR REPLACE FUNCTION modeling.cancel_long_reads(max_runtime interval DEFAULT '1 minute')
RETURNS integer
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT count(*) FILTER (WHERE pg_catalog.pg_cancel_backend(a.pid))::integer
      FROM pg_catalog.pg_stat_activity a
      JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid
     WHERE a.datname = pg_catalog.current_database() AND a.state = 'active'
       AND a.pid <> pg_catalog.pg_backend_pid()
       AND a.query_start < pg_catalog.clock_timestamp() - $1
       AND NOT r.rolsuper
       AND pg_catalog.pg_has_role(a.usesysid, 'hrdpg_reader', 'MEMBER')
       AND NOT pg_catalog.pg_has_role(a.usesysid, 'hrdpg_scorer', 'MEMBER')
       AND NOT pg_catalog.pg_has_role(a.usesysid, 'hrdpg_trainer', 'MEMBER')
$fn$;
COMMENT ON FUNCTION modeling.cancel_long_reads(interval) IS
    'Cancel queries of reader-only logins (the API) that have run longer than max_runtime '
    '(real time); tick calls it every minute. Returns how many were cancelled.';
REVOKE ALL ON FUNCTION modeling.cancel_long_reads(interval) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.tick("now" timestamptz DEFAULT now())
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    t timestamptz := coalesce($1, pg_catalog.now());
    started timestamptz := clock_timestamp();
    tick_id bigint;
    decisions jsonb := '[]';
    j modeling.schedule;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('hrdpg.tick'), 0) THEN
        INSERT INTO modeling.runs (kind, status, params, triggered_by, started_at, finished_at)
        VALUES ('tick', 'skipped',
                jsonb_build_object('now', t, 'reason', 'the previous tick is still running'),
                'schedule', started, clock_timestamp())
        RETURNING run_id INTO tick_id;
        RETURN jsonb_build_object('run_id', tick_id, 'now', t, 'skipped', true);
    END IF;
    INSERT INTO modeling.runs (kind, params, triggered_by, started_at)
    VALUES ('tick', jsonb_build_object('now', t), 'schedule', started)
    RETURNING run_id INTO tick_id;
    FOR j IN SELECT * FROM modeling.schedule s
              ORDER BY array_position(ARRAY['morning_score', 'refresh', 'monitoring',
                                            'housekeeping'], s.kind), s.job LOOP
        decisions := decisions || modeling.tick_job(j, t, tick_id);
    END LOOP;
    UPDATE modeling.runs r
       SET status = 'ok', finished_at = clock_timestamp(),
           params = r.params || jsonb_build_object(
               'decisions', decisions, 'reads_cancelled', modeling.cancel_long_reads()),
           timings_ms = jsonb_build_object(
               'total', round(extract(epoch FROM clock_timestamp() - started) * 1000))
     WHERE r.run_id = tick_id;
    RETURN jsonb_build_object('run_id', tick_id, 'now', t, 'skipped', false,
                              'decisions', decisions);
END
$fn$;
COMMENT ON FUNCTION modeling.tick(timestamptz) IS
    'The dispatcher (pg_cron, every minute): at "now", run what modeling.schedule says is due '
    '(morning score once per local day, refresh cadence by off times, acceptance, daily '
    'monitoring, housekeeping); one tick run row listing the decisions; a tick that finds another running '
    'records a skipped run. Failing actions are recorded and alerted, never raised.';
REVOKE ALL ON FUNCTION modeling.tick(timestamptz) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.schedule_status("now" timestamptz DEFAULT now())
RETURNS TABLE (job text, kind text, enabled boolean, tz text, local_time time,
               local_now timestamp, last_slot timestamptz, last_status text,
               last_attempted_at timestamptz, decision text, next_due timestamptz)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    j modeling.schedule;
    d jsonb;
BEGIN
    FOR j IN SELECT * FROM modeling.schedule s ORDER BY s.job LOOP
        d := modeling.tick_job(j, $1, NULL, true);
        job := j.job; kind := j.kind; enabled := j.enabled; tz := j.tz;
        local_time := j.local_time; local_now := $1 AT TIME ZONE j.tz;
        SELECT r.slot, r.status, r.attempted_at INTO last_slot, last_status, last_attempted_at
          FROM modeling.schedule_runs r WHERE r.job = j.job
         ORDER BY r.attempted_at DESC LIMIT 1;
        IF NOT FOUND THEN
            last_slot := NULL; last_status := NULL; last_attempted_at := NULL;
        END IF;
        decision := d ->> 'decision';
        next_due := (d ->> 'next_due')::timestamptz;
        RETURN NEXT;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION modeling.schedule_status(timestamptz) IS
    'Per schedule job at "now": local time, last slot run and its status, what a tick would '
    'decide (dry run) and when it is next due.';
REVOKE ALL ON FUNCTION modeling.schedule_status(timestamptz) FROM PUBLIC;
