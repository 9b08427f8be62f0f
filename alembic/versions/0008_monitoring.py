"""monitoring: daily metrics, calibration bands and feature drift per model; alert settings;
the daily monitoring schedule row

Revision ID: 0008_monitoring
Revises: 0007_bets_ledger
Create Date: 2026-11-23

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
"""

from alembic import op

revision = "0008_monitoring"
down_revision = "0007_bets_ledger"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE modeling.alert_settings (
    category      text        PRIMARY KEY CHECK (category ~ '^(\*|[a-z][a-z0-9_]{0,30})$'),
    suppress_for  interval    NOT NULL CHECK (suppress_for >= interval '0'),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    text        NOT NULL DEFAULT current_user
);
COMMENT ON TABLE modeling.alert_settings IS
    'Suppression window per alert category (''*'' = every other category): a repeat of an '
    'open alert (same category and dedup_key) created within the window only bumps it.';
INSERT INTO modeling.alert_settings (category, suppress_for) VALUES ('*', '24 hours');

CREATE TABLE modeling.monitoring_daily (
    model_id                bigint      NOT NULL REFERENCES modeling.models (model_id),
    day                     date        NOT NULL,
    races                   integer     NOT NULL CHECK (races >= 0),
    runners                 integer     NOT NULL CHECK (runners >= 0),
    log_loss                double precision,
    uniform_log_loss        double precision,
    pseudo_r2               double precision,
    brier                   double precision,
    ece                     double precision,
    priced_races            integer     NOT NULL DEFAULT 0 CHECK (priced_races >= 0),
    model_log_loss_priced   double precision,
    model_pseudo_r2_priced  double precision,
    market_log_loss         double precision,
    market_pseudo_r2        double precision,
    market_brier            double precision,
    baseline_brier          double precision,
    brier_ratio             double precision,
    status                  text        NOT NULL
                            CHECK (status IN ('ok', 'warning', 'critical', 'no_results',
                                              'no_baseline', 'too_few_races')),
    computed_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model_id, day)
);
CREATE INDEX monitoring_daily_day_idx ON modeling.monitoring_daily (day);
COMMENT ON TABLE modeling.monitoring_daily IS
    'Per model and day (races with a winner): count, per-race log loss, pseudo-R^2 vs uniform, '
    'Brier, ECE, the same on fully priced races for model and market (overround removed), '
    'Brier vs the model''s baseline and the resulting status.';

CREATE TABLE modeling.monitoring_calibration (
    model_id       bigint      NOT NULL REFERENCES modeling.models (model_id),
    day            date        NOT NULL,
    band_kind      text        NOT NULL CHECK (band_kind IN ('probability', 'odds')),
    band           integer     NOT NULL CHECK (band >= 0),
    lo             double precision NOT NULL,
    hi             double precision,
    n              integer     NOT NULL CHECK (n > 0),
    mean_p         double precision NOT NULL,
    win_rate       double precision NOT NULL,
    market_mean_p  double precision,
    PRIMARY KEY (model_id, day, band_kind, band)
);
COMMENT ON TABLE modeling.monitoring_calibration IS
    'Calibration table per model and day: runners by model-probability band and by market '
    'odds band, mean predicted probability vs observed win rate.';

CREATE TABLE modeling.monitoring_drift (
    model_id     bigint      NOT NULL REFERENCES modeling.models (model_id),
    day          date        NOT NULL,
    feature      text        NOT NULL,
    window_days  integer     NOT NULL DEFAULT 1 CHECK (window_days >= 1),
    n            integer     NOT NULL CHECK (n >= 0),
    null_share   double precision,
    ref_n        integer,
    psi          double precision,
    ks           double precision,
    level        text        NOT NULL
                 CHECK (level IN ('ok', 'moderate', 'major', 'insufficient', 'no_reference')),
    PRIMARY KEY (model_id, day, feature)
);
COMMENT ON TABLE modeling.monitoring_drift IS
    'Feature drift per model and day (rows of the window_days days ending on day) vs the '
    'reference stored with the model: PSI over the reference decile bins plus a null bin, KS '
    'at the reference edges, level by PSI bands.';

INSERT INTO modeling.schedule (job, kind, local_time, tz, params) VALUES
    ('monitoring', 'monitoring', '06:30', 'Europe/Madrid',
     '{"check": "daily", "days_back": 1, "min_n": 300, "min_races": 10, "drift_days": 7,
       "max_attempts": 3, "retry_minutes": 10}');
"""

DOWNGRADE = """
DELETE FROM modeling.schedule WHERE job = 'monitoring';
DROP TABLE modeling.monitoring_drift;
DROP TABLE modeling.monitoring_calibration;
DROP TABLE modeling.monitoring_daily;
DROP TABLE modeling.alert_settings;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
