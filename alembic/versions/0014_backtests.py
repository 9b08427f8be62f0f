"""walk-forward backtests: one row per `hrdpg backtest` run, one per period it scored

Revision ID: 0014_backtests
Revises: 0013_form_history
Create Date: 2026-12-02

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
"""

from alembic import op

revision = "0014_backtests"
down_revision = "0013_form_history"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE modeling.backtest_runs (
    run_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text        NOT NULL CHECK (name ~ '^[a-z][a-z0-9_\-]{0,62}$'),
    period       text        NOT NULL CHECK (period IN ('year', 'quarter', 'month')),
    date_from    date        NOT NULL,
    date_to      date        NOT NULL,
    train_from   date        NOT NULL,
    alias        text        NOT NULL,
    params       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    status       text        NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'ok', 'failed')),
    error        text,
    overall      jsonb,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    created_by   text        NOT NULL DEFAULT session_user,
    CHECK (date_from <= date_to),
    CHECK (train_from < date_from)
);
CREATE INDEX backtest_runs_name_idx ON modeling.backtest_runs (name, run_id);
COMMENT ON TABLE modeling.backtest_runs IS
    'Walk-forward backtests (`hrdpg backtest`): the periods of date_from..date_to, each scored by '
    'a model trained from train_from to the day before it; overall = the figures over all '
    'periods (hrdpg.backtest.closing.summarise). Re-running a name makes a new run_id.';
COMMENT ON COLUMN modeling.backtest_runs.alias IS
    'The alias the period models were promoted to for scoring: never production, never a '
    'challenger of another alias''s scoring.';

CREATE TABLE modeling.backtest_periods (
    run_id                 bigint  NOT NULL
                           REFERENCES modeling.backtest_runs (run_id) ON DELETE CASCADE,
    period_no              integer NOT NULL CHECK (period_no >= 1),
    period_from            date    NOT NULL,
    period_to              date    NOT NULL,
    train_from             date    NOT NULL,
    train_to               date    NOT NULL,
    model_id               bigint  NOT NULL REFERENCES modeling.models (model_id),
    races                  integer NOT NULL CHECK (races >= 0),
    model_log_loss         double precision NOT NULL,
    market_log_loss        double precision NOT NULL,
    blend_log_loss         double precision NOT NULL,
    model_pseudo_r2        double precision NOT NULL,
    market_pseudo_r2       double precision NOT NULL,
    blend_pseudo_r2        double precision NOT NULL,
    model_minus_market     double precision NOT NULL,
    model_minus_market_lo  double precision NOT NULL,
    model_minus_market_hi  double precision NOT NULL,
    blend_minus_market     double precision NOT NULL,
    blend_minus_market_lo  double precision NOT NULL,
    blend_minus_market_hi  double precision NOT NULL,
    ece                    double precision NOT NULL,
    calibration            jsonb   NOT NULL,
    blend_weights          jsonb   NOT NULL,
    figures                jsonb   NOT NULL,
    train_seconds          double precision NOT NULL,
    score_seconds          double precision NOT NULL,
    PRIMARY KEY (run_id, period_no),
    CHECK (period_from <= period_to),
    CHECK (train_from <= train_to AND train_to < period_from)
);
COMMENT ON TABLE modeling.backtest_periods IS
    'One scored period of a backtest: its model (trained train_from..train_to, before the '
    'period), races with a closing price for every runner, log loss and pseudo-R^2 of the '
    'published probabilities, the closing market and a cross-fitted blend, 95 % race-bootstrap '
    'intervals of the pseudo-R^2 differences, calibration deciles and ECE of the model.';
COMMENT ON COLUMN modeling.backtest_periods.blend_weights IS
    'The two cross-fitted blend fits (alpha on the model, beta on the market): the earlier '
    'half''s weights score the later half and the other way round.';
COMMENT ON COLUMN modeling.backtest_periods.train_seconds IS
    'Wall-clock seconds of training the period''s model (score_seconds: its score_range).';
"""

DOWNGRADE = r"""
DROP TABLE modeling.backtest_periods;
DROP TABLE modeling.backtest_runs;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
