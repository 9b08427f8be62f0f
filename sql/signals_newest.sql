-- modeling.signals_newest: the newest as_of per alias and race, which latest_signals joins
-- (alembic 0016 says why). Every insert into signals advances it in the same transaction, an
-- update or delete repairs it (below), and drop_signal_partitions removes the rows of the
-- months it drops (DROP fires no trigger), so it stays exact.

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

-- An UPDATE that moves a publication (as_of, alias or race) or a DELETE of a race's newest
-- publication re-derives that race's row from signals. Per row, but the UPDATE trigger's WHEN
-- skips the publish's upsert (it never changes those columns), and a deleted row costs one
-- probe unless it was the newest (thin_signals never deletes that).
CREATE OR REPLACE FUNCTION modeling.signals_newest_repair()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    newest timestamptz;
BEGIN
    IF EXISTS (SELECT 1 FROM modeling.signals_newest n
                WHERE n.alias = OLD.alias AND n.race_date = OLD.race_date
                  AND n.race_id = OLD.race_id AND n.as_of = OLD.as_of) THEN
        SELECT max(s.as_of) INTO newest FROM modeling.signals s
         WHERE s.alias = OLD.alias AND s.race_date = OLD.race_date AND s.race_id = OLD.race_id;
        IF newest IS NULL THEN
            DELETE FROM modeling.signals_newest n
             WHERE n.alias = OLD.alias AND n.race_date = OLD.race_date
               AND n.race_id = OLD.race_id;
        ELSE
            UPDATE modeling.signals_newest n SET as_of = newest
             WHERE n.alias = OLD.alias AND n.race_date = OLD.race_date
               AND n.race_id = OLD.race_id;
        END IF;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO modeling.signals_newest AS n (alias, race_date, race_id, as_of)
        VALUES (NEW.alias, NEW.race_date, NEW.race_id, NEW.as_of)
        ON CONFLICT (alias, race_date, race_id) DO UPDATE
           SET as_of = EXCLUDED.as_of
         WHERE n.as_of < EXCLUDED.as_of;
    END IF;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION modeling.signals_newest_repair() IS
    'Trigger of modeling.signals (after a row moves or is deleted): re-derive that race''s '
    'newest as_of in modeling.signals_newest.';
REVOKE ALL ON FUNCTION modeling.signals_newest_repair() FROM PUBLIC;

CREATE OR REPLACE TRIGGER signals_newest_repair_update
    AFTER UPDATE ON modeling.signals
    FOR EACH ROW
    WHEN (OLD.as_of IS DISTINCT FROM NEW.as_of OR OLD.alias IS DISTINCT FROM NEW.alias
          OR OLD.race_id IS DISTINCT FROM NEW.race_id
          OR OLD.race_date IS DISTINCT FROM NEW.race_date)
    EXECUTE FUNCTION modeling.signals_newest_repair();
COMMENT ON TRIGGER signals_newest_repair_update ON modeling.signals IS
    'Keeps modeling.signals_newest exact when an UPDATE moves a publication.';

CREATE OR REPLACE TRIGGER signals_newest_repair_delete
    AFTER DELETE ON modeling.signals
    FOR EACH ROW EXECUTE FUNCTION modeling.signals_newest_repair();
COMMENT ON TRIGGER signals_newest_repair_delete ON modeling.signals IS
    'Keeps modeling.signals_newest exact when a DELETE removes a race''s newest publication.';
