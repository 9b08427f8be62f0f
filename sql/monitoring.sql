-- Daily monitoring of each model's published probabilities against results: log loss, Brier,
-- pseudo-R^2 vs the market, ECE, calibration bands, degradation vs the model's baseline.
-- Feature drift is in drift.sql; modeling.monitor_day (drift.sql) runs both. docs/monitoring.md.

CREATE OR REPLACE FUNCTION modeling.probability_band_edges()
RETURNS double precision[]
LANGUAGE sql
IMMUTABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    -- The trainer's bands (hrdpg/trainer/metrics.py BAND_EDGES): 0, 18 steps from 0.025
    -- toward 0.5, then 0.6 and 1, so monitoring ECE compares with the stored baseline.
    SELECT ARRAY[0::float8]
           || (SELECT array_agg(0.025::float8 + k * (0.475::float8 / 18) ORDER BY k)
                 FROM generate_series(0, 17) AS k)
           || ARRAY[0.6::float8, 1.0::float8];
$fn$;
COMMENT ON FUNCTION modeling.probability_band_edges() IS
    'Lower edges (and the final 1.0) of the 20 probability bands of ECE and the calibration '
    'table, the same as the trainer''s.';
REVOKE ALL ON FUNCTION modeling.probability_band_edges() FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.odds_band_edges()
RETURNS double precision[]
LANGUAGE sql
IMMUTABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT ARRAY[1, 2, 3, 4, 6, 10, 15, 25, 50]::float8[];
$fn$;
COMMENT ON FUNCTION modeling.odds_band_edges() IS
    'Lower edges of the decimal-odds bands of the calibration table (last band open-ended).';
REVOKE ALL ON FUNCTION modeling.odds_band_edges() FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.monitoring_rows(day date, model_id bigint)
RETURNS TABLE (race_id bigint, horse_id bigint, p double precision, won integer,
               odds double precision, market_p double precision)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    -- The model's newest publication per race (any alias; DISTINCT removes the same model
    -- published under two aliases), runners that ran, races with a winner. Probabilities are
    -- renormalised over the runners that ran; the market's is 1/odds with the overround
    -- removed, only for races where every runner had a price.
    WITH s AS (
        SELECT DISTINCT ON (s.race_id, s.horse_id) s.race_id, s.horse_id, s.p_win,
               s.best_win_odds
          FROM modeling.signals s
         WHERE s.race_date = $1 AND s.model_id = $2
           AND s.as_of = (SELECT max(n.as_of) FROM modeling.signals n
                           WHERE n.race_date = $1 AND n.model_id = $2
                             AND n.race_id = s.race_id)
         ORDER BY s.race_id, s.horse_id
    ), r AS (
        SELECT s.*, coalesce(ru.finish_pos = 1, false)::int AS won
          FROM s JOIN modeling.src_runners ru
               ON ru.race_id = s.race_id AND ru.horse_id = s.horse_id
         WHERE NOT coalesce(ru.non_runner, false) AND ru.status IS DISTINCT FROM 'non_runner'
    ), w AS (
        SELECT r.*, sum(r.won) OVER race AS winners, sum(r.p_win) OVER race AS p_sum,
               count(r.best_win_odds) OVER race = count(*) OVER race AS priced,
               sum(1 / r.best_win_odds) OVER race AS inv_sum
          -- the whole race in horse order: the float sums add up the same whatever the plan
          FROM r WINDOW race AS (PARTITION BY r.race_id ORDER BY r.horse_id
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    )
    SELECT w.race_id, w.horse_id, w.p_win / w.p_sum, w.won, w.best_win_odds,
           CASE WHEN w.priced THEN (1 / w.best_win_odds) / w.inv_sum END
      FROM w WHERE w.winners > 0;
$fn$;
COMMENT ON FUNCTION modeling.monitoring_rows(date, bigint) IS
    'Rows monitoring scores for a model and day: newest signal per race joined to results, '
    'non-runners out, races with a winner, p renormalised, market_p = overround-free 1/odds '
    '(NULL unless the whole race is priced).';
REVOKE ALL ON FUNCTION modeling.monitoring_rows(date, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.model_baseline(model_id bigint)
RETURNS jsonb
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    -- What scoring publishes is the blend when the model has one, so that is its baseline.
    SELECT coalesce(
        m.metrics -> 'baseline',
        CASE WHEN jsonb_typeof(m.params -> 'blend') = 'object'
             THEN m.metrics #> '{test,blend_on_priced}' END,
        m.metrics #> '{test,model}')
      FROM modeling.models m WHERE m.model_id = $1;
$fn$;
COMMENT ON FUNCTION modeling.model_baseline(bigint) IS
    'The test-period scores a model is monitored against: metrics.baseline if set, else '
    'metrics.test.blend_on_priced for a blended model, else metrics.test.model.';
REVOKE ALL ON FUNCTION modeling.model_baseline(bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION modeling.monitor_metrics(
    day date, model_id bigint, min_races integer DEFAULT 10,
    warn_ratio double precision DEFAULT 1.1, critical_ratio double precision DEFAULT 1.2,
    window_days integer DEFAULT 7, warn_z double precision DEFAULT 2.33,
    critical_z double precision DEFAULT 3.09)
RETURNS modeling.monitoring_daily
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    d modeling.monitoring_daily;
    se float8;
    pe float8[] := modeling.probability_band_edges();
    oe float8[] := modeling.odds_band_edges();
BEGIN
    IF NOT EXISTS (SELECT 1 FROM modeling.models m WHERE m.model_id = $2) THEN
        RAISE EXCEPTION 'monitor_metrics: model % does not exist', $2
            USING ERRCODE = 'no_data_found', HINT = 'See `hrdpg models list`.';
    END IF;
    IF $6 IS NULL OR $6 < 1 THEN
        RAISE EXCEPTION 'monitor_metrics: window_days must be >= 1, not %', $6
            USING ERRCODE = '22023';
    END IF;
    -- The day's rows are read from monitoring_rows each time, never parked in a temp table: a
    -- temp table is resolvable from the caller's session, and this function runs as the owner.

    d.model_id := $2;
    d.day := $1;
    WITH race AS (
        SELECT x.race_id, count(*) AS field,
               avg(ln(x.p)) FILTER (WHERE x.won = 1) AS lw,
               avg(ln(x.market_p)) FILTER (WHERE x.won = 1) AS mw,
               bool_and(x.market_p IS NOT NULL) AS priced
          FROM modeling.monitoring_rows($1, $2) x GROUP BY x.race_id)
    SELECT count(*), coalesce(sum(r.field), 0), -avg(r.lw), avg(ln(r.field)),
           count(*) FILTER (WHERE r.priced), -avg(r.lw) FILTER (WHERE r.priced),
           -avg(r.mw) FILTER (WHERE r.priced), avg(ln(r.field)) FILTER (WHERE r.priced)
      INTO d.races, d.runners, d.log_loss, d.uniform_log_loss, d.priced_races,
           d.model_log_loss_priced, d.market_log_loss, d.market_pseudo_r2
      FROM race r;
    -- market_pseudo_r2 held the priced races' uniform log loss until here.
    d.pseudo_r2 := 1 - d.log_loss / nullif(d.uniform_log_loss, 0);
    d.model_pseudo_r2_priced := 1 - d.model_log_loss_priced / nullif(d.market_pseudo_r2, 0);
    d.market_pseudo_r2 := 1 - d.market_log_loss / nullif(d.market_pseudo_r2, 0);
    SELECT avg((x.p - x.won) ^ 2), avg((x.market_p - x.won) ^ 2)
      INTO d.brier, d.market_brier FROM modeling.monitoring_rows($1, $2) x;

    DELETE FROM modeling.monitoring_calibration c WHERE c.model_id = $2 AND c.day = $1;
    INSERT INTO modeling.monitoring_calibration AS c
           (model_id, day, band_kind, band, lo, hi, n, mean_p, win_rate, market_mean_p)
    SELECT $2, $1, 'probability', b.band, pe[b.band + 1], pe[b.band + 2], count(*),
           avg(b.p), avg(b.won), avg(b.market_p)
      FROM (SELECT x.*, least(width_bucket(x.p, pe) - 1, cardinality(pe) - 2) AS band
              FROM modeling.monitoring_rows($1, $2) x) b
     GROUP BY b.band
    UNION ALL
    SELECT $2, $1, 'odds', b.band, oe[b.band + 1], oe[b.band + 2], count(*),
           avg(b.p), avg(b.won), avg(b.market_p)
      FROM (SELECT x.*, width_bucket(x.odds, oe) - 1 AS band
              FROM modeling.monitoring_rows($1, $2) x WHERE x.odds IS NOT NULL) b
     GROUP BY b.band;
    SELECT sum(abs(c.mean_p - c.win_rate) * c.n) / nullif(d.runners, 0) INTO d.ece
      FROM modeling.monitoring_calibration c
     WHERE c.model_id = $2 AND c.day = $1 AND c.band_kind = 'probability';

    d.baseline_brier := (modeling.model_baseline($2) ->> 'brier')::float8;
    d.brier_ratio := d.brier / nullif(d.baseline_brier, 0);
    -- The status is a test, not a threshold: a day of 30 races is often 20% above its
    -- baseline by chance. Over the window's races (a race's squared errors are one draw, its
    -- runners are not independent), z = (Brier - baseline) / its standard error; the ratio
    -- must reach its mark and z must make that unlikely under the baseline.
    WITH w AS (
        SELECT g.d, x.race_id, sum((x.p - x.won) ^ 2) AS s, count(*) AS m
          FROM generate_series($1 - ($6 - 1), $1, interval '1 day') AS g(d)
         CROSS JOIN LATERAL modeling.monitoring_rows(g.d::date, $2) x
         GROUP BY g.d, x.race_id
    ), t AS (
        SELECT count(*)::float8 AS n, sum(w.s) / nullif(sum(w.m), 0) AS b,
               sum(w.m)::float8 AS m FROM w
    )
    SELECT t.n, t.b, sqrt(t.n / nullif(t.n - 1, 0)
                          * (SELECT sum((w.s - t.b * w.m) ^ 2) FROM w)) / nullif(t.m, 0)
      INTO d.window_races, d.window_brier, se FROM t;
    d.window_days := $6;
    d.brier_z := (d.window_brier - d.baseline_brier) / nullif(se, 0);
    d.status := CASE
        WHEN d.races = 0 THEN 'no_results'
        WHEN d.brier_ratio IS NULL THEN 'no_baseline'
        WHEN d.window_races < $3 THEN 'too_few_races'
        WHEN d.window_brier >= $5 * d.baseline_brier AND d.brier_z >= $8 THEN 'critical'
        WHEN d.window_brier >= $4 * d.baseline_brier AND d.brier_z >= $7 THEN 'warning'
        ELSE 'ok' END;
    d.computed_at := pg_catalog.now();
    INSERT INTO modeling.monitoring_daily AS m SELECT d.*
    ON CONFLICT ON CONSTRAINT monitoring_daily_pkey DO UPDATE SET
        races = EXCLUDED.races, runners = EXCLUDED.runners, log_loss = EXCLUDED.log_loss,
        uniform_log_loss = EXCLUDED.uniform_log_loss, pseudo_r2 = EXCLUDED.pseudo_r2,
        brier = EXCLUDED.brier, ece = EXCLUDED.ece, priced_races = EXCLUDED.priced_races,
        model_log_loss_priced = EXCLUDED.model_log_loss_priced,
        model_pseudo_r2_priced = EXCLUDED.model_pseudo_r2_priced,
        market_log_loss = EXCLUDED.market_log_loss,
        market_pseudo_r2 = EXCLUDED.market_pseudo_r2, market_brier = EXCLUDED.market_brier,
        baseline_brier = EXCLUDED.baseline_brier, brier_ratio = EXCLUDED.brier_ratio,
        status = EXCLUDED.status, computed_at = EXCLUDED.computed_at,
        window_days = EXCLUDED.window_days, window_races = EXCLUDED.window_races,
        window_brier = EXCLUDED.window_brier, brier_z = EXCLUDED.brier_z;
    IF d.status IN ('warning', 'critical') THEN
        PERFORM modeling.raise_alert(
            d.status, 'calibration', format('model:%s:brier', $2),
            format('model %s, %s day(s) to %s: Brier %s is %s%% of its baseline %s '
                   '(%s races, z %s)', $2, $6, $1, round(d.window_brier::numeric, 5),
                   round((d.window_brier / d.baseline_brier * 100)::numeric, 1),
                   round(d.baseline_brier::numeric, 5), d.window_races,
                   round(d.brier_z::numeric, 2)),
            jsonb_build_object('model_id', $2, 'day', $1, 'brier', d.brier,
                               'baseline_brier', d.baseline_brier, 'ratio', d.brier_ratio,
                               'races', d.races, 'log_loss', d.log_loss, 'ece', d.ece,
                               'window_days', $6, 'window_races', d.window_races,
                               'window_brier', d.window_brier, 'z', d.brier_z));
    END IF;
    RETURN d;
END
$fn$;
COMMENT ON FUNCTION modeling.monitor_metrics(date, bigint, integer, double precision,
                                             double precision, integer, double precision,
                                             double precision) IS
    'Score a model''s published probabilities for a day against results into '
    'monitoring_daily and monitoring_calibration (replacing that day). Over the races of the '
    'window_days (7) days ending on day, at least min_races of them: Brier / baseline >= '
    'warn_ratio (1.1) with z >= warn_z (2.33), or >= critical_ratio (1.2) with z >= '
    'critical_z (3.09), raises a calibration alert. Returns the monitoring_daily row.';
REVOKE ALL ON FUNCTION modeling.monitor_metrics(date, bigint, integer, double precision,
                                                double precision, integer, double precision,
                                                double precision) FROM PUBLIC;
