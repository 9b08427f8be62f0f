-- Model registry: validated registration, aliases with atomic promote/rollback and an audit
-- trail. Writers go through these SECURITY DEFINER functions, never through the tables.

-- One rule for "a model's features are ones this database computes", at register and at
-- promote/rollback: a model naming anything else could never be scored.
CREATE OR REPLACE FUNCTION modeling.features_not_in_catalog(feature_names text[])
RETURNS text[]
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT coalesce(array_agg(u.name ORDER BY u.ord), '{}')
      FROM unnest($1) WITH ORDINALITY AS u(name, ord)
     WHERE u.name IS NULL
        OR u.name NOT IN (SELECT c.name FROM modeling.feature_catalog c)
        OR u.ord > (SELECT min(v.ord) FROM unnest($1) WITH ORDINALITY AS v(name, ord)
                     WHERE v.name = u.name)
$fn$;
COMMENT ON FUNCTION modeling.features_not_in_catalog(text[]) IS
    'The names in feature_names that are NULL, repeated, or not in modeling.feature_catalog '
    '(empty when the list is usable).';
REVOKE ALL ON FUNCTION modeling.features_not_in_catalog(text[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.onnx_check(
    artifact bytea, feature_names text[], input_name text, output_name text)
RETURNS text
LANGUAGE plpython3u
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
from hrdpg_pl.onnx_check import check_artifact
return check_artifact(artifact, list(feature_names or []), input_name, output_name)
$$;
COMMENT ON FUNCTION modeling.onnx_check(bytea, text[], text, text) IS
    'NULL if the ONNX artifact loads in the server''s onnxruntime with the declared input '
    '(width = feature count) and output and scores a probe batch finitely; else the problem.';
REVOKE ALL ON FUNCTION modeling.onnx_check(bytea, text[], text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.register_model(
    name text, version integer, artifact bytea, feature_names text[], feature_version text,
    input_name text, output_name text, metrics jsonb, params jsonb, feature_reference jsonb,
    train_from date, train_to date, test_from date, test_to date, data_hash text,
    code_version text, parent_model_id bigint)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    problem text;
    new_id bigint;
    next_version integer;
BEGIN
    IF name IS NULL OR name !~ '^[a-z][a-z0-9_\-]{0,62}$' THEN
        RAISE EXCEPTION 'register_model: bad model name %', coalesce(quote_literal(name), 'NULL')
            USING HINT = 'Use lower case letters, digits, _ or -, starting with a letter.';
    END IF;
    -- Serialise registrations of one name, so "next version" and the duplicate check hold.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('hrdpg.register:' || name));
    SELECT coalesce(max(m.version), 0) + 1 INTO next_version
      FROM modeling.models m WHERE m.name = register_model.name;
    IF version IS NULL THEN
        version := next_version;
    ELSIF EXISTS (SELECT 1 FROM modeling.models m
                   WHERE m.name = register_model.name AND m.version = register_model.version) THEN
        RAISE EXCEPTION 'register_model: model %/% is already registered', name, version
            USING ERRCODE = 'unique_violation',
                  HINT = format('Versions are immutable; register version %s instead.',
                                next_version);
    END IF;
    IF artifact IS NULL OR octet_length(artifact) = 0 THEN
        RAISE EXCEPTION 'register_model: the artifact is empty'
            USING HINT = 'Pass the serialized ONNX model bytes.';
    END IF;
    IF feature_names IS NULL OR cardinality(feature_names) = 0 THEN
        RAISE EXCEPTION 'register_model: feature_names is empty';
    END IF;
    IF cardinality(modeling.features_not_in_catalog(feature_names)) > 0 THEN
        RAISE EXCEPTION 'register_model: feature name(s) not computed by this database: %',
            array_to_string(modeling.features_not_in_catalog(feature_names), ', ', 'NULL')
            USING HINT = 'See `hrdpg features catalog`; nothing was registered.';
    END IF;
    IF feature_version IS DISTINCT FROM modeling.feature_version() THEN
        RAISE EXCEPTION 'register_model: model features are version %, the database has %',
            feature_version, modeling.feature_version()
            USING HINT = 'The feature SQL changed since the data was read: retrain the model.';
    END IF;
    problem := modeling.onnx_check(artifact, feature_names, input_name, output_name);
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'register_model: artifact rejected: %', problem
            USING HINT = 'Re-export the model; nothing was registered.';
    END IF;
    INSERT INTO modeling.models (
        name, version, artifact, artifact_sha256, input_name, output_name, feature_names,
        feature_version, metrics, params, feature_reference, train_from, train_to, test_from,
        test_to, data_hash, code_version, parent_model_id, created_by)
    VALUES (
        name, version, artifact, pg_catalog.encode(pg_catalog.sha256(artifact), 'hex'),
        input_name, output_name, feature_names, feature_version,
        coalesce(metrics, '{}'), coalesce(params, '{}'), coalesce(feature_reference, '{}'),
        train_from, train_to, test_from, test_to, data_hash, code_version, parent_model_id,
        session_user)  -- the login; current_user is this function's owner
    RETURNING model_id INTO new_id;
    RETURN new_id;
END
$fn$;
COMMENT ON FUNCTION modeling.register_model(text, integer, bytea, text[], text, text, text,
    jsonb, jsonb, jsonb, date, date, date, date, text, text, bigint) IS
    'Validate an ONNX artifact in the server (onnx_check, feature version) and insert it into '
    'modeling.models with its sha256; version NULL takes the next free one. Returns model_id.';
REVOKE ALL ON FUNCTION modeling.register_model(text, integer, bytea, text[], text, text, text,
    jsonb, jsonb, jsonb, date, date, date, date, text, text, bigint) FROM PUBLIC;

-- Moves an alias to a model with the alias row locked, and audits the change.
CREATE OR REPLACE FUNCTION modeling.move_alias(
    alias text, to_model bigint, action text, note text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    current_model bigint;
    model_fv text;
    unknown text[];
BEGIN
    SELECT m.feature_version, modeling.features_not_in_catalog(m.feature_names)
      INTO model_fv, unknown FROM modeling.models m WHERE m.model_id = to_model;
    IF NOT FOUND THEN
        RAISE EXCEPTION '%: model % does not exist', action, to_model
            USING HINT = 'List models with `hrdpg models list`.';
    END IF;
    IF cardinality(unknown) > 0 THEN
        RAISE EXCEPTION '%: model % reads feature(s) this database does not compute: %',
            action, to_model, array_to_string(unknown, ', ', 'NULL')
            USING HINT = 'Register a model trained on `hrdpg features catalog`.';
    END IF;
    IF model_fv IS DISTINCT FROM modeling.feature_version() THEN
        RAISE EXCEPTION '%: model % was trained on feature version %, the database computes %',
            action, to_model, model_fv, modeling.feature_version()
            USING HINT = 'Scoring would refuse it: train and register a model on the current '
                         'features first.';
    END IF;
    SELECT a.model_id INTO current_model FROM modeling.model_aliases a
     WHERE a.alias = move_alias.alias FOR UPDATE;
    IF current_model IS NOT DISTINCT FROM to_model THEN
        RAISE EXCEPTION '%: alias % already points at model %', action, alias, to_model;
    END IF;
    INSERT INTO modeling.model_aliases AS a (alias, model_id, updated_by)
    VALUES (alias, to_model, session_user)
    ON CONFLICT ON CONSTRAINT model_aliases_pkey DO UPDATE
       SET model_id = EXCLUDED.model_id, updated_at = now(), updated_by = session_user;
    INSERT INTO modeling.model_alias_history (alias, from_model_id, to_model_id, action, note,
                                              changed_by)
    VALUES (alias, current_model, to_model, action, note, session_user);
    RETURN to_model;
END
$fn$;
COMMENT ON FUNCTION modeling.move_alias(text, bigint, text, text) IS
    'Internal: point an alias at a model (row locked, feature version checked) and audit it.';
REVOKE ALL ON FUNCTION modeling.move_alias(text, bigint, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.promote_model(model_id bigint, alias text, note text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF alias IS NULL OR alias !~ '^[a-z][a-z0-9_]{0,30}$' THEN
        RAISE EXCEPTION 'promote: bad alias %', coalesce(quote_literal(alias), 'NULL')
            USING HINT = 'Aliases are lower case, e.g. production or staging.';
    END IF;
    -- One writer per alias at a time, also when the alias row does not exist yet.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('hrdpg.alias:' || alias));
    RETURN modeling.move_alias(alias, model_id, 'promote', note);
END
$fn$;
COMMENT ON FUNCTION modeling.promote_model(bigint, text, text) IS
    'Point alias at model_id (refused if its feature version is not the current one); audited.';
REVOKE ALL ON FUNCTION modeling.promote_model(bigint, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.rollback_model(alias text, note text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    previous bigint;
    found_change boolean;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('hrdpg.alias:' || alias));
    -- Undo the most recent change, whatever it was: a rollback of a rollback re-applies.
    SELECT true, h.from_model_id INTO found_change, previous
      FROM modeling.model_alias_history h
     WHERE h.alias = rollback_model.alias
     ORDER BY h.change_id DESC LIMIT 1;
    IF found_change IS NULL THEN
        RAISE EXCEPTION 'rollback: alias % has no history', alias
            USING HINT = 'Promote a model first: `hrdpg models promote ID --alias ...`.';
    END IF;
    IF previous IS NULL THEN
        RAISE EXCEPTION 'rollback: alias % has pointed at one model only; nothing to return to',
            alias USING HINT = 'Promote another model instead.';
    END IF;
    RETURN modeling.move_alias(alias, previous, 'rollback', note);
END
$fn$;
COMMENT ON FUNCTION modeling.rollback_model(text, text) IS
    'Return alias to the model it pointed at before its most recent change (promote or '
    'rollback), so a rollback of a rollback undoes it; audited.';
REVOKE ALL ON FUNCTION modeling.rollback_model(text, text) FROM PUBLIC;
