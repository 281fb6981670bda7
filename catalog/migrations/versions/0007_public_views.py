"""The public view's history (公开状态变更): when each record's public view last changed, and
whether it is still public, so OAI-PMH harvesters get datestamps and persistent deletions.

Records public at migration time get their decision time (or import time) as datestamp.
Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _stamp(value: str | None, fallback: str) -> str:
    """An ISO time as a UTC datestamp to the second (``1950-03-01T08:00:00Z``)."""
    if not value:
        return fallback
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return fallback
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def upgrade() -> None:
    """Create ``public_views`` and stamp every record public now."""
    table = op.create_table(
        "public_views",
        sa.Column("archive", sa.String(length=64), primary_key=True),
        sa.Column("archive_code", sa.String(length=128), primary_key=True),
        sa.Column("fonds", sa.String(length=64), nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=False),
        sa.Column("datestamp", sa.String(length=20), nullable=False),
        sa.Column("visibility", sa.String(length=8), nullable=False),
        sa.Column("shown_hash", sa.String(length=64), nullable=True),
    )
    op.create_index("ix_public_views_datestamp", "public_views", ["datestamp", "archive", "archive_code"])
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT archive, archive_code, fonds, record_type, access, decided_at, "
            "imported_at FROM records WHERE classification = 'none' "
            "AND access IN ('open', 'catalog_only')"
        )
    )
    batch = []
    for row in rows:
        batch.append(
            {
                "archive": row.archive,
                "archive_code": row.archive_code,
                "fonds": row.fonds,
                "record_type": row.record_type,
                "datestamp": _stamp(row.decided_at or row.imported_at, now),
                "visibility": "full" if row.access == "open" else "catalog",
                # unknown until the record is next written (then it is stamped once more)
                "shown_hash": None,
            }
        )
    if batch:
        op.bulk_insert(table, batch)


def downgrade() -> None:
    """Drop ``public_views``."""
    op.drop_index("ix_public_views_datestamp", table_name="public_views")
    op.drop_table("public_views")
