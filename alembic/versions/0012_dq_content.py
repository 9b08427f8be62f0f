"""stakes withheld by the content checks; the significance test of the monitoring status

Revision ID: 0012_dq_content
Revises: 0011_load_source_lines
Create Date: 2026-12-01

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
"""

from alembic import op

revision = "0012_dq_content"
down_revision = "0011_load_source_lines"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE modeling.signals
    ADD COLUMN stake_withheld text[] CHECK (cardinality(stake_withheld) > 0);
COMMENT ON COLUMN modeling.signals.stake_withheld IS
    'The DQ checks (dq_results.check_name) that withheld this race''s edges and stakes while '
    'its probabilities were published; NULL when none did.';

ALTER TABLE modeling.monitoring_daily
    ADD COLUMN window_days integer CHECK (window_days >= 1),
    ADD COLUMN window_races integer CHECK (window_races >= 0),
    ADD COLUMN window_brier double precision,
    ADD COLUMN brier_z double precision;
COMMENT ON COLUMN modeling.monitoring_daily.brier_z IS
    'z of the window''s Brier above the baseline (standard error from the spread of its '
    'races): the status goes warning / critical only when it is significant.';
COMMENT ON COLUMN modeling.monitoring_daily.window_brier IS
    'Brier over the races of the window_days days ending on day (window_races of them).';
"""

DOWNGRADE = r"""
ALTER TABLE modeling.monitoring_daily
    DROP COLUMN brier_z, DROP COLUMN window_brier, DROP COLUMN window_races,
    DROP COLUMN window_days;
ALTER TABLE modeling.signals DROP COLUMN stake_withheld;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
