-- Retention of published signals. Every refresh publishes a new as_of per race whose signals
-- changed (new odds, declarations or model; docs/scoring.md), and after the day almost all of
-- them are intermediate prices nobody reads again. Thinning keeps what history is read for.

CREATE OR REPLACE FUNCTION modeling.thin_signals(before date, since date DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    deleted bigint;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'thin_signals: before must not be NULL' USING ERRCODE = '22004';
    END IF;
    -- Per race, model and alias keep: the first publication (the morning run; coverage and
    -- acceptance read it), the last one before the off (the closing signal), the newest (what
    -- latest_signals shows), and every publication a bet was placed on.
    WITH keep AS (
        SELECT s.race_id, s.model_id, s.alias, min(s.as_of) AS first_as_of,
               max(s.as_of) FILTER (WHERE s.as_of < s.off_time) AS last_pre_off,
               max(s.as_of) AS newest
          FROM modeling.signals s
         WHERE s.race_date < $1 AND ($2 IS NULL OR s.race_date >= $2)
         GROUP BY s.race_id, s.model_id, s.alias
    )
    DELETE FROM modeling.signals s
     USING keep k
     WHERE s.race_date < $1 AND ($2 IS NULL OR s.race_date >= $2)
       AND s.race_id = k.race_id AND s.model_id = k.model_id AND s.alias = k.alias
       AND s.as_of NOT IN (k.first_as_of, k.newest)
       AND s.as_of IS DISTINCT FROM k.last_pre_off
       AND NOT EXISTS (SELECT 1 FROM modeling.bets b
                        WHERE b.race_id = s.race_id AND b.model_id = s.model_id
                          AND b.signal_as_of = s.as_of);
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END
$fn$;
COMMENT ON FUNCTION modeling.thin_signals(date, date) IS
    'Delete intermediate publications of races dated before "before" (and on/after "since"): '
    'per race, model and alias keeps the first, the last pre-off, the newest and any '
    'publication a bet refers to. Returns rows deleted. Run daily by housekeeping.';
REVOKE ALL ON FUNCTION modeling.thin_signals(date, date) FROM PUBLIC;

-- Retention by the month: a month partition wholly before "before" is dropped, one DDL
-- however many rows it holds (a DELETE of a month visits every row and leaves the space to
-- vacuum). Bounds are read from the catalogue, not the name. DROP takes ACCESS EXCLUSIVE on
-- signals for an instant; lock_timeout keeps it from queueing the API's readers behind a long
-- query (it fails instead, and the schedule retries the job).
CREATE OR REPLACE FUNCTION modeling.drop_signal_partitions(before date)
RETURNS text[]
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET lock_timeout = '2s'
AS $fn$
DECLARE
    p record;
    dropped text[] := '{}';
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'drop_signal_partitions: before must not be NULL' USING ERRCODE = '22004';
    END IF;
    FOR p IN SELECT c.relname
               FROM pg_catalog.pg_inherits i
               JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = 'modeling.signals'::pg_catalog.regclass
                AND NOT c.relpartbound IS NULL
                AND pg_catalog.substring(pg_catalog.pg_get_expr(c.relpartbound, c.oid),
                                         'TO \(''([0-9-]+)''\)')::date <= $1
              ORDER BY c.relname LOOP
        EXECUTE pg_catalog.format('DROP TABLE modeling.%I', p.relname);
        dropped := dropped || p.relname::text;
    END LOOP;
    -- The newest publications of the dropped months went with them.
    DELETE FROM modeling.signals_newest n
     WHERE n.race_date < $1
       AND NOT EXISTS (SELECT 1 FROM modeling.signals s
                        WHERE s.alias = n.alias AND s.race_date = n.race_date
                          AND s.race_id = n.race_id AND s.as_of = n.as_of);
    RETURN dropped;
END
$fn$;
COMMENT ON FUNCTION modeling.drop_signal_partitions(date) IS
    'Drop every month partition of modeling.signals whose dates all lie before "before" (its '
    'upper bound <= before); returns the names dropped. Housekeeping runs it with the '
    'signals_retention_months policy. The default partition is never dropped.';
REVOKE ALL ON FUNCTION modeling.drop_signal_partitions(date) FROM PUBLIC;
