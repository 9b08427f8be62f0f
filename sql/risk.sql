-- Risk state of a profile: the one reader (risk_state) that the risk manager, the halt, the
-- resume, scoring and `hrdpg bets limits show` all call; the halt itself; changing limits.
-- docs/bets.md "Risk limits".

CREATE OR REPLACE FUNCTION modeling.known_risk_profiles()
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
RETURN coalesce((SELECT string_agg(l.profile, ', ' ORDER BY l.profile)
                   FROM modeling.risk_limits l), 'none');
COMMENT ON FUNCTION modeling.known_risk_profiles() IS
    'The risk profiles that exist, for the message that refuses an unknown one.';
REVOKE ALL ON FUNCTION modeling.known_risk_profiles() FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.default_risk_profile()
RETURNS text
LANGUAGE plpython3u
IMMUTABLE
PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
from hrdpg_pl.risk_defaults import DEFAULT_PROFILE
return DEFAULT_PROFILE
$$;
COMMENT ON FUNCTION modeling.default_risk_profile() IS
    'The risk profile signals are priced for and propose_bets, clv_summary and the CLI use when '
    'none is named (hrdpg_pl.risk_defaults.DEFAULT_PROFILE).';
REVOKE ALL ON FUNCTION modeling.default_risk_profile() FROM PUBLIC;

-- No row lock here (a STABLE function cannot take one): callers that act on the state hold
-- the profile's advisory lock and, to change it, lock the row first.
CREATE OR REPLACE FUNCTION modeling.risk_state(of_profile text, on_day date DEFAULT NULL)
RETURNS TABLE (
    profile text, bankroll numeric, kelly_multiplier numeric, min_edge numeric,
    max_stake_fraction numeric, max_stake_per_bet numeric, max_stake_per_race numeric,
    max_stake_per_day numeric, max_bets_per_race integer, max_bets_per_day integer,
    max_pending_exposure numeric, daily_loss_limit numeric, bankroll_floor numeric,
    min_liquidity numeric, halted boolean, halted_at timestamptz, halted_reason text,
    updated_at timestamptz, updated_by text,
    bankroll_now numeric, realised_today numeric, day_stake numeric, day_bets bigint,
    day_open numeric, day_settled numeric, pending numeric)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT l.profile, l.bankroll, l.kelly_multiplier, l.min_edge, l.max_stake_fraction,
           l.max_stake_per_bet, l.max_stake_per_race, l.max_stake_per_day,
           l.max_bets_per_race, l.max_bets_per_day, l.max_pending_exposure,
           l.daily_loss_limit, l.bankroll_floor, l.min_liquidity, l.halted, l.halted_at,
           l.halted_reason, l.updated_at, l.updated_by,
           l.bankroll + coalesce(sum(b.pnl) FILTER (WHERE b.status IN ('settled', 'void')), 0),
           CASE WHEN risk_state.on_day IS NOT NULL THEN coalesce(sum(b.pnl) FILTER (
               WHERE b.race_date = risk_state.on_day AND b.status IN ('settled', 'void')), 0)
           END,
           CASE WHEN risk_state.on_day IS NOT NULL THEN coalesce(sum(b.stake) FILTER (
               WHERE b.race_date = risk_state.on_day AND b.status <> 'rejected'), 0) END,
           CASE WHEN risk_state.on_day IS NOT NULL THEN count(b.bet_id) FILTER (
               WHERE b.race_date = risk_state.on_day AND b.status <> 'rejected') END,
           CASE WHEN risk_state.on_day IS NOT NULL THEN coalesce(sum(b.stake) FILTER (
               WHERE b.race_date = risk_state.on_day
                 AND b.status IN ('proposed', 'placed')), 0) END,
           CASE WHEN risk_state.on_day IS NOT NULL THEN coalesce(sum(b.stake) FILTER (
               WHERE b.race_date = risk_state.on_day
                 AND b.status IN ('settled', 'void')), 0) END,
           coalesce(sum(b.stake) FILTER (WHERE b.status IN ('proposed', 'placed')), 0)
      FROM modeling.risk_limits l
      LEFT JOIN modeling.bets b ON b.profile = l.profile
     WHERE l.profile = risk_state.of_profile
     GROUP BY l.profile;
END;
COMMENT ON FUNCTION modeling.risk_state(text, date) IS
    'One risk profile as every reader sees it: its configured limits (the risk_limits row), '
    'bankroll_now = bankroll + P&L of every settled or void bet, and for on_day (NULL: the '
    'day figures are NULL) the realised P&L, live stake and bet count, open and settled '
    'stakes; pending = open stakes of every day. No row for an unknown profile.';
REVOKE ALL ON FUNCTION modeling.risk_state(text, date) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.enforce_risk_limits(profile text, race_date date)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    st record;
BEGIN
    -- The row lock orders a halt written here against any other writer of the row.
    PERFORM 1 FROM modeling.risk_limits l WHERE l.profile = enforce_risk_limits.profile
        FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'bets: unknown risk profile %; the profiles are: %',
                        quote_literal(enforce_risk_limits.profile), modeling.known_risk_profiles()
            USING ERRCODE = '22023',
                  HINT = 'Pass one of them (--profile) or add a row to modeling.risk_limits.';
    END IF;
    SELECT * INTO st FROM modeling.risk_state(enforce_risk_limits.profile,
                                               enforce_risk_limits.race_date);
    IF st.realised_today <= -st.daily_loss_limit THEN
        PERFORM modeling.schedule_alert(
            'warning', 'bets', format('daily_loss_limit:%s:%s', st.profile, race_date),
            format('daily loss limit hit for profile %s on %s: realised %s, limit %s; '
                   'no more bets that day', st.profile, race_date, st.realised_today,
                   st.daily_loss_limit),
            jsonb_build_object('profile', st.profile, 'race_date', race_date,
                               'realised', st.realised_today, 'limit', st.daily_loss_limit));
    END IF;
    IF NOT st.halted AND st.bankroll_now < st.bankroll_floor THEN
        UPDATE modeling.risk_limits l
           SET halted = true, halted_at = now(), updated_at = now(), updated_by = current_user,
               halted_reason = format('bankroll %s below floor %s', st.bankroll_now,
                                      st.bankroll_floor)
         WHERE l.profile = st.profile;
        PERFORM modeling.schedule_alert(
            'critical', 'bets', format('halt:%s', st.profile),
            format('betting halted for profile %s: bankroll %s below floor %s; review, then '
                   'SELECT modeling.resume_betting(%L)', st.profile, st.bankroll_now,
                   st.bankroll_floor, st.profile),
            jsonb_build_object('profile', st.profile, 'bankroll', st.bankroll_now,
                               'floor', st.bankroll_floor));
        RETURN true;
    END IF;
    RETURN st.halted;
END
$fn$;
COMMENT ON FUNCTION modeling.enforce_risk_limits(text, date) IS
    'Enforce a profile''s limits for a day (modeling.risk_state): halts it (and raises a '
    'critical alert) when bankroll_now is below bankroll_floor; raises a warning when the '
    'day''s realised P&L is at or below -daily_loss_limit. Returns halted. Called by '
    'propose_bets and settle.';
REVOKE ALL ON FUNCTION modeling.enforce_risk_limits(text, date) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.check_risk(profile text, race_date date)
RETURNS boolean
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT modeling.enforce_risk_limits(check_risk.profile, check_risk.race_date);
END;
COMMENT ON FUNCTION modeling.check_risk(text, date) IS
    'Deprecated alias of modeling.enforce_risk_limits (it halts betting, it does not only '
    'check); removed in 0.3.';
REVOKE ALL ON FUNCTION modeling.check_risk(text, date) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.resume_betting(profile text)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    st record;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('hrdpg.bets'),
                                             pg_catalog.hashtext(resume_betting.profile));
    PERFORM 1 FROM modeling.risk_limits l WHERE l.profile = resume_betting.profile FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'resume_betting: unknown risk profile %; the profiles are: %',
                        quote_literal(profile), modeling.known_risk_profiles()
            USING ERRCODE = '22023',
                  HINT = 'Pass one of them (--profile) or add a row to modeling.risk_limits.';
    END IF;
    SELECT * INTO st FROM modeling.risk_state(resume_betting.profile);
    IF st.bankroll_now < st.bankroll_floor THEN
        RAISE EXCEPTION 'resume_betting: bankroll % of profile % is still below its floor %',
                        st.bankroll_now, st.profile, st.bankroll_floor
            USING ERRCODE = '55000',
                  HINT = 'Top up risk_limits.bankroll or lower bankroll_floor first.';
    END IF;
    UPDATE modeling.risk_limits l
       SET halted = false, halted_at = NULL, halted_reason = NULL, updated_at = now(),
           updated_by = current_user
     WHERE l.profile = st.profile;
    RETURN st.halted;
END
$fn$;
COMMENT ON FUNCTION modeling.resume_betting(text) IS
    'Lift a halt of a risk profile (refused while risk_state''s bankroll_now is below the '
    'floor). Returns whether it was halted.';
REVOKE ALL ON FUNCTION modeling.resume_betting(text) FROM PUBLIC;

-- Every column of risk_limits is a settable limit except the key and the halt/audit state.
CREATE OR REPLACE FUNCTION modeling.set_risk_limits(of_profile text, changes jsonb)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    settable text[];
    unknown text;
    cols text;
    rule text;
BEGIN
    IF of_profile IS NULL OR changes IS NULL OR jsonb_typeof(changes) <> 'object'
       OR changes = '{}' THEN
        RAISE EXCEPTION 'set_risk_limits: pass a profile and an object of limits to change'
            USING ERRCODE = '22023';
    END IF;
    SELECT array_agg(a.attname::text ORDER BY a.attnum) INTO settable
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = 'modeling.risk_limits'::regclass AND a.attnum > 0
       AND NOT a.attisdropped
       AND a.attname NOT IN ('profile', 'halted', 'halted_at', 'halted_reason', 'updated_at',
                             'updated_by');
    SELECT k INTO unknown FROM jsonb_object_keys(changes) k WHERE k <> ALL (settable) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'set_risk_limits: % is not a risk limit (settable: %)', unknown,
                        array_to_string(settable, ', ') USING ERRCODE = '22023';
    END IF;
    -- Same lock as propose_bets and settle: a change never lands half-way through a batch.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('hrdpg.bets'),
                                             pg_catalog.hashtext(of_profile));
    PERFORM 1 FROM modeling.risk_limits l WHERE l.profile = of_profile FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'set_risk_limits: unknown risk profile %; the profiles are: %',
                        quote_literal(of_profile), modeling.known_risk_profiles()
            USING ERRCODE = '22023',
                  HINT = 'Pass one of them (--profile) or add a row to modeling.risk_limits.';
    END IF;
    SELECT string_agg(quote_ident(k), ', ') INTO cols FROM jsonb_object_keys(changes) k;
    BEGIN
        EXECUTE format('UPDATE modeling.risk_limits l SET (%1$s, updated_at, updated_by) = '
                       '(SELECT %2$s, now(), session_user '
                       'FROM jsonb_populate_record(NULL::modeling.risk_limits, $2) n) '
                       'WHERE l.profile = $1', cols,
                       (SELECT string_agg('n.' || quote_ident(k), ', ')
                          FROM jsonb_object_keys(changes) k))
            USING of_profile, changes;
    EXCEPTION WHEN check_violation THEN
        GET STACKED DIAGNOSTICS rule = CONSTRAINT_NAME;
        SELECT regexp_replace(regexp_replace(pg_catalog.pg_get_constraintdef(c.oid),
                                             '::[a-z ]+', '', 'g'), '^CHECK |[()]', '', 'g')
          INTO rule FROM pg_catalog.pg_constraint c
         WHERE c.conrelid = 'modeling.risk_limits'::regclass AND c.conname = rule;
        RAISE EXCEPTION 'set_risk_limits: profile % unchanged: % breaks the rule %',
                        of_profile, changes::text, rule USING ERRCODE = '23514';
    WHEN numeric_value_out_of_range OR invalid_text_representation THEN
        RAISE EXCEPTION 'set_risk_limits: profile % unchanged: % does not fit its columns (%)',
                        of_profile, changes::text, SQLERRM USING ERRCODE = SQLSTATE;
    END;
END
$fn$;
COMMENT ON FUNCTION modeling.set_risk_limits(text, jsonb) IS
    'Change limits of an existing risk profile: changes maps risk_limits columns (all but '
    'profile and the halt and update stamps) to new values. All or nothing: a value the '
    'table''s checks refuse leaves the row as it was and names the rule. Stamps updated_at '
    'and updated_by (the session user). Serialised with propose_bets of the profile.';
REVOKE ALL ON FUNCTION modeling.set_risk_limits(text, jsonb) FROM PUBLIC;
