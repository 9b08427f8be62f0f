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
