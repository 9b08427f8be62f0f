"""signals.alias: challenger signals kept apart from production, index for latest_signals

Revision ID: 0005_signals_alias
Revises: 0004_feature_store
Create Date: 2026-11-24

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
"""

from alembic import op

revision = "0005_signals_alias"
down_revision = "0004_feature_store"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE modeling.signals
    ADD COLUMN alias text NOT NULL DEFAULT 'production'
        CHECK (alias ~ '^[a-z][a-z0-9_]{0,30}$');
COMMENT ON COLUMN modeling.signals.alias IS
    'Alias the model was scored under: production is served, other aliases are challengers.';
-- latest_signals: equality on alias and race_date, then the newest as_of per (race, model).
CREATE INDEX signals_alias_latest_idx
    ON modeling.signals (alias, race_date, race_id, model_id, as_of DESC);
"""

DOWNGRADE = """
DROP INDEX modeling.signals_alias_latest_idx;
ALTER TABLE modeling.signals DROP COLUMN alias;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
