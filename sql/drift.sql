-- Feature drift per model and day against the reference stored with the model
-- (hrdpg/trainer/metrics.py feature_reference: decile edges, counts between them, null_share),
-- and modeling.monitor_day, the daily monitoring entry point. See docs/monitoring.md.

CREATE OR REPLACE FUNCTION modeling.drift_stats(
    reference jsonb, vals double precision[],
    OUT n integer, OUT null_share double precision, OUT psi double precision,
    OUT ks double precision)
LANGUAGE sql
IMMUTABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    -- Bins are the reference's: bin i holds edges[i-1] <= x < edges[i] (numpy searchsorted
    -- right), plus a null bin. PSI = sum (a - e) ln(a / e) over the bins with both shares
    -- floored at 1e-4 (an empty bin would be infinite); KS = max |F_ref - F_actual| of the
    -- non-null values at the reference edges (the reference keeps only those points).
    WITH e AS (
        SELECT array_agg(x::float8 ORDER BY o) AS edges
          FROM jsonb_array_elements_text(coalesce($1 -> 'edges', '[]')) WITH ORDINALITY t(x, o)
    ), c AS (
        SELECT (o - 1)::int AS bin, x::float8 AS cnt
          FROM jsonb_array_elements_text(coalesce($1 -> 'counts', '[]')) WITH ORDINALITY t(x, o)
    ), v AS (
        SELECT CASE WHEN x = 'NaN'::float8 THEN NULL ELSE x END AS x FROM unnest($2) AS u(x)
    ), tot AS (
        SELECT count(*)::float8 AS n, count(v.x)::float8 AS nn,
               coalesce(($1 ->> 'null_share')::float8, 0) AS ref_null,
               (SELECT sum(c.cnt) FROM c) AS ref_total
          FROM v
    ), a AS (
        SELECT width_bucket(v.x, e.edges) AS bin, count(*)::float8 AS k
          FROM v CROSS JOIN e WHERE v.x IS NOT NULL GROUP BY 1
    ), b AS (
        SELECT c.bin, c.cnt / t.ref_total * (1 - t.ref_null) AS e_share,
               coalesce(a.k, 0) / t.n AS a_share,
               sum(c.cnt) OVER (ORDER BY c.bin) / t.ref_total AS ref_cdf,
               sum(coalesce(a.k, 0)) OVER (ORDER BY c.bin) / nullif(t.nn, 0) AS act_cdf
          FROM c CROSS JOIN tot t LEFT JOIN a ON a.bin = c.bin
    ), terms AS (
        SELECT greatest(b.a_share, 1e-4) AS a, greatest(b.e_share, 1e-4) AS e FROM b
        UNION ALL
        SELECT greatest((t.n - t.nn) / t.n, 1e-4), greatest(t.ref_null, 1e-4) FROM tot t
    )
    SELECT t.n::int, (t.n - t.nn) / nullif(t.n, 0),
           CASE WHEN t.n > 0 AND t.ref_total > 0
                THEN (SELECT sum((x.a - x.e) * ln(x.a / x.e)) FROM terms x) END,
           CASE WHEN t.ref_total > 0
                THEN (SELECT max(abs(b.ref_cdf - b.act_cdf)) FROM b
                       WHERE b.bin < (SELECT max(c.bin) FROM c)) END
      FROM tot t;
$fn$;
COMMENT ON FUNCTION modeling.drift_stats(jsonb, double precision[]) IS
    'Drift of values against one feature''s stored reference: n, null share, PSI over the '
    'reference decile bins plus a null bin (shares floored at 1e-4) and KS at the edges.';
REVOKE ALL ON FUNCTION modeling.drift_stats(jsonb, double precision[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.psi_by_chance(
    df integer, races double precision, ref_n double precision, z double precision)
RETURNS double precision
LANGUAGE sql
IMMUTABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    -- Without drift, n * PSI is about chi-square with df = bins - 1 degrees of freedom (PSI is
    -- close to Pearson's statistic / n for small differences); its upper quantile at the
    -- normal z is Wilson-Hilferty's. n is the window's races, not its runners: the runners of
    -- a race share its field, course and going (field_size is one value per race), so a day of
    -- 16 races is 16 draws, however many runners it has.
    SELECT $1 * (1 - 2 / (9.0 * $1) + $4 * sqrt(2 / (9.0 * $1))) ^ 3
           * (1 / nullif($2, 0) + 1 / nullif($3, 0))
     WHERE $1 > 0;
$fn$;
COMMENT ON FUNCTION modeling.psi_by_chance(integer, double precision, double precision,
                                           double precision) IS
    'The PSI reached by chance alone with probability about 1 - Phi(z) between samples of '
    'races and ref_n rows over df + 1 bins (Wilson-Hilferty chi-square quantile / n).';
REVOKE ALL ON FUNCTION modeling.psi_by_chance(integer, double precision, double precision,
                                              double precision) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.monitor_drift(
    day date, model_id bigint, min_n integer DEFAULT 100,
    moderate_psi double precision DEFAULT 0.1, major_psi double precision DEFAULT 0.25,
    window_days integer DEFAULT 1, moderate_z double precision DEFAULT 2.33,
    major_z double precision DEFAULT 3.09)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    m modeling.models;
    vals text;
    races integer;
    moderate text[];
    major text[];
BEGIN
    IF $6 IS NULL OR $6 < 1 THEN
        RAISE EXCEPTION 'monitor_drift: window_days must be >= 1, not %', $6
            USING ERRCODE = '22023';
    END IF;
    SELECT * INTO m FROM modeling.models x WHERE x.model_id = $2;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'monitor_drift: model % does not exist', $2
            USING ERRCODE = 'no_data_found', HINT = 'See `hrdpg models list`.';
    END IF;
    -- One pass over the day's feature rows, unpivoted to (feature, value); names go through
    -- %I / %L after the catalogue check, never glued.
    SELECT string_agg(format('(%L, f.%I::float8)', u.name, u.name), ', ')
      INTO vals
      FROM unnest(m.feature_names) AS u(name)
     WHERE u.name IN (SELECT c.name FROM modeling.feature_catalog c);
    DELETE FROM modeling.monitoring_drift d WHERE d.model_id = $2 AND d.day = $1;
    SELECT count(DISTINCT f.race_id) INTO races FROM modeling.runner_features f
     WHERE f.race_date BETWEEN $1 - $6 + 1 AND $1
       AND f.race_id IN (SELECT s.race_id FROM modeling.signals s
                          WHERE s.race_date BETWEEN $1 - $6 + 1 AND $1 AND s.model_id = $2);
    IF vals IS NULL THEN
        RETURN jsonb_build_object('features', 0);
    END IF;
    -- One statement, the day's values in a CTE: no temp table, which the caller's session
    -- could have created first (with a trigger) for this owner-run function to use.
    EXECUTE format(
        'WITH vals AS (SELECT u.feature, u.v FROM modeling.runner_features f '
        'CROSS JOIN LATERAL (VALUES %s) AS u(feature, v) '
        'WHERE f.race_date BETWEEN $1 - $3 + 1 AND $1 '
        'AND f.race_id IN (SELECT s.race_id FROM modeling.signals s '
        'WHERE s.race_date BETWEEN $1 - $3 + 1 AND $1 AND s.model_id = $2)) '
        'INSERT INTO modeling.monitoring_drift AS d '
        '(model_id, day, feature, window_days, n, null_share, ref_n, psi, ks, level) '
        'SELECT $2, $1, f.name, $3, coalesce(st.n, 0), st.null_share, (ref.j ->> ''n'')::int, '
        'st.psi, st.ks, CASE WHEN st.psi IS NULL THEN ''no_reference'' '
        'WHEN coalesce(st.n, 0) < $4 THEN ''insufficient'' '
        'WHEN st.psi >= $6 AND st.psi >= modeling.psi_by_chance(jsonb_array_length('
        'ref.j -> ''edges''), $9, (ref.j ->> ''n'')::float8, $11) THEN ''major'' '
        'WHEN st.psi >= $5 AND st.psi >= modeling.psi_by_chance(jsonb_array_length('
        'ref.j -> ''edges''), $9, (ref.j ->> ''n'')::float8, $10) THEN ''moderate'' '
        'ELSE ''ok'' END '
        'FROM unnest($7) AS f(name) '
        'CROSS JOIN LATERAL (SELECT $8 -> f.name AS j) ref '
        'CROSS JOIN LATERAL modeling.drift_stats(coalesce(ref.j, ''{}''), '
        'coalesce((SELECT array_agg(x.v) FROM vals x WHERE x.feature = f.name), ''{}'')) st '
        'WHERE f.name IN (SELECT c.name FROM modeling.feature_catalog c)', vals)
        USING $1, $2, $6, $3, $4, $5, m.feature_names, m.feature_reference, races, $7, $8;
    SELECT array_agg(d.feature ORDER BY d.psi DESC) FILTER (WHERE d.level = 'moderate'),
           array_agg(d.feature ORDER BY d.psi DESC) FILTER (WHERE d.level = 'major')
      INTO moderate, major
      FROM modeling.monitoring_drift d WHERE d.model_id = $2 AND d.day = $1;
    IF major IS NOT NULL OR moderate IS NOT NULL THEN
        PERFORM modeling.raise_alert(
            CASE WHEN major IS NOT NULL THEN 'critical' ELSE 'warning' END, 'drift',
            format('model:%s:drift', $2),
            format('model %s on the %s day(s) to %s: %s drift in %s', $2, $6, $1,
                   CASE WHEN major IS NOT NULL THEN 'major' ELSE 'moderate' END,
                   array_to_string(coalesce(major, moderate), ', ')),
            jsonb_build_object('model_id', $2, 'day', $1, 'window_days', $6,
                               'major', to_jsonb(major),
                               'moderate', to_jsonb(moderate)));
    END IF;
    RETURN jsonb_build_object('features', cardinality(m.feature_names),
                              'moderate', to_jsonb(coalesce(moderate, '{}')),
                              'major', to_jsonb(coalesce(major, '{}')));
END
$fn$;
COMMENT ON FUNCTION modeling.monitor_drift(date, bigint, integer, double precision,
                                           double precision, integer, double precision,
                                           double precision) IS
    'Drift of each of a model''s features on the races it scored in the window_days days '
    'ending on day vs its stored reference into monitoring_drift (replacing that day). Levels '
    'by PSI: moderate >= 0.1, major >= 0.25, each only above what the window''s races reach '
    'by chance (psi_by_chance at moderate_z 2.33 / major_z 3.09), only with at least min_n '
    'rows (else insufficient); moderate raises a warning, major a critical drift alert.';
REVOKE ALL ON FUNCTION modeling.monitor_drift(date, bigint, integer, double precision,
                                              double precision, integer, double precision,
                                              double precision) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.monitor_day(
    day date, model_id bigint DEFAULT NULL, min_n integer DEFAULT 100,
    min_races integer DEFAULT 10, drift_days integer DEFAULT 1)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    mid bigint;
    d modeling.monitoring_daily;
    out jsonb := '[]';
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'monitor_day: day is required' USING ERRCODE = '22004';
    END IF;
    FOR mid IN SELECT DISTINCT s.model_id FROM modeling.signals s
                WHERE s.race_date = $1 AND ($2 IS NULL OR s.model_id = $2)
                ORDER BY 1 LOOP
        d := modeling.monitor_metrics($1, mid, $4);
        out := out || jsonb_build_object(
            'model_id', mid, 'status', d.status, 'races', d.races, 'brier', d.brier,
            'brier_ratio', d.brier_ratio,
            'drift', modeling.monitor_drift($1, mid, $3, window_days => $5));
    END LOOP;
    RETURN jsonb_build_object('day', $1, 'models', out);
END
$fn$;
COMMENT ON FUNCTION modeling.monitor_day(date, bigint, integer, integer, integer) IS
    'Daily monitoring (the scheduler''s monitoring job, params check=daily): metrics, '
    'calibration and drift (over drift_days days ending on day) for every model with signals '
    'on day (or one model), alerts included.';
REVOKE ALL ON FUNCTION modeling.monitor_day(date, bigint, integer, integer, integer) FROM PUBLIC;
