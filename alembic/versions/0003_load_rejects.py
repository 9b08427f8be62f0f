"""load rejects: rows the bulk loader refused, with the reason and the raw fields

Revision ID: 0003_load_rejects
Revises: 0002_bets_and_risk
Create Date: 2026-11-23

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
"""

from alembic import op

revision = "0003_load_rejects"
down_revision = "0002_bets_and_risk"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE modeling.load_rejects (
    reject_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    load_id     bigint      NOT NULL REFERENCES modeling.runs (run_id) ON DELETE CASCADE,
    file_name   text        NOT NULL CHECK (file_name <> ''),
    table_name  text        NOT NULL CHECK (table_name IN ('races', 'runners', 'odds')),
    line_no     bigint      NOT NULL CHECK (line_no >= 2),
    reason      text        NOT NULL CHECK (reason ~ '^[a-z_]+(:[a-z0-9_]+)?$'),
    raw         jsonb       NOT NULL CHECK (jsonb_typeof(raw) = 'object'),
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (load_id, line_no)
);
CREATE INDEX load_rejects_table_reason_idx
    ON modeling.load_rejects (table_name, reason, loaded_at DESC);
COMMENT ON TABLE modeling.load_rejects IS
    'Rows `hrdpg load` refused: load (= modeling.runs.run_id), file, line, reason, raw fields.';
"""

DOWNGRADE = "DROP TABLE modeling.load_rejects;"


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
