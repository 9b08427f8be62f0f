-- Bulk reload of a table emptied in the same transaction: drop its indexes, load, rebuild them.
-- Building an index from a million sorted rows is several times cheaper than a million
-- random index insertions, and no reader can see the table in between (TRUNCATE holds an
-- ACCESS EXCLUSIVE lock to the commit). The definitions are read from the catalogue, so the
-- indexes come back exactly as the migrations made them.

CREATE OR REPLACE FUNCTION modeling.suspend_indexes(tbl regclass)
RETURNS text[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    restore text[] := '{}';
    nonempty boolean;
    ix record;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', tbl) INTO nonempty;
    IF nonempty THEN
        RAISE EXCEPTION 'suspend_indexes: % is not empty', tbl
            USING HINT = 'Truncate it in the same transaction first.';
    END IF;
    FOR ix IN
        SELECT i.indexrelid::regclass AS index_name, c.oid AS constraint_oid, c.conname
          FROM pg_index i
          LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                                   AND c.contype IN ('p', 'u')
         WHERE i.indrelid = tbl
           -- an index a foreign key depends on stays
           AND NOT EXISTS (SELECT 1 FROM pg_constraint f
                            WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
         ORDER BY i.indexrelid
    LOOP
        IF ix.constraint_oid IS NOT NULL THEN
            restore := restore || format('ALTER TABLE %s ADD CONSTRAINT %I %s', tbl, ix.conname,
                                         pg_get_constraintdef(ix.constraint_oid));
            EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', tbl, ix.conname);
        ELSE
            restore := restore || pg_get_indexdef(ix.index_name);
            EXECUTE format('DROP INDEX %s', ix.index_name);
        END IF;
    END LOOP;
    RETURN restore;
END;
$fn$;
COMMENT ON FUNCTION modeling.suspend_indexes(regclass) IS
    'Drop the indexes (and primary/unique constraints) of an empty table before a bulk load; '
    'returns the statements that rebuild them (restore_indexes).';
REVOKE ALL ON FUNCTION modeling.suspend_indexes(regclass) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.restore_indexes(statements text[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    statement text;
BEGIN
    FOREACH statement IN ARRAY statements LOOP
        EXECUTE statement;
    END LOOP;
END;
$fn$;
COMMENT ON FUNCTION modeling.restore_indexes(text[]) IS
    'Run the statements suspend_indexes returned: rebuild the indexes after the bulk load.';
REVOKE ALL ON FUNCTION modeling.restore_indexes(text[]) FROM PUBLIC;
