"""The catalog's tables (目录库表), all in one place: records, pages and files, review
decisions, the audit log, users and tokens, the lexicon and maintenance locks.

Every table registers on :data:`metadata`, which the migrations (``catalog/migrations``)
are checked against; a table or column is added here and in a new migration revision.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()
#: Rows a streamed read (a server-side cursor on PostgreSQL) fetches at a time.
STREAMED = 1000

records_table = Table(
    "records",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("archive", String(64), nullable=False),
    Column("archive_code", String(128), nullable=False),
    Column("fonds", String(64), nullable=False, default=""),
    Column("title", Text, nullable=False),
    Column("creator", Text, nullable=False, default=""),
    Column("date", String(10), nullable=False, default=""),
    Column("record_type", String(32), nullable=False, default=""),
    Column("category", String(32), nullable=False, default=""),
    Column("classification", String(16), nullable=False, default="none"),
    Column("retention", String(16), nullable=False, default=""),
    Column("access", String(16), nullable=False, default="unreviewed"),
    Column("subjects", Text, nullable=False, default="[]"),
    Column("description", Text, nullable=False, default=""),
    Column("text", Text, nullable=False, default=""),
    Column("files", Text, nullable=False, default="[]"),
    Column("content_hash", String(64), nullable=False),
    # Kinds of personal data found in the text, e.g. ["mobile"]; flags the review queue.
    Column("personal_data", Text, nullable=False, default="[]"),
    # Set once a review decision was made in Lantai: later imports keep its status.
    Column("decided_at", String(32), nullable=True),
    Column("next_review", String(10), nullable=True),
    # Where ingest read it: the catalog file of its row ("" for a record made from files alone).
    Column("source", Text, nullable=True),
    # Hash of its own catalog fields (the row), and of everything it was built from (row + files).
    Column("row_hash", String(64), nullable=True),
    Column("source_hash", String(64), nullable=True),
    # content_hash of the version last written to the search index (None: never indexed).
    Column("indexed_hash", String(64), nullable=True),
    # Entity names found by ingest: {"catalog": {"person": [...], ...}, "text": {...}}.
    Column("entities", Text, nullable=True),
    # When ingest first stored it (UTC, ISO): a record imported as controlled comes due then.
    Column(
        "imported_at",
        String(32),
        nullable=True,
        default=lambda: datetime.now(UTC).isoformat(timespec="seconds"),
    ),
    UniqueConstraint("archive", "archive_code", name="uq_record_code"),
)

audit_table = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# One row: the head of the chain. Updating it first serializes concurrent appends.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

lexicon_table = Table(
    "lexicon",
    metadata,
    Column("word", String(64), primary_key=True),
    Column("source", String(16), nullable=False),
)

maintenance_table = Table(
    "maintenance",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(255), nullable=True),  # "host:pid (what)" while held
    Column("since", String(32), nullable=True),
)

pages_table = Table(
    "pages",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("record_pk", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("search_text", Text, nullable=False, default=""),
    Column("quality", Float, nullable=False, default=1.0),
    Column("confidence", Float, nullable=True),
    Column("method", String(8), nullable=False, default="text"),
    Column("source", Text, nullable=False, default=""),
    Column("personal_data", Text, nullable=False, default="[]"),
    Column("boxes", Text, nullable=True),  # word boxes: analyzers.page_boxes.layout_json
    UniqueConstraint("record_pk", "number", name="uq_page_number"),
)

files_table = Table(
    "ingest_files",
    metadata,
    Column("path", String(1024), primary_key=True),
    Column("kind", String(8), nullable=False),  # catalog, page, or image (a layout file's scan)
    Column("size", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False, default=""),
    Column("archive", String(64), nullable=True),
    Column("archive_code", String(128), nullable=True),
    Column("attach", String(8), nullable=True),  # listed (by a catalog row) or named (by 档号)
    Column("start", Integer, nullable=True),
    Column("pages", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False, default="ok"),  # ok, failed, needs_ocr
    Column("reason", Text, nullable=False, default=""),
    Column("needs_ocr", Integer, nullable=False, default=0),  # pages still without text
    Column("named_by", String(1024), nullable=True),  # image: the hOCR/ALTO file naming it
)

Index("ix_ingest_files_record", files_table.c.archive, files_table.c.archive_code)
Index("ix_ingest_files_named_by", files_table.c.named_by)  # the scans a layout file named
decisions_table = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("archive", String(64), nullable=False),
    Column("archive_code", String(128), nullable=False, index=True),
    Column("decision", String(16), nullable=False),
    Column("from_access", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("unit_opinion", Text, nullable=False, default=""),
    Column("by", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Column("next_review", String(10), nullable=True),
)

users_table = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("archives", Text, nullable=False, default="[]"),
    Column("clearance", Boolean, nullable=False, default=False),
    Column("password_hash", Text, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", String(32), nullable=False),
    Column("email", String(254), nullable=True),  # where digests go; none: no digest
    # May author online exhibitions (网上展览); admins may whatever this says.
    Column("curator", Boolean, nullable=False, default=False, server_default=false()),
)

tokens_table = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(32), nullable=False),
)

attempts_table = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), nullable=False, index=True),
    Column("at", Float, nullable=False),
)

# A researcher's workspace (研究工作台): saved searches, topic folders (专题) and their items.
saved_searches_table = Table(
    "saved_searches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("query", Text, nullable=False, default=""),
    Column("filters", Text, nullable=False, default="{}"),  # JSON: archive, type, year_from, ...
    Column("created_at", String(32), nullable=False),
    Column("seen_at", String(32), nullable=False),
    # JSON list of the record ids among its results when last marked seen (capped).
    Column("seen_ids", Text, nullable=False, default="[]"),
)

folders_table = Table(
    "folders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", String(32), nullable=False),
    # A read-only share link (分享链接): its random token, and whether it shows the notes.
    Column("share_token", String(64), nullable=True, unique=True),
    Column("share_notes", Boolean, nullable=False, default=False),
)

folder_items_table = Table(
    "folder_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("folder_id", Integer, nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("archive", String(64), nullable=False),
    Column("archive_code", String(128), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("pages", Text, nullable=False, default="[]"),  # JSON list of page numbers
    Column("excerpt", Text, nullable=False, default=""),
    Column("added_at", String(32), nullable=False),
)

# Messages waiting to be sent (e-mail digests of new hits of saved searches).
outbox_table = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, nullable=True, index=True),  # empty: a recipient without an account
    Column("kind", String(32), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("sent_at", String(32), nullable=True),
    Column("channel", String(16), nullable=False, server_default="email"),  # email; sms reserved
    Column("address", String(254), nullable=True),  # the recipient's address when not a user's
)

# Requests to consult records (查档申请), their records, their timeline and attachments.
requests_table = Table(
    "requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(32), nullable=False, unique=True),
    Column("code_hash", String(64), nullable=False),
    Column("archive", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("source", String(16), nullable=False),
    Column("delivery", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("contact", Text, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("user_id", Integer, nullable=True),
    Column("entered_by", String(64), nullable=True),
    Column("created_at", String(32), nullable=False, index=True),
    Column("due_on", String(10), nullable=False),
    Column("closed_at", String(32), nullable=True),
    Column("purged_at", String(32), nullable=True),
)
request_records_table = Table(
    "request_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, nullable=False, index=True),
    Column("archive", String(64), nullable=False),
    Column("archive_code", String(128), nullable=False),
)
request_events_table = Table(
    "request_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, nullable=False, index=True),
    Column("at", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("archive", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("rule", Text, nullable=False),
)
request_files_table = Table(
    "request_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, nullable=False, index=True),
    Column("event_id", Integer, nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(128), nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# Access grants (查阅许可): a researcher may read the full text of named records until a date
# (the one per-user exception the access policy knows; see catalog/grants.py).
grants_table = Table(
    "access_grants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("archive", String(64), nullable=False),
    Column("archive_code", String(128), nullable=False),
    Column("until", String(10), nullable=False),  # ISO date, the last day it holds
    Column("reason", Text, nullable=False),
    Column("unmask_personal", Boolean, nullable=False, default=False),
    Column("personal_reason", Text, nullable=True),  # why personal data is shown (required then)
    Column("granted_by", String(64), nullable=False),
    Column("granted_at", String(32), nullable=False),
    Column("request_reference", String(64), nullable=True),  # the 查档申请 it answers, if any
    Column("revoked_at", String(32), nullable=True),
    Column("revoked_by", String(64), nullable=True),
)

# The public view's history (公开状态变更), one row per record that was ever public: when its
# public view last changed (a UTC datestamp to the second, what OAI-PMH harvesters ask by) and
# what it is now ("full", "catalog", or "none": no longer public, reported as deleted for good).
# Its fonds (全宗号) and type (类别) stay as they were last public, for the sets of a deletion.
public_views_table = Table(
    "public_views",
    metadata,
    Column("archive", String(64), primary_key=True),
    Column("archive_code", String(128), primary_key=True),
    Column("fonds", String(64), nullable=False, default=""),
    Column("record_type", String(32), nullable=False, default=""),
    Column("datestamp", String(20), nullable=False),
    Column("visibility", String(8), nullable=False),
    # A hash of what the public was last shown of it (None: not known, e.g. since a migration).
    Column("shown_hash", String(64), nullable=True),
    Index("ix_public_views_datestamp", "datestamp", "archive", "archive_code"),
)

# Fonds descriptions (全宗介绍): what a fonds is, shown on its browse page (see catalog/fonds.py).
fonds_table = Table(
    "fonds_descriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("archive", String(64), nullable=False),
    Column("fonds", String(64), nullable=False),
    Column("name", Text, nullable=False),  # 全宗名称
    Column("description", Text, nullable=False, default=""),  # 全宗介绍
    Column("years", String(32), nullable=False, default=""),  # 起止年代, e.g. 1949-1966
    Column("updated_at", String(32), nullable=False),
    UniqueConstraint("archive", "fonds", name="uq_fonds"),
)

# Online exhibitions (网上展览, 微展览): curated pages of records with commentary (解读), see
# catalog/exhibitions.py. An item names its record by archive and 档号; whether the public sees
# it is decided when the page is shown, never stored here.
exhibitions_table = Table(
    "exhibitions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("title_en", Text, nullable=False, default=""),
    Column("intro", Text, nullable=False, default=""),  # Markdown
    Column("cover_name", String(128), nullable=True),  # the cover image's file name
    Column("cover_type", String(32), nullable=True),  # its media type
    Column("cover_data", LargeBinary, nullable=True),
    Column("published", Boolean, nullable=False, default=False),
    Column("published_at", String(32), nullable=True),
    Column("created_by", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
)

exhibition_sections_table = Table(
    "exhibition_sections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("exhibition_id", Integer, nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("title_en", Text, nullable=False, default=""),
    Column("text", Text, nullable=False, default=""),  # Markdown
)

exhibition_items_table = Table(
    "exhibition_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("section_id", Integer, nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("archive", String(64), nullable=False),
    Column("archive_code", String(128), nullable=False),
    Column("page", Integer, nullable=True),  # the page shown (页), none: the record alone
    Column("crop", String(64), nullable=True),  # "x,y,w,h" as fractions of the page image
    Column("caption", Text, nullable=False, default=""),
    Column("commentary", Text, nullable=False, default=""),  # 解读, Markdown
)
