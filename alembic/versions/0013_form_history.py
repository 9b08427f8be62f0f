"""form from real racing data: each run's early position, finishing speed, declared rating and
body weight and the gap since the previous run in the run history, the horse's recent pace
averages after the run, and the history features they feed

Revision ID: 0013_form_history
Revises: 0012_dq_content
Create Date: 2026-12-01

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
Runs already in modeling.run_history get NULL values (the source views are reloaded after the
revisions run, so it cannot read them): `hrdpg features rebuild` re-derives them.
"""

from alembic import op

revision = "0013_form_history"
down_revision = "0012_dq_content"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE modeling.run_history
    ADD COLUMN early_pos double precision CHECK (early_pos BETWEEN 0 AND 1),
    ADD COLUMN finish_rel double precision CHECK (finish_rel BETWEEN -3 AND 3),
    ADD COLUMN early_avg5_after double precision CHECK (early_avg5_after BETWEEN 0 AND 1),
    ADD COLUMN finish_rel_avg3_after double precision
        CHECK (finish_rel_avg3_after BETWEEN -3 AND 3),
    ADD COLUMN official_rating smallint,
    ADD COLUMN body_weight_kg double precision CHECK (body_weight_kg > 0),
    ADD COLUMN gap_days double precision CHECK (gap_days >= 0);
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
COMMENT ON COLUMN modeling.run_history.official_rating IS
    'Official rating the horse ran off (declared before the run).';
COMMENT ON COLUMN modeling.run_history.body_weight_kg IS
    'Declared body weight before the run (kg); NULL where the source has none.';
COMMENT ON COLUMN modeling.run_history.gap_days IS
    'Days since the horse''s previous completed run; NULL for its first.';

ALTER TABLE modeling.feature_store
    ADD COLUMN h_early_pos_avg5 double precision CHECK (h_early_pos_avg5 BETWEEN 0 AND 1),
    ADD COLUMN h_finish_rel_avg3 double precision
        CHECK (h_finish_rel_avg3 BETWEEN -3 AND 3),
    ADD COLUMN h_rating_change double precision,
    ADD COLUMN h_body_weight_change double precision,
    ADD COLUMN h_gap_before_last double precision CHECK (h_gap_before_last >= 0);
"""

DOWNGRADE = """
ALTER TABLE modeling.feature_store
    DROP COLUMN h_early_pos_avg5, DROP COLUMN h_finish_rel_avg3, DROP COLUMN h_rating_change,
    DROP COLUMN h_body_weight_change, DROP COLUMN h_gap_before_last;
ALTER TABLE modeling.run_history
    DROP COLUMN early_pos, DROP COLUMN finish_rel, DROP COLUMN early_avg5_after,
    DROP COLUMN finish_rel_avg3_after, DROP COLUMN official_rating, DROP COLUMN body_weight_kg,
    DROP COLUMN gap_days;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
