"""bet ledger: idempotency keys, machine-readable rejections, closing-line source

Revision ID: 0007_bets_ledger
Revises: 0006_schedule
Create Date: 2026-11-23

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
"""

from alembic import op

revision = "0007_bets_ledger"
down_revision = "0006_schedule"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE modeling.bets
    ADD COLUMN reject_details jsonb,
    ADD COLUMN closing_source text,
    ADD CONSTRAINT bets_reject_details_only_rejected
        CHECK (reject_details IS NULL OR status = 'rejected');
COMMENT ON COLUMN modeling.bets.reject_reason IS
    'Risk-manager rule that rejected the bet (halted, daily_loss_limit, liquidity, '
    'max_bets_per_race, max_stake_per_race, max_bets_per_day, '
    'max_stake_per_day, max_pending_exposure); the figures are in reject_details.';
COMMENT ON COLUMN modeling.bets.reject_details IS
    'The figures behind a rejection: the limit, the usage before this bet, the stake.';
COMMENT ON COLUMN modeling.bets.stake IS
    'Total outlay; an each-way bet puts half on the win and half on the place part.';
COMMENT ON COLUMN modeling.bets.closing_source IS
    'Where closing_odds came from: the odds source of the bet (its last price before the '
    'off) or ''SP'' when that source has no pre-off price.';
COMMENT ON COLUMN modeling.bets.rule4_deduction IS
    'Rule 4 deduction (pence in the pound, capped at 0.75) from the winnings of this bet: '
    'the sum over late withdrawals after signal_as_of of their rule4_deduction.';
-- One live bet per runner and profile, whatever re-runs or re-scores happen.
CREATE UNIQUE INDEX bets_one_per_runner_idx
    ON modeling.bets (profile, race_id, horse_id) WHERE status <> 'rejected';
-- A re-run that meets the same signal and the same rule records no second rejection.
CREATE UNIQUE INDEX bets_rejection_once_idx
    ON modeling.bets (profile, race_id, horse_id, model_id, signal_as_of, reject_reason)
    WHERE status = 'rejected';
"""

DOWNGRADE = """
DROP INDEX modeling.bets_rejection_once_idx;
DROP INDEX modeling.bets_one_per_runner_idx;
ALTER TABLE modeling.bets DROP CONSTRAINT bets_reject_details_only_rejected,
    DROP COLUMN closing_source, DROP COLUMN reject_details;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
