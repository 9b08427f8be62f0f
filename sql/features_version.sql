-- The feature version: a hash of everything that defines a feature, so that a model trained
-- on other definitions is refused. It covers the catalogue (names, order, definitions), the
-- view written from it, every modeling function the feature SQL reaches (followed through
-- the function bodies, so a helper such as shrunk_rate counts wherever it is called), and the
-- history modules of the server (hrdpg_pl.history and what it imports, e.g. the Elo
-- constants), whose hash and calls hrdpg db migrate records.

-- Which functions the version covers: the feature SQL's roots and everything their bodies call.
CREATE OR REPLACE FUNCTION modeling.feature_version_inputs()
RETURNS TABLE (fn regprocedure)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    WITH RECURSIVE reached(fn) AS (
        SELECT p.oid::regprocedure
          FROM pg_proc p
         WHERE p.pronamespace = 'modeling'::regnamespace
           AND p.proname = ANY (ARRAY['refresh_features', 'refresh_history', 'feature_values',
                                      'runner_features_as_of']
                                || modeling.feature_module_calls()
                                || ARRAY(SELECT m[1] FROM regexp_matches(
                                       pg_get_viewdef('modeling.runner_features'::regclass),
                                       'modeling\.(\w+)\s*\(', 'g') m))
        UNION
        SELECT callee.oid::regprocedure
          FROM reached r
         CROSS JOIN LATERAL regexp_matches(pg_get_functiondef(r.fn), 'modeling\.(\w+)\s*\(',
                                           'g') m
          JOIN pg_proc callee ON callee.pronamespace = 'modeling'::regnamespace
                             AND callee.proname = m[1] AND callee.prokind IN ('f', 'p')
    )
    SELECT fn FROM reached;
END;
COMMENT ON FUNCTION modeling.feature_version_inputs() IS
    'The modeling functions whose definitions feature_version() hashes: the feature SQL and '
    'every function its bodies (and the history modules) call, transitively.';

CREATE OR REPLACE FUNCTION modeling.feature_version()
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
RETURN left(md5(
    (SELECT string_agg(concat_ws(':', c.position, c.name, c.feature_group, c.stage,
                                 c.definition), ',' ORDER BY c.position)
       FROM modeling.feature_catalog c)
    || pg_get_viewdef('modeling.runner_features'::regclass)
    || (SELECT string_agg(pg_get_functiondef(i.fn), '' ORDER BY i.fn::text)
          FROM modeling.feature_version_inputs() i)
    || modeling.feature_modules_hash()), 16);
COMMENT ON FUNCTION modeling.feature_version() IS
    'Hash of the feature catalogue, the SQL written from it, every modeling function that SQL '
    'reaches (feature_version_inputs) and the server''s history modules; models record it and '
    'scoring refuses a model trained on another version.';
