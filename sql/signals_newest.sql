-- modeling.signals_newest: the newest as_of per alias and race, which latest_signals joins
-- (alembic 0016 says why). Every insert into signals advances it in the same statement's
-- transaction; thin_signals never deletes a race's newest publication and
-- drop_signal_partitions removes the rows of the months it drops, so it stays exact.

CREATE OR REPLACE FUNCTION modeling.signals_newest_advance()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    INSERT INTO modeling.signals_newest AS n (alias, race_date, race_id, as_of)
    SELECT w.alias, w.race_date, w.race_id, max(w.as_of)
      FROM written w
     GROUP BY w.alias, w.race_date, w.race_id
    ON CONFLICT (alias, race_date, race_id) DO UPDATE
       SET as_of = EXCLUDED.as_of
     WHERE n.as_of < EXCLUDED.as_of;  -- a replay at an earlier as_of leaves the newest alone
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION modeling.signals_newest_advance() IS
    'Trigger of modeling.signals (after insert, per statement): raise each written race''s '
    'newest as_of in modeling.signals_newest.';
REVOKE ALL ON FUNCTION modeling.signals_newest_advance() FROM PUBLIC;

CREATE OR REPLACE TRIGGER signals_newest_advance
    AFTER INSERT ON modeling.signals
    REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION modeling.signals_newest_advance();
COMMENT ON TRIGGER signals_newest_advance ON modeling.signals IS
    'Keeps modeling.signals_newest at the newest as_of per alias and race.';
