"""Access grants (查阅许可): a researcher may read the full text of named records until a
date, personal data masked unless the grant says otherwise and why.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``access_grants``."""
    op.create_table(
        "access_grants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("archive", sa.String(length=64), nullable=False),
        sa.Column("archive_code", sa.String(length=128), nullable=False),
        sa.Column("until", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("unmask_personal", sa.Boolean(), nullable=False),
        sa.Column("personal_reason", sa.Text(), nullable=True),
        sa.Column("granted_by", sa.String(length=64), nullable=False),
        sa.Column("granted_at", sa.String(length=32), nullable=False),
        sa.Column("request_reference", sa.String(length=64), nullable=True),
        sa.Column("revoked_at", sa.String(length=32), nullable=True),
        sa.Column("revoked_by", sa.String(length=64), nullable=True),
    )
    op.create_index("ix_access_grants_user_id", "access_grants", ["user_id"])


def downgrade() -> None:
    """Drop ``access_grants``."""
    op.drop_index("ix_access_grants_user_id", table_name="access_grants")
    op.drop_table("access_grants")
