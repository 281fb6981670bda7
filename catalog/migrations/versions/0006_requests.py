"""Requests to consult records (查档申请): the request, the records it names, its timeline of
events (received, replies, answered, declined, forwarded) and the files staff attach (档案证明
scans, kept in the catalog so every node of a multi-node installation serves them); the
outbox gains a channel (email; sms reserved) and an address for recipients without an account.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``requests``, ``request_records``, ``request_events`` and ``request_files``; add
    ``outbox.channel`` and ``outbox.address`` and let ``outbox.user_id`` be empty."""
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(length=32), nullable=False, unique=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("archive", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("due_on", sa.String(length=10), nullable=False),
        sa.Column("closed_at", sa.String(length=32), nullable=True),
        sa.Column("purged_at", sa.String(length=32), nullable=True),
    )
    op.create_index("ix_requests_archive", "requests", ["archive"])
    op.create_index("ix_requests_status", "requests", ["status"])
    op.create_index("ix_requests_created_at", "requests", ["created_at"])
    op.create_table(
        "request_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("archive", sa.String(length=64), nullable=False),
        sa.Column("archive_code", sa.String(length=128), nullable=False),
    )
    op.create_index("ix_request_records_request_id", "request_records", ["request_id"])
    op.create_table(
        "request_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("archive", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
    )
    op.create_index("ix_request_events_request_id", "request_events", ["request_id"])
    op.create_table(
        "request_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_request_files_request_id", "request_files", ["request_id"])
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("channel", sa.String(length=16), nullable=False, server_default="email"))
        batch.add_column(sa.Column("address", sa.String(length=254), nullable=True))


def downgrade() -> None:
    """Drop the request tables and the outbox's channel and address."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("address")
        batch.drop_column("channel")
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
    for table in ("request_files", "request_events", "request_records", "requests"):
        op.drop_table(table)
