"""An e-mail address for accounts (电子邮箱), where the digest of new hits of a researcher's
saved searches goes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``users.email`` (empty: no digest)."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    """Drop ``users.email``."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
