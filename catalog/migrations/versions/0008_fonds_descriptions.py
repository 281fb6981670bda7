"""Fonds descriptions (全宗介绍): a name, dates and a description per fonds of an archive,
shown on the fonds browse page.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``fonds_descriptions``."""
    op.create_table(
        "fonds_descriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("archive", sa.String(length=64), nullable=False),
        sa.Column("fonds", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("years", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.UniqueConstraint("archive", "fonds", name="uq_fonds"),
    )


def downgrade() -> None:
    """Drop ``fonds_descriptions``."""
    op.drop_table("fonds_descriptions")
