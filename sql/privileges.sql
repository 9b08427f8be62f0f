-- Roles and privileges (docs/security.md). Loaded LAST by `hrdpg db migrate`: the migrate drops
-- and recreates every view and function in modeling, which loses their grants, so this file
-- re-derives all of them from the lists below on every run. Idempotent.
--
-- Four NOLOGIN group roles; an administrator grants them to logins (GRANT hrdpg_reader TO api):
--   hrdpg_owner    runs the engine: everything below plus promote/rollback and all table writes
--   hrdpg_scorer   scores, refreshes features, runs the dispatcher; reads runs and signals
--   hrdpg_trainer  reads features, registers models through modeling.register_model only
--   hrdpg_reader   the API: SELECT on modeling.latest_signals and nothing else
-- Roles are cluster-global while every database of the cluster runs this file: creation is
-- "if missing" and tolerates a concurrent creator.

DO $roles$
DECLARE
    r text;
    bad record;
BEGIN
    FOREACH r IN ARRAY ARRAY['hrdpg_owner', 'hrdpg_scorer', 'hrdpg_trainer', 'hrdpg_reader'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- another database of this cluster created it a moment ago
            END;
        END IF;
    END LOOP;
    -- A group role with more than its grants would silently widen every login in it.
    SELECT rolname INTO bad FROM pg_catalog.pg_roles
     WHERE rolname IN ('hrdpg_owner', 'hrdpg_scorer', 'hrdpg_trainer', 'hrdpg_reader')
       AND (rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls OR rolreplication)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'privileges: role % has SUPERUSER/CREATEROLE/CREATEDB/BYPASSRLS/'
                        'REPLICATION; the hrdpg group roles must be plain', bad.rolname
            USING HINT = pg_catalog.format('ALTER ROLE %I NOSUPERUSER NOCREATEROLE NOCREATEDB '
                                           'NOBYPASSRLS NOREPLICATION', bad.rolname);
    END IF;
    -- The owner can do what scorer and trainer can: it inherits their grants.
    FOREACH r IN ARRAY ARRAY['hrdpg_scorer', 'hrdpg_trainer'] LOOP
        IF NOT pg_catalog.pg_has_role('hrdpg_owner', r, 'MEMBER') THEN
            EXECUTE pg_catalog.format('GRANT %I TO hrdpg_owner', r);
        END IF;
    END LOOP;
END
$roles$;

-- Who may EXECUTE each function of schema modeling, by name (all overloads alike). Every
-- function must be listed: tests/db/test_security_classified.py fails on one that is not, and
-- an unlisted function gets no grant at all (only its owner, the migrating superuser, can call
-- it). '{}' = internal: called only from SECURITY DEFINER functions (which run as the owner),
-- by triggers, or by nobody but an administrator. To classify a new function add one row.
CREATE OR REPLACE VIEW modeling.function_grants (function_name, granted_to, why) AS
VALUES
    -- scoring
    ('score_day', '{hrdpg_scorer}'::text[], 'score one date and publish signals'),
    ('score_range', '{hrdpg_scorer}', 'backfill; a procedure, so it runs as its caller'),
    ('score_range_start', '{hrdpg_scorer}', 'step of score_range (called as its caller)'),
    ('score_chunk', '{hrdpg_scorer}', 'step of score_range (called as its caller)'),
    ('backfill_chunk_days', '{hrdpg_scorer}', 'step of score_range: days per chunk'),
    ('backfill_parts', '{hrdpg_scorer}', 'hrdpg backfill --jobs: equal parts of a range'),
    ('finish_run', '{hrdpg_scorer}', 'step of score_range: closes its run row'),
    ('record_failed_run', '{hrdpg_scorer}', 'CLI records a failed score_day'),
    ('fail_abandoned_runs', '{}', 'internal to score_range_start and housekeeping'),
    ('scoring_feature_query', '{}', 'internal to score_day'),
    ('as_of_problem', '{}', 'internal to score_day, reprice_day and score_range_start'),
    ('reprice_day', '{hrdpg_scorer}', 're-price a scored day (the refresh job)'),
    ('refresh_day', '{hrdpg_scorer}', 'deprecated alias of reprice_day (0.1.0 name)'),
    -- features and history
    ('refresh_features', '{hrdpg_scorer,hrdpg_trainer}', 'trainer refreshes its window'),
    ('refresh_history', '{hrdpg_scorer}', 'hrdpg features refresh'),
    ('suspend_indexes', '{}', 'internal to the rebuilds (drops indexes of an emptied table)'),
    ('restore_indexes', '{}', 'internal to the rebuilds'),
    ('feature_values', '{}', 'internal to refresh_features (written from the catalogue)'),
    ('install_feature_sql', '{}', 'migrate: writes the feature SQL from the catalogue'),
    ('runner_features_as_of', '{}', 'internal to score_day, reprice_day and score_range'),
    ('feature_parts', '{}', 'internal to refresh_features (via feature_values)'),
    ('people_windows', '{}', 'internal to feature_parts (window branch)'),
    ('draw_windows', '{}', 'internal to feature_parts (window branch)'),
    ('entity_totals_before', '{}', 'internal to feature_parts (probe branch)'),
    ('entity_windows_before', '{}', 'internal to feature_parts (probe branch)'),
    ('draw_totals_before', '{}', 'internal to feature_parts (probe branch)'),
    ('refresh_speed_figures', '{}', 'internal to refresh_history'),
    ('draw_rail_totals_before', '{}', 'internal to feature_parts (probe branch)'),
    ('pair_totals_before', '{}', 'internal to feature_parts (probe branch)'),
    ('pair_window_before', '{}', 'internal to feature_parts (probe branch)'),
    ('draw_rail_windows', '{}', 'internal to feature_parts (window branch)'),
    ('pair_windows', '{}', 'internal to feature_parts (window branch)'),
    ('par_time_before', '{}', 'internal to refresh_speed_figures'),
    ('figures_before', '{}', 'internal to feature_parts (both branches)'),
    ('feature_version', '{hrdpg_scorer,hrdpg_trainer}', 'stable hash, no data'),
    ('feature_version_inputs', '{hrdpg_scorer,hrdpg_trainer}', 'read by feature_version'),
    ('feature_modules_hash', '{hrdpg_scorer,hrdpg_trainer}', 'written by migrate; no data'),
    ('feature_module_calls', '{hrdpg_scorer,hrdpg_trainer}', 'written by migrate; no data'),
    ('market_odds', '{hrdpg_trainer}', 'read by runner_features (the trainer reads it)'),
    ('distance_band', '{hrdpg_scorer,hrdpg_trainer}', 'pure helper'),
    ('going_group', '{hrdpg_scorer,hrdpg_trainer}', 'pure helper'),
    ('places_for_field', '{hrdpg_scorer,hrdpg_trainer}', 'pure helper'),
    ('shrunk_rate', '{hrdpg_scorer,hrdpg_trainer}', 'pure helper'),
    ('engine_info', '{hrdpg_scorer,hrdpg_trainer}', 'hrdpg db doctor'),
    ('installed_engine_hash', '{hrdpg_scorer,hrdpg_trainer}', 'written by migrate; no data'),
    -- registry
    ('register_model', '{hrdpg_trainer}', 'the only way to write modeling.models'),
    ('onnx_check', '{}', 'internal to register_model (runs ONNX in the server)'),
    ('features_not_in_catalog', '{}', 'internal to register_model and move_alias'),
    ('apply_database_grants', '{}', 'migrate, and an administrator after cloning a database'),
    ('create_login', '{}', 'an administrator: hrdpg db login'),
    ('promote_model', '{hrdpg_owner}', 'moves money: an operator decision, not the trainer''s'),
    ('rollback_model', '{hrdpg_owner}', 'as promote'),
    ('move_alias', '{}', 'internal to promote/rollback (they hold the alias lock)'),
    -- scheduling
    ('tick', '{hrdpg_scorer}', 'the dispatcher (pg_cron or hrdpg schedule run-now)'),
    ('schedule_status', '{hrdpg_scorer}', 'hrdpg schedule status'),
    ('acceptance', '{hrdpg_scorer}', 'morning coverage report'),
    ('housekeeping', '{hrdpg_owner}', 'deletes old run and cron rows; tick runs it itself'),
    ('thin_signals', '{hrdpg_owner}', 'deletes intermediate publications; housekeeping runs it'),
    ('drop_signal_partitions', '{hrdpg_owner}', 'drops old months of signals; housekeeping runs it'),
    ('create_signal_partitions', '{hrdpg_owner}',
     'DDL on signals; housekeeping and the scoring entries run it as the owner'),
    ('signal_partition_name', '{}', 'internal to the partition functions'),
    ('signal_partition_exists', '{}', 'internal to create_signal_partitions'),
    ('signals_default_summary', '{hrdpg_owner}', 'doctor and housekeeping: stray signal rows'),
    ('tick_job', '{}', 'internal to tick/schedule_status'),
    ('cancel_long_reads', '{}', 'internal to tick: the reader''s enforced time limit'),
    ('schedule_score', '{}', 'internal to tick_job'),
    ('schedule_alert', '{}', 'internal to tick_job'),
    ('schedule_check_tz', '{}', 'trigger of modeling.schedule'),
    ('signals_newest_advance', '{}', 'trigger of modeling.signals'),
    ('signals_newest_repair', '{}', 'trigger of modeling.signals'),
    ('repair_signals_newest', '{hrdpg_owner}', 'rewrites signals_newest after a manual DELETE'),
    ('schedule_defaults', '{hrdpg_scorer}', 'pure: the parameters each job kind reads'),
    -- bets and risk
    ('propose_bets', '{hrdpg_scorer}', 'dry-run bets through the risk manager'),
    ('settle', '{hrdpg_scorer}', 'settle a day from results'),
    ('clv_summary', '{hrdpg_scorer}', 'closing-line value over a window'),
    ('resume_betting', '{hrdpg_owner}', 'lifts a halt: an operator decision'),
    ('enforce_risk_limits', '{}', 'internal to propose_bets/settle (halts a profile)'),
    ('check_risk', '{}', 'deprecated alias of enforce_risk_limits, removed in 0.3'),
    ('known_risk_profiles', '{}', 'internal to the risk functions'' refusals'),
    ('risk_state', '{hrdpg_scorer}', 'the one reader of a profile''s limits and state'),
    ('set_risk_limits', '{hrdpg_owner}', 'changes staking limits: an operator decision'),
    ('default_risk_profile', '{hrdpg_scorer}', 'constant; parameter defaults call it'),
    ('book_sum', '{}', 'internal to settle (CLV)'),
    ('exchange_terms', '{hrdpg_scorer,hrdpg_trainer}', 'pure: commission and closing line'),
    -- alerts and monitoring
    ('raise_alert', '{}', 'internal to the engine''s checks'),
    ('alert_suppress_for', '{}', 'internal to raise_alert'),
    ('ack_alert', '{hrdpg_scorer}', 'hrdpg alerts ack'),
    ('alert_delivered', '{hrdpg_scorer}', 'hrdpg alerts watch marks delivery'),
    ('monitor_day', '{hrdpg_scorer}', 'daily monitoring (the scheduler runs it too)'),
    ('monitor_metrics', '{hrdpg_scorer}', 'step of monitor_day'),
    ('monitor_drift', '{hrdpg_scorer}', 'step of monitor_day'),
    ('monitoring_rows', '{}', 'internal to monitor_metrics'),
    ('model_baseline', '{}', 'internal to monitor_metrics'),
    ('drift_stats', '{}', 'internal to monitor_drift'),
    ('psi_by_chance', '{}', 'internal to monitor_drift'),
    ('probability_band_edges', '{hrdpg_scorer,hrdpg_trainer}', 'pure helper'),
    ('odds_band_edges', '{hrdpg_scorer,hrdpg_trainer}', 'pure helper');
COMMENT ON VIEW modeling.function_grants IS
    'Privilege classification of every modeling function (sql/privileges.sql applies it on each '
    'migrate): the group roles granted EXECUTE; empty = internal, owner only.';

-- Tables and views: the same "derive everything from a list" rule.
CREATE OR REPLACE VIEW modeling.relation_grants (relation_name, granted_to) AS
VALUES
    ('latest_signals', '{hrdpg_reader,hrdpg_scorer,hrdpg_trainer}'::text[]),
    ('signals', '{hrdpg_scorer}'),
    ('signals_newest', '{hrdpg_scorer}'),
    ('runs', '{hrdpg_scorer,hrdpg_trainer}'),
    ('schedule', '{hrdpg_scorer}'),
    ('schedule_runs', '{hrdpg_scorer}'),
    ('src_races', '{hrdpg_scorer,hrdpg_trainer}'),
    ('src_runners', '{hrdpg_trainer}'),
    ('src_odds', '{hrdpg_trainer}'),  -- runner_features' market columns read it as the caller
    ('src_race_details', '{hrdpg_trainer}'),
    ('src_runner_details', '{hrdpg_trainer}'),
    ('src_runner_names', '{hrdpg_scorer,hrdpg_trainer}'),  -- `hrdpg score` shows the names
    ('runner_features', '{hrdpg_trainer}'),
    ('feature_catalog', '{hrdpg_scorer,hrdpg_trainer}'),
    ('feature_store', '{hrdpg_trainer}'),
    ('models', '{hrdpg_trainer}'),
    ('model_aliases', '{hrdpg_scorer,hrdpg_trainer}'),
    ('model_alias_history', '{hrdpg_trainer}'),
    ('dq_results', '{hrdpg_scorer}'),
    ('risk_limits', '{hrdpg_scorer}'),
    ('bets', '{hrdpg_scorer}'),
    ('bets_pnl_daily', '{hrdpg_scorer}'),
    ('alerts', '{hrdpg_scorer}'),
    ('alert_settings', '{hrdpg_scorer}'),
    ('monitoring_daily', '{hrdpg_scorer,hrdpg_trainer}'),
    ('monitoring_calibration', '{hrdpg_scorer,hrdpg_trainer}'),
    ('monitoring_drift', '{hrdpg_scorer,hrdpg_trainer}'),
    ('backtest_runs', '{hrdpg_scorer,hrdpg_trainer}'),  -- written by hrdpg backtest (the owner)
    ('backtest_periods', '{hrdpg_scorer,hrdpg_trainer}');
COMMENT ON VIEW modeling.relation_grants IS
    'SELECT grants on modeling tables and views per group role (hrdpg_owner additionally gets '
    'SELECT, INSERT, UPDATE, DELETE on all of them); applied on each migrate.';

-- Logins: the limits each group's logins get, in one place. Role settings are not inherited
-- through membership, so they go on the login itself (modeling.create_login, `hrdpg db login`).
CREATE OR REPLACE VIEW modeling.login_limits (group_role, connection_limit, settings) AS
VALUES
    -- The API: short reads only. A cross join of latest_signals must not run for minutes.
    ('hrdpg_reader', 64, '{statement_timeout=5s,idle_in_transaction_session_timeout=30s,'
                         'lock_timeout=2s,temp_file_limit=256MB}'::text[]),
    ('hrdpg_scorer', 16, '{idle_in_transaction_session_timeout=10min}'),
    ('hrdpg_trainer', 8, '{idle_in_transaction_session_timeout=10min}'),
    ('hrdpg_owner', 8, '{idle_in_transaction_session_timeout=30min}');
COMMENT ON VIEW modeling.login_limits IS
    'Connection limit and role settings that modeling.create_login gives a login of each group '
    'role (settings on a group role do not reach its members).';

CREATE OR REPLACE FUNCTION modeling.create_login(
    login name, group_role text, password_verifier text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    l modeling.login_limits;
    s text;
    created boolean := false;
BEGIN
    SELECT * INTO l FROM modeling.login_limits x WHERE x.group_role = create_login.group_role;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'create_login: % is not an hrdpg group role', group_role
            USING HINT = 'Use hrdpg_reader, hrdpg_scorer, hrdpg_trainer or hrdpg_owner.';
    END IF;
    IF password_verifier IS NOT NULL AND password_verifier !~ '^SCRAM-SHA-256\$' THEN
        RAISE EXCEPTION 'create_login: pass a SCRAM-SHA-256 verifier, never a plain password';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = login) THEN
        EXECUTE pg_catalog.format('CREATE ROLE %I LOGIN', login);
        created := true;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = login
                  AND (r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolbypassrls
                       OR r.rolreplication)) THEN
        RAISE EXCEPTION 'create_login: % has administrative attributes; not touched', login;
    END IF;
    EXECUTE pg_catalog.format('ALTER ROLE %I LOGIN CONNECTION LIMIT %s', login,
                              l.connection_limit);
    IF password_verifier IS NOT NULL THEN
        EXECUTE pg_catalog.format('ALTER ROLE %I PASSWORD %L', login, password_verifier);
    END IF;
    FOREACH s IN ARRAY l.settings LOOP
        EXECUTE pg_catalog.format('ALTER ROLE %I SET %I = %L', login,
                                  pg_catalog.split_part(s, '=', 1),
                                  pg_catalog.split_part(s, '=', 2));
    END LOOP;
    EXECUTE pg_catalog.format('GRANT %I TO %I', group_role, login);
    RETURN CASE WHEN created THEN 'created' ELSE 'updated' END;
END
$fn$;
COMMENT ON FUNCTION modeling.create_login(name, text, text) IS
    'Create (or bring up to date) a LOGIN role in one hrdpg group role with that group''s '
    'modeling.login_limits; the password arrives as a SCRAM verifier. For administrators '
    '(`hrdpg db login`).';
REVOKE ALL ON FUNCTION modeling.create_login(name, text, text) FROM PUBLIC;

-- Database-level grants live in pg_database, which CREATE DATABASE ... TEMPLATE does not copy:
-- a database cloned from an engine database runs this again (the test harness does).
CREATE OR REPLACE FUNCTION modeling.apply_database_grants()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    EXECUTE pg_catalog.format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC',
                              pg_catalog.current_database());
    EXECUTE pg_catalog.format('GRANT TEMPORARY ON DATABASE %I TO hrdpg_owner',
                              pg_catalog.current_database());
END
$fn$;
COMMENT ON FUNCTION modeling.apply_database_grants() IS
    'Revoke TEMP on this database from PUBLIC and give it to hrdpg_owner only (the loaders stage '
    'rows in temp tables). Run by every migrate; run it in a database cloned from an engine '
    'database, whose database-level grants the clone does not inherit.';
REVOKE ALL ON FUNCTION modeling.apply_database_grants() FROM PUBLIC;

DO $grants$
DECLARE
    f record;
    t record;
    r text;
    all_roles CONSTANT text[] := ARRAY['hrdpg_owner', 'hrdpg_scorer', 'hrdpg_trainer',
                                       'hrdpg_reader'];
BEGIN
    EXECUTE 'REVOKE ALL ON SCHEMA modeling FROM PUBLIC';
    EXECUTE 'GRANT USAGE ON SCHEMA modeling TO hrdpg_owner, hrdpg_scorer, hrdpg_trainer, '
            'hrdpg_reader';
    FOR f IN SELECT p.oid::pg_catalog.regprocedure AS sig, p.proname::text AS name,
                    CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END AS kind,
                    g.granted_to
               FROM pg_catalog.pg_proc p
               JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
               LEFT JOIN modeling.function_grants g ON g.function_name = p.proname
              WHERE n.nspname = 'modeling'
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                 WHERE d.objid = p.oid AND d.deptype = 'e') LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s %s FROM PUBLIC, %s', f.kind, f.sig,
                                  (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(x), ', ')
                                     FROM pg_catalog.unnest(all_roles) x));
        IF f.granted_to IS NULL THEN
            RAISE WARNING 'privileges: % is not classified in modeling.function_grants; '
                          'only its owner can call it', f.sig
                USING HINT = 'Add a row for it to sql/privileges.sql.';
            CONTINUE;
        END IF;
        FOREACH r IN ARRAY f.granted_to LOOP
            EXECUTE pg_catalog.format('GRANT EXECUTE ON %s %s TO %I', f.kind, f.sig, r);
        END LOOP;
    END LOOP;
    FOR t IN SELECT c.oid::pg_catalog.regclass AS rel, g.granted_to
               FROM pg_catalog.pg_class c
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
               LEFT JOIN modeling.relation_grants g ON g.relation_name = c.relname
              WHERE n.nspname = 'modeling' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM PUBLIC, %s', t.rel,
                                  (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(x), ', ')
                                     FROM pg_catalog.unnest(all_roles) x));
        EXECUTE pg_catalog.format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO hrdpg_owner',
                                  t.rel);
        FOREACH r IN ARRAY coalesce(t.granted_to, '{}') LOOP
            EXECUTE pg_catalog.format('GRANT SELECT ON %s TO %I', t.rel, r);
        END LOOP;
    END LOOP;
    EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA modeling TO hrdpg_owner';
END
$grants$;

SELECT modeling.apply_database_grants();

-- Nothing of the caller's session may reach code that runs as the owner (docs/security.md):
--  * views: security_barrier, so a caller's (leaky) function in a WHERE clause sees only the
--    rows the view returns, never the rows it filters out. Except modeling.open_views: views
--    that hide no row from anyone who may read them. A barrier keeps the planner from seeing
--    through a view, so its column statistics are lost and every query over it is planned on
--    default guesses (a six-year training read became a nested loop of 4e9 row pairs);
--  * functions with a pinned search_path also pin the settings that change how dates,
--    timestamps and intervals turn into text (as_of is handed to Python as text, the feature
--    version hashes deparsed SQL). SQL-standard bodies stay unpinned to remain inlinable, and a
--    procedure that COMMITs may not carry SET options;
--  * temporary objects: PUBLIC loses TEMP on this database, so the engine's lower roles cannot
--    plant a temp table for definer code to pick up. Only hrdpg_owner keeps it (the loaders
--    stage CSV rows in temp tables).
CREATE OR REPLACE VIEW modeling.open_views (view_name, why) AS
VALUES
    ('src_races'::name, 'the source contract: every race, no row filtered'),
    ('src_runners', 'every declared runner, no row filtered'),
    ('src_odds', 'every price, no row filtered'),
    ('src_race_details', 'optional source data per race, no row filtered'),
    ('src_runner_details', 'optional source data per runner, no row filtered'),
    ('src_runner_names', 'names per runner, no row filtered'),
    ('runner_features', 'leaves out non-runners, which its readers see in src_runners'),
    ('feature_catalog', 'constant rows');
COMMENT ON VIEW modeling.open_views IS
    'Views left without security_barrier, with the reason: they hide no row from their readers, '
    'and the planner must see through them to use the tables'' statistics.';

DO $session$
DECLARE
    o record;
BEGIN
    FOR o IN SELECT c.oid::pg_catalog.regclass AS rel
               FROM pg_catalog.pg_class c
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'modeling' AND c.relkind = 'v'
                AND c.relname NOT IN (SELECT v.view_name FROM modeling.open_views v) LOOP
        EXECUTE pg_catalog.format('ALTER VIEW %s SET (security_barrier = true)', o.rel);
    END LOOP;
    FOR o IN SELECT p.oid::pg_catalog.regprocedure AS sig
               FROM pg_catalog.pg_proc p
               JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'modeling' AND p.prokind = 'f'
                AND EXISTS (SELECT 1 FROM pg_catalog.unnest(p.proconfig) x
                             WHERE x LIKE 'search_path=%')
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                 WHERE d.objid = p.oid AND d.deptype = 'e') LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET DateStyle = ''ISO, YMD'' '
                                  'SET IntervalStyle = ''postgres''', o.sig);
    END LOOP;
END
$session$;
