"""The scans named by hOCR and ALTO files (版面文件的图像): ingest keeps their state as files of
kind ``image``, with the layout file that named them (``ingest_files.named_by``), so a page
read from a layout file has its scan as its page image. Files stored before have none (NULL).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``ingest_files.named_by``."""
    with op.batch_alter_table("ingest_files") as batch:
        batch.add_column(sa.Column("named_by", sa.String(1024), nullable=True))


def downgrade() -> None:
    """Drop ``ingest_files.named_by``."""
    with op.batch_alter_table("ingest_files") as batch:
        batch.drop_column("named_by")
