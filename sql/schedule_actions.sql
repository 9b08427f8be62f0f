-- What the scheduled jobs do, called by modeling.tick_job (sql/schedule.sql): the alert helper,
-- the morning acceptance check, housekeeping and the scoring action. Each can be called by hand.

CREATE OR REPLACE FUNCTION modeling.schedule_alert(
    severity text, category text, dedup_key text, message text, details jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RETURN modeling.raise_alert($1, $2, $3, $4, $5);
END
$fn$;
COMMENT ON FUNCTION modeling.schedule_alert(text, text, text, text, jsonb) IS
    'The scheduler''s alert call: modeling.raise_alert with the category''s suppression '
    'window (de-duplicated, NOTIFY hrdpg_alerts). Returns alert_id.';
REVOKE ALL ON FUNCTION modeling.schedule_alert(text, text, text, text, jsonb) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.acceptance(
    race_date date, tz text DEFAULT 'Europe/Madrid', goal double precision DEFAULT 0.8,
    deadline_local time DEFAULT '08:05')
RETURNS TABLE (day date, deadline timestamptz, races integer, covered integer,
               share double precision, target double precision, passed boolean)
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name = $2) THEN
        RAISE EXCEPTION 'acceptance: unknown time zone %', quote_literal($2)
            USING ERRCODE = '22023';
    END IF;
    day := $1;
    target := $3;
    deadline := ($1 + $4) AT TIME ZONE $2;
    SELECT count(*)::int,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM modeling.signals s
                -- $1, not r.race_date: a parameter prunes signals to its month when planning
                WHERE s.alias = 'production' AND s.race_date = $1
                  AND s.race_id = r.race_id AND s.as_of <= deadline))::int
      INTO races, covered
      FROM modeling.src_races r WHERE r.race_date = $1;
    share := CASE WHEN races > 0 THEN covered::double precision / races END;
    passed := races = 0 OR share >= $3;
    IF NOT passed THEN
        PERFORM modeling.schedule_alert(
            'warning', 'coverage', 'acceptance:' || $1::text,
            format('%s: %s of %s races (%s%%) had production signals by %s %s; goal %s%%',
                   $1, covered, races, round((share * 100)::numeric, 1), $4, $2,
                   round(($3 * 100)::numeric, 1)),
            jsonb_build_object('race_date', $1, 'races', races, 'covered', covered,
                               'share', share, 'goal', $3, 'deadline', deadline));
    END IF;
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION modeling.acceptance(date, text, double precision, time) IS
    'Morning acceptance: share of race_date''s races with published production signals whose '
    'as_of <= deadline_local (08:05) in tz; below goal (0.8) writes a coverage alert.';
REVOKE ALL ON FUNCTION modeling.acceptance(date, text, double precision, time) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.housekeeping(
    "now" timestamptz, cron_retention_days integer DEFAULT 14,
    runs_retention_days integer DEFAULT 7, signals_thin_days integer DEFAULT 7,
    signals_retention_months integer DEFAULT NULL, signals_months_ahead integer DEFAULT 3)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    -- A tick replayed at a future instant must not delete more than the real clock allows.
    base timestamptz := least($1, pg_catalog.now());
    n_stale bigint;
    n_runs bigint;
    n_slots bigint;
    n_cron bigint;
    cron_note text;
    thin_before date := base::date - $4;
    made text[];
    dropped text[] := '{}';
    stray record;
BEGIN
    IF $5 < 0 OR $6 < 0 OR $6 > 120 THEN
        RAISE EXCEPTION 'housekeeping: signals_retention_months must be >= 0 and '
                        'signals_months_ahead 0 .. 120, got % and %', $5, $6
            USING ERRCODE = '22023';
    END IF;
    n_stale := modeling.fail_abandoned_runs();
    -- Partitions for this month and the next ones, so no day's publication creates its own.
    made := modeling.create_signal_partitions(
        base::date, (base::date + make_interval(months => coalesce($6, 0)))::date);
    -- Keeps this month and the signals_retention_months before it (NULL: keep everything).
    IF $5 IS NOT NULL THEN
        dropped := modeling.drop_signal_partitions(
            (date_trunc('month', base) - make_interval(months => $5))::date);
    END IF;
    stray := modeling.signals_default_summary();
    IF stray.n_rows > 0 THEN
        PERFORM modeling.raise_alert('warning', 'signals_default', 'signals_default',
            stray.message,
            jsonb_build_object('rows', stray.n_rows, 'first_date', stray.first_date,
                               'last_date', stray.last_date));
    END IF;
    DELETE FROM modeling.runs r
     WHERE (r.kind = 'tick' OR r.status = 'skipped')
       AND r.started_at < base - make_interval(days => $3);
    GET DIAGNOSTICS n_runs = ROW_COUNT;
    DELETE FROM modeling.schedule_runs s
     WHERE s.attempted_at < base - make_interval(days => $3);
    GET DIAGNOSTICS n_slots = ROW_COUNT;
    IF to_regclass('cron.job_run_details') IS NOT NULL THEN
        EXECUTE 'DELETE FROM cron.job_run_details WHERE end_time < $1'
          USING base - make_interval(days => $2);
        GET DIAGNOSTICS n_cron = ROW_COUNT;
    ELSE
        -- pg_cron lives in another database, out of reach from here (no dblink).
        cron_note := 'cron.job_run_details is in the cron database: its pg_cron job '
                     'hrdpg-cron-history trims it there (hrdpg schedule install --database)';
    END IF;
    -- Thins a sliding month: older days were thinned on earlier runs.
    RETURN jsonb_build_object('stale_runs_failed', n_stale, 'runs_deleted', n_runs,
                              'schedule_runs_deleted', n_slots, 'cron_details_deleted', n_cron,
                              'cron_history', cron_note,
                              'signals_thinned',
                              modeling.thin_signals(thin_before, thin_before - 30),
                              'signal_partitions_created', to_jsonb(made),
                              'signal_partitions_dropped', to_jsonb(dropped),
                              'signals_default_rows', stray.n_rows);
END
$fn$;
COMMENT ON FUNCTION modeling.housekeeping(timestamptz, integer, integer, integer, integer,
                                          integer) IS
    'Daily: fail running runs whose backend is gone; delete tick/skipped runs and schedule_runs '
    'older than runs_retention_days and cron.job_run_details older than cron_retention_days '
    '(when pg_cron is in this database; else cron_history says where it is trimmed); thin '
    'the signals of days older than '
    'signals_thin_days (modeling.thin_signals); create the signals month partitions of this '
    'month and the next signals_months_ahead; drop the month partitions before the '
    'signals_retention_months before this one (NULL: none); alert when signals_default has '
    'rows. Ages count from least(now, real now()).';
REVOKE ALL ON FUNCTION modeling.housekeeping(timestamptz, integer, integer, integer, integer,
                                             integer)
    FROM PUBLIC;

-- The scoring action of morning and refresh jobs: modeling.score_day (morning) or
-- modeling.reprice_day (refresh: re-price without inference when nothing else changed). Fixed
-- in code on purpose: this runs as the owner, so no row or setting an engine role can write may
-- choose the function it calls (a name from params once let a login run a pg_temp function).
CREATE OR REPLACE FUNCTION modeling.schedule_score(
    job modeling.schedule, race_date date, as_of timestamptz)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    j modeling.schedule := $1;
    a text := (modeling.schedule_defaults(j.kind) || coalesce(j.params, '{}')) ->> 'alias';
    n_races bigint;
    published bigint;
    t0 timestamptz := clock_timestamp();
BEGIN
    SELECT count(*) INTO n_races FROM modeling.src_races r WHERE r.race_date = $2;
    IF n_races = 0 THEN
        RETURN jsonb_build_object('races', 0, 'published', 0, 'note', 'no races');
    END IF;
    IF j.kind = 'refresh' THEN
        published := modeling.reprice_day(race_date => $2, as_of => $3, alias => a, wait => false,
                                          triggered_by => 'schedule:' || j.job);
    ELSE
        published := modeling.score_day(race_date => $2, as_of => $3, alias => a, wait => false,
                                        triggered_by => 'schedule:' || j.job);
    END IF;
    RETURN jsonb_build_object('races', n_races, 'published', published,
                              'function', CASE j.kind WHEN 'refresh' THEN 'modeling.reprice_day'
                                                      ELSE 'modeling.score_day' END,
                              'ms', round(extract(epoch FROM clock_timestamp() - t0) * 1000));
END
$fn$;
COMMENT ON FUNCTION modeling.schedule_score(modeling.schedule, date, timestamptz) IS
    'Internal to tick: score race_date as of as_of for a job (modeling.score_day, '
    'reprice_day for refresh jobs, fixed in code; wait => false, '
    'triggered_by schedule:<job>).';
REVOKE ALL ON FUNCTION modeling.schedule_score(modeling.schedule, date, timestamptz) FROM PUBLIC;
