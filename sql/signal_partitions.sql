-- Month partitions of modeling.signals (RANGE on race_date, one per calendar month, named
-- signals_pYYYYMM; signals_default takes a date with none). Plain SQL housekeeping rather than
-- pg_partman: one naming rule, one creator and one dropper (sql/retention.sql) are all the
-- engine needs, and a team's own server needs no further extension. See docs/scaling.md.

CREATE OR REPLACE FUNCTION modeling.signal_partition_name(month date)
RETURNS text
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN 'signals_p' || pg_catalog.to_char(month, 'YYYYMM');
COMMENT ON FUNCTION modeling.signal_partition_name(date) IS
    'Name of the month partition of modeling.signals holding race dates of month''s month.';
REVOKE ALL ON FUNCTION modeling.signal_partition_name(date) FROM PUBLIC;

-- Made as a table of its own, then attached: CREATE TABLE ... PARTITION OF would take an
-- ACCESS EXCLUSIVE lock on signals until commit, and score_day calls this in its transaction;
-- ATTACH takes SHARE UPDATE EXCLUSIVE on signals (readers and writers go on) and ACCESS
-- EXCLUSIVE on signals_default only, which must be scanned for rows of the new month anyway.
CREATE OR REPLACE FUNCTION modeling.create_signal_partitions(from_date date, to_date date)
RETURNS text[]
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    m date;
    upper_ date;
    part text;
    created text[] := '{}';
    moved bigint;
BEGIN
    IF $1 IS NULL OR $2 IS NULL OR $1 > $2 THEN
        RAISE EXCEPTION 'create_signal_partitions: bad date range % .. %', $1, $2
            USING ERRCODE = '22023', HINT = 'Pass from_date <= to_date.';
    END IF;
    IF $2 - $1 > 366 * 50 THEN
        RAISE EXCEPTION 'create_signal_partitions: % .. % is more than 50 years', $1, $2
            USING ERRCODE = '22023';
    END IF;
    FOR m IN SELECT g::date FROM pg_catalog.generate_series(
                 pg_catalog.date_trunc('month', $1::timestamp),
                 pg_catalog.date_trunc('month', $2::timestamp), interval '1 month') g LOOP
        part := modeling.signal_partition_name(m);
        CONTINUE WHEN modeling.signal_partition_exists(part);
        -- Two scorers of the same new month: the second waits here, then finds it.
        PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('hrdpg.signal_partitions'));
        CONTINUE WHEN modeling.signal_partition_exists(part);
        upper_ := (m + interval '1 month')::date;
        EXECUTE pg_catalog.format(
            'CREATE TABLE modeling.%I (LIKE modeling.signals INCLUDING DEFAULTS '
            'INCLUDING CONSTRAINTS)', part);
        -- Rows the default caught for this month move in (ATTACH refuses while they are there).
        EXECUTE pg_catalog.format(
            'WITH gone AS (DELETE FROM modeling.signals_default d WHERE d.race_date >= $1 '
            '              AND d.race_date < $2 RETURNING d.*) '
            'INSERT INTO modeling.%I SELECT * FROM gone', part)
          USING m, upper_;
        GET DIAGNOSTICS moved = ROW_COUNT;
        EXECUTE pg_catalog.format('ALTER TABLE modeling.signals ATTACH PARTITION modeling.%I '
                                  'FOR VALUES FROM (%L) TO (%L)', part, m, upper_);
        EXECUTE pg_catalog.format('COMMENT ON TABLE modeling.%I IS %L', part,
            pg_catalog.format('Signals of races dated %s .. %s (a month partition of '
                              'modeling.signals).', m, upper_ - 1));
        created := created || part;
        IF moved > 0 THEN
            -- The rows are back in signals; their newest rows are derived afresh, to be sure.
            PERFORM modeling.repair_signals_newest(m, upper_ - 1);
            RAISE NOTICE 'create_signal_partitions: moved % rows from signals_default to %',
                moved, part;
        END IF;
    END LOOP;
    RETURN created;
END
$fn$;
COMMENT ON FUNCTION modeling.create_signal_partitions(date, date) IS
    'Create the missing month partitions of modeling.signals covering from_date .. to_date '
    '(moving any rows signals_default holds for them); returns the names created. Run by '
    'housekeeping (months ahead), score_day, reprice_day and score_range.';
REVOKE ALL ON FUNCTION modeling.create_signal_partitions(date, date) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.signal_partition_exists(name text)
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
RETURN EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i
                 JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'modeling.signals'::pg_catalog.regclass
                  AND c.relname = name);
COMMENT ON FUNCTION modeling.signal_partition_exists(text) IS
    'Internal: whether modeling.signals has a partition of this name.';
REVOKE ALL ON FUNCTION modeling.signal_partition_exists(text) FROM PUBLIC;

-- What doctor and housekeeping report: the rows no month partition took, and their dates.
CREATE OR REPLACE FUNCTION modeling.signals_default_summary()
RETURNS TABLE (n_rows bigint, first_date date, last_date date, message text)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT x.n, x.lo, x.hi,
           CASE WHEN x.n > 0 THEN pg_catalog.format(
               '%s signals (race dates %s .. %s) are in signals_default, outside every month '
               'partition: run SELECT modeling.create_signal_partitions(%L, %L)',
               x.n, x.lo, x.hi, x.lo, x.hi) END
      FROM (SELECT count(*) AS n, min(d.race_date) AS lo, max(d.race_date) AS hi
              FROM modeling.signals_default d) x;
END;
COMMENT ON FUNCTION modeling.signals_default_summary() IS
    'Rows in modeling.signals_default (race dates with no month partition), their first and '
    'last race_date and the warning doctor and housekeeping give (NULL when there are none).';
REVOKE ALL ON FUNCTION modeling.signals_default_summary() FROM PUBLIC;
