"""modeling schema: models registry, signals, runs, data-quality results, alerts

Revision ID: 0001_modeling_core
Revises:
Create Date: 2026-11-23

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
"""

from alembic import op

revision = "0001_modeling_core"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE SCHEMA modeling;
COMMENT ON SCHEMA modeling IS 'hrdpg engine: model registry, signals, bets, runs and monitoring.';

CREATE TABLE modeling.models (
    model_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name             text        NOT NULL CHECK (name ~ '^[a-z][a-z0-9_\-]{0,62}$'),
    version          integer     NOT NULL CHECK (version >= 1),
    algorithm        text        NOT NULL DEFAULT 'lightgbm',
    artifact         bytea       NOT NULL CHECK (octet_length(artifact) > 0),
    artifact_sha256  text        NOT NULL CHECK (artifact_sha256 ~ '^[0-9a-f]{64}$'),
    input_name       text        NOT NULL,
    output_name      text        NOT NULL,
    feature_names    text[]      NOT NULL CHECK (cardinality(feature_names) > 0),
    feature_version  text        NOT NULL,
    metrics          jsonb       NOT NULL DEFAULT '{}'::jsonb,
    params           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    feature_reference jsonb      NOT NULL DEFAULT '{}'::jsonb,
    train_from       date,
    train_to         date,
    test_from        date,
    test_to          date,
    data_hash        text,
    code_version     text,
    parent_model_id  bigint REFERENCES modeling.models (model_id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    created_by       text        NOT NULL DEFAULT current_user,
    UNIQUE (name, version),
    CHECK (train_from IS NULL OR train_to IS NULL OR train_from <= train_to),
    CHECK (test_from IS NULL OR test_to IS NULL OR test_from <= test_to)
);
COMMENT ON TABLE modeling.models IS
    'Model registry: ONNX artifact bytes with sha256, feature list and version, metrics, lineage.';

CREATE TABLE modeling.model_aliases (
    alias       text        PRIMARY KEY CHECK (alias ~ '^[a-z][a-z0-9_]{0,30}$'),
    model_id    bigint      NOT NULL REFERENCES modeling.models (model_id),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user
);
COMMENT ON TABLE modeling.model_aliases IS
    'Which model each alias (production, staging, ...) points at; one row per alias.';

CREATE TABLE modeling.model_alias_history (
    change_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alias          text        NOT NULL,
    from_model_id  bigint REFERENCES modeling.models (model_id),
    to_model_id    bigint      NOT NULL REFERENCES modeling.models (model_id),
    action         text        NOT NULL CHECK (action IN ('promote', 'rollback')),
    note           text,
    changed_at     timestamptz NOT NULL DEFAULT now(),
    changed_by     text        NOT NULL DEFAULT current_user
);
CREATE INDEX model_alias_history_alias_idx ON modeling.model_alias_history (alias, change_id);
COMMENT ON TABLE modeling.model_alias_history IS
    'Audit of every promote and rollback: who moved which alias, when, from what to what.';

CREATE TABLE modeling.runs (
    run_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             text        NOT NULL,
    status           text        NOT NULL DEFAULT 'running'
                     CHECK (status IN ('running', 'ok', 'failed', 'skipped')),
    race_date        date,
    model_id         bigint REFERENCES modeling.models (model_id),
    params           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    rows_in          bigint      CHECK (rows_in >= 0),
    rows_out         bigint      CHECK (rows_out >= 0),
    races_published  integer     CHECK (races_published >= 0),
    races_blocked    integer     CHECK (races_blocked >= 0),
    timings_ms       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    error            text,
    triggered_by     text        NOT NULL DEFAULT 'manual',
    backend_pid      integer     NOT NULL DEFAULT pg_backend_pid(),
    started_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at      timestamptz,
    CHECK (finished_at IS NULL OR finished_at >= started_at),
    CHECK ((status = 'running') = (finished_at IS NULL)),
    CHECK (status <> 'failed' OR error IS NOT NULL)
);
CREATE INDEX runs_kind_started_idx ON modeling.runs (kind, started_at DESC);
CREATE INDEX runs_race_date_idx ON modeling.runs (race_date) WHERE race_date IS NOT NULL;
CREATE INDEX runs_running_idx ON modeling.runs (started_at) WHERE status = 'running';
COMMENT ON TABLE modeling.runs IS
    'Run log: every score, refresh, tick, train and load with parameters, counts, timings, error.';

CREATE TABLE modeling.signals (
    as_of             timestamptz NOT NULL,
    race_id           bigint      NOT NULL,
    horse_id          bigint      NOT NULL,
    model_id          bigint      NOT NULL REFERENCES modeling.models (model_id),
    run_id            bigint      REFERENCES modeling.runs (run_id) ON DELETE SET NULL,
    race_date         date        NOT NULL,
    off_time          timestamptz NOT NULL,
    p_win             double precision NOT NULL CHECK (p_win > 0 AND p_win < 1),
    p_place           double precision CHECK (p_place > 0 AND p_place <= 1),
    ew_places         smallint    CHECK (ew_places BETWEEN 1 AND 6),
    ew_fraction       numeric(4, 3) CHECK (ew_fraction > 0 AND ew_fraction <= 1),
    fair_win_odds     double precision NOT NULL CHECK (fair_win_odds > 1),
    fair_place_odds   double precision CHECK (fair_place_odds >= 1),
    best_win_odds     double precision CHECK (best_win_odds > 1),
    best_odds_source  text,
    best_odds_at      timestamptz,
    edge_win          double precision,
    edge_each_way     double precision,
    kelly_fraction    double precision CHECK (kelly_fraction >= 0 AND kelly_fraction <= 1),
    stake_fraction    double precision CHECK (stake_fraction >= 0 AND stake_fraction <= 1),
    liquidity_ok      boolean,
    reasons_json      jsonb       NOT NULL DEFAULT '[]'::jsonb,
    feature_version   text        NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT signals_natural_key UNIQUE (as_of, race_id, horse_id, model_id),
    CHECK (p_place IS NULL OR p_place >= p_win * (1 - 1e-9)),
    CHECK ((best_win_odds IS NULL) = (best_odds_source IS NULL)),
    CHECK (stake_fraction IS NULL OR kelly_fraction IS NULL
           OR stake_fraction <= kelly_fraction + 1e-12)
);
CREATE INDEX signals_latest_idx
    ON modeling.signals (race_date, model_id, race_id, horse_id, as_of DESC);
CREATE INDEX signals_run_idx ON modeling.signals (run_id);
COMMENT ON TABLE modeling.signals IS
    'Priced runner signals per scoring run: probabilities, fair and best odds, edges, stakes.';

CREATE TABLE modeling.dq_results (
    dq_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id      bigint      REFERENCES modeling.runs (run_id) ON DELETE CASCADE,
    race_id     bigint,
    check_name  text        NOT NULL,
    passed      boolean     NOT NULL,
    blocked     boolean     NOT NULL DEFAULT false,
    details     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    checked_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT (passed AND blocked))
);
CREATE INDEX dq_results_run_idx ON modeling.dq_results (run_id);
CREATE INDEX dq_results_failed_idx ON modeling.dq_results (checked_at) WHERE NOT passed;
COMMENT ON TABLE modeling.dq_results IS
    'Data-quality gate outcomes per run and race; a blocked race is not published.';

CREATE TABLE modeling.alerts (
    alert_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    severity          text        NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    category          text        NOT NULL,
    dedup_key         text        NOT NULL,
    message           text        NOT NULL,
    details           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_seen_at      timestamptz NOT NULL DEFAULT now(),
    suppressed_count  integer     NOT NULL DEFAULT 0 CHECK (suppressed_count >= 0),
    delivered_at      timestamptz,
    acknowledged_at   timestamptz,
    acknowledged_by   text
);
CREATE INDEX alerts_dedup_idx ON modeling.alerts (category, dedup_key, created_at DESC);
CREATE INDEX alerts_undelivered_idx ON modeling.alerts (alert_id) WHERE delivered_at IS NULL;
COMMENT ON TABLE modeling.alerts IS
    'Alerts with severity and category; repeats within the suppression window bump a counter.';
"""

DOWNGRADE = "DROP SCHEMA modeling CASCADE;"


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
