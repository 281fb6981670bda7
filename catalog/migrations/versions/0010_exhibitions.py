"""Online exhibitions (网上展览, 微展览): exhibitions, their sections and items, and the
``curator`` permission of an account.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``exhibitions``, ``exhibition_sections``, ``exhibition_items``; add
    ``users.curator``."""
    op.create_table(
        "exhibitions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(length=64), nullable=False, unique=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("cover_name", sa.String(length=128), nullable=True),
        sa.Column("cover_type", sa.String(length=32), nullable=True),
        sa.Column("cover_data", sa.LargeBinary(), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.String(length=32), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
    )
    op.create_table(
        "exhibition_sections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("exhibition_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_exhibition_sections_exhibition_id", "exhibition_sections", ["exhibition_id"])
    op.create_table(
        "exhibition_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archive", sa.String(length=64), nullable=False),
        sa.Column("archive_code", sa.String(length=128), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("crop", sa.String(length=64), nullable=True),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("commentary", sa.Text(), nullable=False),
    )
    op.create_index("ix_exhibition_items_section_id", "exhibition_items", ["section_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("curator", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    """Drop the exhibition tables and ``users.curator``."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("curator")
    op.drop_table("exhibition_items")
    op.drop_table("exhibition_sections")
    op.drop_table("exhibitions")
