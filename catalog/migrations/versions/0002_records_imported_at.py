"""Records remember when ingest first stored them (``imported_at``), so a record imported as
controlled (控制) without a decision comes due ``controlled_review_days`` later. Records of
older catalogs keep it empty: their import date is unknown, so they come due at once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``records.imported_at``."""
    op.add_column("records", sa.Column("imported_at", sa.String(length=32), nullable=True))
