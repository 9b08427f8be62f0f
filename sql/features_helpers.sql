-- Small immutable helpers shared by the history and feature SQL.

CREATE OR REPLACE FUNCTION modeling.distance_band(distance_m integer)
RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN distance_m < 1400 THEN 1 WHEN distance_m < 1900 THEN 2
            WHEN distance_m < 2600 THEN 3 ELSE 4 END;
COMMENT ON FUNCTION modeling.distance_band(integer) IS
    'Distance band for form: 1 sprint (<1400 m), 2 mile (<1900), 3 middle (<2600), 4 staying.';

CREATE OR REPLACE FUNCTION modeling.going_group(going text, surface text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN surface IN ('aw', 'dirt') THEN 'synthetic'
    WHEN going IN ('hard', 'firm', 'good_to_firm') THEN 'fast'
    WHEN going IN ('soft', 'heavy', 'yielding_to_soft') THEN 'slow'
    ELSE 'good' END;
COMMENT ON FUNCTION modeling.going_group(text, text) IS
    'Going grouped for form: fast, good, slow on turf; synthetic for all-weather and dirt.';

CREATE OR REPLACE FUNCTION modeling.places_for_field(field_size bigint)
RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN field_size < 5 THEN 1 WHEN field_size < 8 THEN 2 ELSE 3 END;
COMMENT ON FUNCTION modeling.places_for_field(bigint) IS
    'Places that count as "placed" in form figures (standard each-way places by field size).';

CREATE OR REPLACE FUNCTION modeling.shrunk_rate(
    successes double precision, trials double precision, prior double precision,
    prior_weight double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (coalesce(successes, 0) + prior * prior_weight) / (coalesce(trials, 0) + prior_weight);
COMMENT ON FUNCTION modeling.shrunk_rate(double precision, double precision, double precision,
                                         double precision) IS
    'Beta-binomial shrinkage: (s + prior*w) / (n + w); small samples stay near the prior.';
