"""pace and running style: each run's early position and finishing speed in the run history,
the horse's recent averages after the run, and the two history features they feed

Revision ID: 0013_pace_history
Revises: 0012_dq_content
Create Date: 2026-12-01

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
Runs already in modeling.run_history get NULL pace (the source views are reloaded after the
revisions run, so it cannot read them): `hrdpg features rebuild` re-derives them.
"""

from alembic import op

revision = "0013_pace_history"
down_revision = "0012_dq_content"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE modeling.run_history
    ADD COLUMN early_pos double precision CHECK (early_pos BETWEEN 0 AND 1),
    ADD COLUMN finish_rel double precision CHECK (finish_rel BETWEEN -3 AND 3),
    ADD COLUMN early_avg5_after double precision CHECK (early_avg5_after BETWEEN 0 AND 1),
    ADD COLUMN finish_rel_avg3_after double precision
        CHECK (finish_rel_avg3_after BETWEEN -3 AND 3);
COMMENT ON COLUMN modeling.run_history.early_pos IS
    'Position at the first call, (position - 1) / (field - 1): 0 = led early. NULL without '
    'running positions.';
COMMENT ON COLUMN modeling.run_history.finish_rel IS
    'Own last sectional time minus the race''s median last sectional (seconds; negative = '
    'finished faster than the field), capped at 3 s either way. NULL without a complete set of '
    'sectionals.';
COMMENT ON COLUMN modeling.run_history.early_avg5_after IS
    'Mean early_pos over the horse''s last five runs, this one included (NULLs skipped).';
COMMENT ON COLUMN modeling.run_history.finish_rel_avg3_after IS
    'Mean finish_rel over the horse''s last three runs, this one included (NULLs skipped).';

ALTER TABLE modeling.feature_store
    ADD COLUMN h_early_pos_avg5 double precision CHECK (h_early_pos_avg5 BETWEEN 0 AND 1),
    ADD COLUMN h_finish_rel_avg3 double precision
        CHECK (h_finish_rel_avg3 BETWEEN -3 AND 3);
"""

DOWNGRADE = """
ALTER TABLE modeling.feature_store
    DROP COLUMN h_early_pos_avg5, DROP COLUMN h_finish_rel_avg3;
ALTER TABLE modeling.run_history
    DROP COLUMN early_pos, DROP COLUMN finish_rel, DROP COLUMN early_avg5_after,
    DROP COLUMN finish_rel_avg3_after;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
