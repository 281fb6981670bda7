"""The catalog of release 0.1; catalogs made before versioned migrations are brought to it.

A catalog made before migrations existed has some or all of these tables already (they
were created on open, and later columns of ``records`` added by hand), so each table is
created only when missing and the records' later columns are added when missing. A new
catalog gets them all.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def later_record_columns() -> list[sa.Column]:
    """Columns of ``records`` that catalogs made by early 0.x builds may lack."""
    return [
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("row_hash", sa.String(length=64), nullable=True),
        sa.Column("source_hash", sa.String(length=64), nullable=True),
        sa.Column("indexed_hash", sa.String(length=64), nullable=True),
        sa.Column("entities", sa.Text(), nullable=True),
    ]


AUDIT_GUARDS = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
        "DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log",
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
        "DROP TRIGGER IF EXISTS audit_log_no_delete ON audit_log",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    ],
}


def upgrade() -> None:
    """Create what is missing of the 0.1 catalog."""
    have = set(sa.inspect(op.get_bind()).get_table_names())

    def create(name: str, *columns, indexes=()) -> None:
        if name in have:
            return
        op.create_table(name, *columns)
        for index_name, index_columns, unique in indexes:
            op.create_index(index_name, name, index_columns, unique=unique)

    create(
        "records",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("archive", sa.String(length=64), nullable=False),
        sa.Column("archive_code", sa.String(length=128), nullable=False),
        sa.Column("fonds", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("creator", sa.Text(), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("classification", sa.String(length=16), nullable=False),
        sa.Column("retention", sa.String(length=16), nullable=False),
        sa.Column("access", sa.String(length=16), nullable=False),
        sa.Column("subjects", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("personal_data", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.String(length=32), nullable=True),
        sa.Column("next_review", sa.String(length=10), nullable=True),
        *later_record_columns(),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("archive", "archive_code", name="uq_record_code"),
    )
    if "records" in have:
        present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("records")}
        for column in later_record_columns():
            if column.name not in present:
                op.add_column("records", column)

    create(
        "pages",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("record_pk", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("personal_data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("record_pk", "number", name="uq_page_number"),
    )
    create(
        "ingest_files",
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("archive", sa.String(length=64), nullable=True),
        sa.Column("archive_code", sa.String(length=128), nullable=True),
        sa.Column("attach", sa.String(length=8), nullable=True),
        sa.Column("start", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("needs_ocr", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("path"),
        indexes=[("ix_ingest_files_record", ["archive", "archive_code"], False)],
    )
    create(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archive", sa.String(length=64), nullable=False),
        sa.Column("archive_code", sa.String(length=128), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("from_access", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("unit_opinion", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("next_review", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        indexes=[("ix_decisions_archive_code", ["archive_code"], False)],
    )
    create(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    for statement in AUDIT_GUARDS.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    create(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    create(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("archives", sa.Text(), nullable=False),
        sa.Column("clearance", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    create(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    create(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        indexes=[("ix_login_attempts_key", ["key"], False)],
    )
    create(
        "lexicon",
        sa.Column("word", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("word"),
    )
    create(
        "maintenance",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=255), nullable=True),
        sa.Column("since", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
