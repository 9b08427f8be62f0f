"""the fields a load set to NULL because they were unusable (the row itself was kept)

Revision ID: 0010_load_nulled
Revises: 0009_history_state
Create Date: 2026-12-01

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
"""

from alembic import op

revision = "0010_load_nulled"
down_revision = "0009_history_state"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE modeling.load_nulled (
    load_id     bigint      NOT NULL REFERENCES modeling.runs (run_id) ON DELETE CASCADE,
    file_name   text        NOT NULL CHECK (file_name <> ''),
    table_name  text        NOT NULL CHECK (table_name IN ('races', 'runners', 'odds')),
    line_no     bigint      NOT NULL CHECK (line_no >= 2),
    column_name text        NOT NULL,
    reason      text        NOT NULL CHECK (reason ~ '^[a-z_]+(:[a-z0-9_]+)?$'),
    raw_value   text        NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (load_id, line_no, column_name)
);
CREATE INDEX load_nulled_table_reason_idx
    ON modeling.load_nulled (table_name, reason, loaded_at DESC);
COMMENT ON TABLE modeling.load_nulled IS
    'Optional fields `hrdpg load` set to NULL because they did not parse or were out of range; '
    'the row was kept. Load (= modeling.runs.run_id), file, line, column, reason, the raw text.';
"""

DOWNGRADE = "DROP TABLE modeling.load_nulled;"


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
