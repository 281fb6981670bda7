"""Word boxes of pages (版面坐标): the layout of an OCR'd or hOCR/ALTO page, for drawing a
query's matches over the page image. Pages stored before have none (NULL).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``pages.boxes``."""
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("boxes", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop ``pages.boxes``."""
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("boxes")
