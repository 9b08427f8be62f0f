"""Rejects and nulled fields name the original file and line a converted row came from.

Revision ID: 0011_load_source_lines
Revises: 0010_load_nulled
Create Date: 2026-12-01

Frozen history: this revision carries the SQL it needs as it was written and never reads sql/.
A converter (Betfair ANZ, HKJC) loads a contract file it wrote itself; line_no stays that
file's line (unique per load), source_file/source_line point at the line a person opens.
"""

from alembic import op

revision = "0011_load_source_lines"
down_revision = "0010_load_nulled"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE modeling.load_rejects
    ADD COLUMN source_file text CHECK (source_file <> ''),
    ADD COLUMN source_line bigint CHECK (source_line >= 1),
    ADD CONSTRAINT load_rejects_source_both CHECK ((source_file IS NULL) = (source_line IS NULL));
ALTER TABLE modeling.load_nulled
    ADD COLUMN source_file text CHECK (source_file <> ''),
    ADD COLUMN source_line bigint CHECK (source_line >= 1),
    ADD CONSTRAINT load_nulled_source_both CHECK ((source_file IS NULL) = (source_line IS NULL));
COMMENT ON COLUMN modeling.load_rejects.source_file IS
    'Original file the rejected row was converted from (NULL: the loaded file is the original).';
COMMENT ON COLUMN modeling.load_rejects.source_line IS
    'Line of source_file the rejected row was converted from.';
COMMENT ON COLUMN modeling.load_nulled.source_file IS
    'Original file the row was converted from (NULL: the loaded file is the original).';
COMMENT ON COLUMN modeling.load_nulled.source_line IS
    'Line of source_file the row was converted from.';
"""

DOWNGRADE = r"""
ALTER TABLE modeling.load_rejects DROP COLUMN source_file, DROP COLUMN source_line;
ALTER TABLE modeling.load_nulled DROP COLUMN source_file, DROP COLUMN source_line;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
