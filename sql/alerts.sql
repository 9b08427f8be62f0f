-- Alerts API: raise (de-duplicated within a per-category suppression window, NOTIFY on
-- channel hrdpg_alerts), acknowledge, mark delivered. `hrdpg alerts watch` relays them.
-- See docs/monitoring.md.

CREATE OR REPLACE FUNCTION modeling.alert_suppress_for(category text)
RETURNS interval
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT coalesce(
        (SELECT s.suppress_for FROM modeling.alert_settings s WHERE s.category = $1),
        (SELECT s.suppress_for FROM modeling.alert_settings s WHERE s.category = '*'),
        interval '24 hours');
$fn$;
COMMENT ON FUNCTION modeling.alert_suppress_for(text) IS
    'Suppression window of a category: its modeling.alert_settings row, else ''*'', else 24h.';
REVOKE ALL ON FUNCTION modeling.alert_suppress_for(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.raise_alert(
    severity text, category text, dedup_key text, message text, details jsonb DEFAULT '{}',
    suppress_for interval DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    window_ interval := coalesce($6, modeling.alert_suppress_for($2));
    open_ modeling.alerts;
    escalated boolean := false;
    id bigint;
BEGIN
    IF $1 IS NULL OR $1 NOT IN ('info', 'warning', 'critical') THEN
        RAISE EXCEPTION 'raise_alert: severity must be info, warning or critical, not %',
            coalesce(quote_literal($1), 'NULL') USING ERRCODE = '22023';
    END IF;
    IF $2 IS NULL OR $3 IS NULL OR $4 IS NULL THEN
        RAISE EXCEPTION 'raise_alert: category, dedup_key and message are required'
            USING ERRCODE = '22004';
    END IF;
    -- Serialise raisers of one key so two sessions cannot both insert "the first" alert.
    PERFORM pg_catalog.pg_advisory_xact_lock(
        pg_catalog.hashtext('hrdpg.alert:' || $2 || ':' || $3));
    SELECT * INTO open_ FROM modeling.alerts a
     WHERE a.category = $2 AND a.dedup_key = $3 AND a.acknowledged_at IS NULL
       -- From the last sighting, not the first: a condition that recurs every day (a daily
       -- check, window 24 h) stays one alert with a count instead of one alert a day.
       AND a.last_seen_at >= pg_catalog.now() - window_
     ORDER BY a.alert_id DESC LIMIT 1;
    IF FOUND THEN
        escalated := array_position(ARRAY['info', 'warning', 'critical'], $1)
                     > array_position(ARRAY['info', 'warning', 'critical'], open_.severity);
        UPDATE modeling.alerts a
           SET last_seen_at = pg_catalog.now(), suppressed_count = a.suppressed_count + 1,
               message = $4, details = coalesce($5, '{}'),
               severity = CASE WHEN escalated THEN $1 ELSE a.severity END,
               -- an escalation is news: deliver it again
               delivered_at = CASE WHEN escalated THEN NULL ELSE a.delivered_at END
         WHERE a.alert_id = open_.alert_id
        RETURNING a.alert_id INTO id;
        IF NOT escalated THEN
            RETURN id;
        END IF;
    ELSE
        INSERT INTO modeling.alerts (severity, category, dedup_key, message, details)
        VALUES ($1, $2, $3, $4, coalesce($5, '{}'))
        RETURNING alert_id INTO id;
    END IF;
    -- NOTIFY payloads are capped at 8000 bytes: send the id and a short summary.
    PERFORM pg_catalog.pg_notify('hrdpg_alerts', pg_catalog.jsonb_build_object(
        'alert_id', id, 'severity', $1, 'category', $2, 'dedup_key', left($3, 200),
        'message', left($4, 300), 'escalated', escalated)::text);
    RETURN id;
END
$fn$;
COMMENT ON FUNCTION modeling.raise_alert(text, text, text, text, jsonb, interval) IS
    'Raise an alert (info|warning|critical). An unacknowledged alert with the same category '
    'and dedup_key last seen within the suppression window (argument, else alert_settings) is '
    'bumped (suppressed_count, last_seen_at, message) instead; a higher severity escalates it '
    'and makes it undelivered again. New and escalated alerts NOTIFY hrdpg_alerts with a JSON '
    'summary. Returns alert_id.';
REVOKE ALL ON FUNCTION modeling.raise_alert(text, text, text, text, jsonb, interval) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.ack_alert(alert_id bigint, note text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM modeling.alerts a WHERE a.alert_id = $1) THEN
        RAISE EXCEPTION 'ack_alert: alert % does not exist', $1
            USING ERRCODE = 'no_data_found', HINT = 'See `hrdpg alerts list`.';
    END IF;
    UPDATE modeling.alerts a
       SET acknowledged_at = pg_catalog.now(),
           acknowledged_by = session_user || coalesce(': ' || $2, '')
     WHERE a.alert_id = $1 AND a.acknowledged_at IS NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n > 0;
END
$fn$;
COMMENT ON FUNCTION modeling.ack_alert(bigint, text) IS
    'Acknowledge an alert (closes it: the next raise of its key opens a new one). False when '
    'it was already acknowledged; an unknown id is an error.';
REVOKE ALL ON FUNCTION modeling.ack_alert(bigint, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.alert_delivered(alert_id bigint, severity text)
RETURNS boolean
LANGUAGE sql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    -- Only at the severity the relay sent: an escalation in between stays undelivered and
    -- is sent again.
    UPDATE modeling.alerts a SET delivered_at = pg_catalog.now()
     WHERE a.alert_id = $1 AND a.delivered_at IS NULL AND a.severity = $2
    RETURNING true;
$fn$;
COMMENT ON FUNCTION modeling.alert_delivered(bigint, text) IS
    'Relay: mark an alert delivered at the severity that was sent (an alert escalated since '
    'stays undelivered). NULL when nothing was marked.';
REVOKE ALL ON FUNCTION modeling.alert_delivered(bigint, text) FROM PUBLIC;
