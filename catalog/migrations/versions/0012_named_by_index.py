"""An index on ``ingest_files.named_by``: ingest forgets the scans a layout file named by
that column for every batch it writes, and without the index each batch scanned the whole
table, so ingest slowed down in proportion to the files already stored.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``ix_ingest_files_named_by``."""
    op.create_index("ix_ingest_files_named_by", "ingest_files", ["named_by"])


def downgrade() -> None:
    """Drop ``ix_ingest_files_named_by``."""
    op.drop_index("ix_ingest_files_named_by", table_name="ingest_files")
