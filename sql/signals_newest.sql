-- modeling.signals_newest: the newest as_of per alias and race, which latest_signals joins
-- (alembic 0015 says why). Every insert into signals advances it in the same transaction, an
-- update that moves a publication repairs it (below), thin_signals never deletes a race's
-- newest publication and drop_signal_partitions removes the rows of the months it drops.

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
    'Keeps modeling.signals_newest at the newest as_of per alias and race (fires always, also '
    'under session_replication_role = replica).';
-- Always, not only in origin mode: score_range's COPY publish runs with
-- session_replication_role = replica to check its foreign keys once per chunk
-- (hrdpg_pl.scoring_bulk), and its rows must advance the newest table like any other insert.
ALTER TABLE modeling.signals ENABLE ALWAYS TRIGGER signals_newest_advance;

-- An UPDATE that moves a publication (as_of, alias or race) re-derives that race's row from
-- signals. Per row, but the WHEN skips the publish's upsert (it never changes those columns).
-- DELETE has no trigger: a per-row one made a month's DELETE 10x slower (bench/RESULTS.md),
-- and thin_signals never deletes a race's newest publication; after deleting by hand, run
-- modeling.repair_signals_newest over the dates.
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
    INSERT INTO modeling.signals_newest AS n (alias, race_date, race_id, as_of)
    VALUES (NEW.alias, NEW.race_date, NEW.race_id, NEW.as_of)
    ON CONFLICT (alias, race_date, race_id) DO UPDATE
       SET as_of = EXCLUDED.as_of
     WHERE n.as_of < EXCLUDED.as_of;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION modeling.signals_newest_repair() IS
    'Trigger of modeling.signals (after an update moves a row): re-derive that race''s newest '
    'as_of in modeling.signals_newest.';
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

CREATE OR REPLACE FUNCTION modeling.repair_signals_newest(from_date date, to_date date)
RETURNS bigint
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    n_rows bigint;
BEGIN
    IF $1 IS NULL OR $2 IS NULL OR $1 > $2 THEN
        RAISE EXCEPTION 'repair_signals_newest: bad date range % .. %', $1, $2
            USING ERRCODE = '22023', HINT = 'Pass from_date <= to_date.';
    END IF;
    DELETE FROM modeling.signals_newest n WHERE n.race_date BETWEEN $1 AND $2;
    INSERT INTO modeling.signals_newest (alias, race_date, race_id, as_of)
    SELECT s.alias, s.race_date, s.race_id, max(s.as_of) FROM modeling.signals s
     WHERE s.race_date BETWEEN $1 AND $2
     GROUP BY 1, 2, 3;
    GET DIAGNOSTICS n_rows = ROW_COUNT;
    RETURN n_rows;
END
$fn$;
COMMENT ON FUNCTION modeling.repair_signals_newest(date, date) IS
    'Re-derive modeling.signals_newest for race dates from_date .. to_date from signals (after '
    'deleting signals by hand); returns the rows written.';
REVOKE ALL ON FUNCTION modeling.repair_signals_newest(date, date) FROM PUBLIC;
