"""bet ledger and risk limits

Revision ID: 0002_bets_and_risk
Revises: 0001_modeling_core
Create Date: 2026-11-23

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
"""

from alembic import op

revision = "0002_bets_and_risk"
down_revision = "0001_modeling_core"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE modeling.risk_limits (
    profile                 text        PRIMARY KEY DEFAULT 'default',
    bankroll                numeric(14, 2) NOT NULL CHECK (bankroll >= 0),
    kelly_multiplier        numeric(4, 3) NOT NULL DEFAULT 0.25
                            CHECK (kelly_multiplier > 0 AND kelly_multiplier <= 1),
    min_edge                numeric(6, 4) NOT NULL DEFAULT 0.02 CHECK (min_edge >= 0),
    max_stake_fraction      numeric(6, 4) NOT NULL DEFAULT 0.02
                            CHECK (max_stake_fraction > 0 AND max_stake_fraction <= 1),
    max_stake_per_bet       numeric(12, 2) NOT NULL CHECK (max_stake_per_bet > 0),
    max_stake_per_race      numeric(12, 2) NOT NULL CHECK (max_stake_per_race > 0),
    max_stake_per_day       numeric(12, 2) NOT NULL CHECK (max_stake_per_day > 0),
    max_bets_per_race       integer     NOT NULL DEFAULT 2 CHECK (max_bets_per_race > 0),
    max_bets_per_day        integer     NOT NULL DEFAULT 40 CHECK (max_bets_per_day > 0),
    max_pending_exposure    numeric(12, 2) NOT NULL CHECK (max_pending_exposure > 0),
    daily_loss_limit        numeric(12, 2) NOT NULL CHECK (daily_loss_limit > 0),
    bankroll_floor          numeric(14, 2) NOT NULL DEFAULT 0 CHECK (bankroll_floor >= 0),
    min_liquidity           numeric(12, 2) NOT NULL DEFAULT 0 CHECK (min_liquidity >= 0),
    halted                  boolean     NOT NULL DEFAULT false,
    halted_at               timestamptz,
    halted_reason           text,
    updated_at              timestamptz NOT NULL DEFAULT now(),
    updated_by              text        NOT NULL DEFAULT current_user,
    CHECK (max_stake_per_bet <= max_stake_per_race AND max_stake_per_race <= max_stake_per_day),
    CHECK (halted = (halted_at IS NOT NULL))
);
COMMENT ON TABLE modeling.risk_limits IS
    'Staking caps and halts per risk profile; the risk manager enforces them on every bet.';
INSERT INTO modeling.risk_limits
    (profile, bankroll, max_stake_per_bet, max_stake_per_race, max_stake_per_day,
     max_pending_exposure, daily_loss_limit, bankroll_floor)
VALUES ('default', 10000, 200, 300, 2000, 2000, 1000, 5000);

CREATE TABLE modeling.bets (
    bet_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    profile         text        NOT NULL DEFAULT 'default' REFERENCES modeling.risk_limits,
    race_id         bigint      NOT NULL,
    horse_id        bigint      NOT NULL,
    race_date       date        NOT NULL,
    model_id        bigint      NOT NULL REFERENCES modeling.models (model_id),
    signal_as_of    timestamptz NOT NULL,
    bet_type        text        NOT NULL CHECK (bet_type IN ('win', 'each_way')),
    stake           numeric(12, 2) NOT NULL CHECK (stake > 0),
    odds            double precision NOT NULL CHECK (odds > 1),
    odds_source     text        NOT NULL,
    ew_places       smallint    CHECK (ew_places BETWEEN 1 AND 6),
    ew_fraction     numeric(4, 3) CHECK (ew_fraction > 0 AND ew_fraction <= 1),
    p_win           double precision NOT NULL CHECK (p_win > 0 AND p_win < 1),
    edge            double precision NOT NULL,
    dry_run         boolean     NOT NULL DEFAULT true,
    status          text        NOT NULL DEFAULT 'proposed'
                    CHECK (status IN ('proposed', 'placed', 'rejected', 'settled', 'void')),
    reject_reason   text,
    placed_at       timestamptz NOT NULL DEFAULT now(),
    settled_at      timestamptz,
    return_amount   numeric(14, 2),
    pnl             numeric(14, 2),
    rule4_deduction numeric(4, 2) CHECK (rule4_deduction BETWEEN 0 AND 0.9),
    closing_odds    double precision CHECK (closing_odds > 1),
    clv_odds        double precision,
    clv_prob        double precision,
    CHECK (bet_type = 'win' OR (ew_places IS NOT NULL AND ew_fraction IS NOT NULL)),
    CHECK ((status = 'rejected') = (reject_reason IS NOT NULL)),
    CHECK ((status IN ('settled', 'void')) = (settled_at IS NOT NULL)),
    CHECK (status <> 'settled' OR (return_amount IS NOT NULL AND pnl IS NOT NULL))
);
CREATE INDEX bets_race_date_idx ON modeling.bets (race_date, status);
CREATE INDEX bets_race_idx ON modeling.bets (race_id, horse_id);
CREATE INDEX bets_pending_idx ON modeling.bets (profile) WHERE status IN ('proposed', 'placed');
COMMENT ON TABLE modeling.bets IS
    'Bet ledger (dry-run by default): proposals, rejections with reasons, settlement, P&L, CLV.';
"""

DOWNGRADE = """
DROP TABLE modeling.bets;
DROP TABLE modeling.risk_limits;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
