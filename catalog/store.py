"""Catalog store (目录库) over SQLAlchemy: SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine

from analyzers.pii import find_personal_data
from catalog.records import Record

metadata = MetaData()

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
    UniqueConstraint("archive", "archive_code", name="uq_record_code"),
)


def content_hash(record: Record) -> str:
    """Stable hash of everything a record holds, to tell changed rows from unchanged ones."""
    payload = json.dumps(asdict(record), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _row_values(record: Record) -> dict:
    values = asdict(record)
    values["subjects"] = json.dumps(list(record.subjects), ensure_ascii=False)
    values["files"] = json.dumps(list(record.files), ensure_ascii=False)
    values["content_hash"] = content_hash(record)
    kinds = sorted({p.kind for p in find_personal_data(record.text)})
    values["personal_data"] = json.dumps(kinds)
    return values


_STORE_ONLY = ("pk", "content_hash", "personal_data", "decided_at", "next_review")


def _record(row) -> Record:
    data = dict(row._mapping)
    for name in _STORE_ONLY:
        data.pop(name, None)
    data["subjects"] = tuple(json.loads(data["subjects"]))
    data["files"] = tuple(json.loads(data["files"]))
    return Record(**data)


@dataclass
class UpsertResult:
    """What one upsert did: which records were added, updated or left unchanged."""

    added: list[Record]
    updated: list[Record]
    unchanged: list[Record]


class CatalogStore:
    """Records in the catalog: add or replace, read back, iterate."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url, future=True)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        # The other catalog tables register on the same metadata when imported.
        from catalog import audit, lexicon, review, users  # noqa: F401

        metadata.create_all(self.engine)

    def upsert(self, records: Iterable[Record]) -> UpsertResult:
        """Add new records and replace changed ones (by archive and 档号), in one transaction."""
        result = UpsertResult([], [], [])
        with self.engine.begin() as conn:
            for record in records:
                values = _row_values(record)
                existing = conn.execute(
                    select(records_table.c.pk, records_table.c.content_hash,
                           records_table.c.access, records_table.c.decided_at).where(
                        records_table.c.archive == record.archive,
                        records_table.c.archive_code == record.archive_code,
                    )
                ).first()
                if existing is not None and existing.decided_at and record.access != existing.access:
                    # A review decision made here outranks the status in a later import.
                    record = replace(record, access=existing.access)
                    values = _row_values(record)
                if existing is None:
                    conn.execute(records_table.insert().values(**values))
                    result.added.append(record)
                elif existing.content_hash != values["content_hash"]:
                    conn.execute(
                        records_table.update()
                        .where(records_table.c.pk == existing.pk)
                        .values(**values)
                    )
                    result.updated.append(record)
                else:
                    result.unchanged.append(record)
        return result

    def get(self, archive: str, archive_code: str) -> Record | None:
        """One record by archive and 档号, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(records_table).where(
                    records_table.c.archive == archive,
                    records_table.c.archive_code == archive_code,
                )
            ).first()
        return _record(row) if row else None

    def get_many(self, ids: Iterable[str]) -> dict[str, Record]:
        """Records by id (``archive/archive_code``); missing ids are left out."""
        wanted = [tuple(i.split("/", 1)) for i in ids if "/" in i]
        found: dict[str, Record] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 200):
                chunk = wanted[start:start + 200]
                codes = {code for _, code in chunk}
                rows = conn.execute(
                    select(records_table).where(records_table.c.archive_code.in_(codes))
                )
                for row in rows:
                    record = _record(row)
                    if (record.archive, record.archive_code) in chunk:
                        found[record.id] = record
        return found

    def iter_records(self, batch: int = 1000) -> Iterator[Record]:
        """Every record, in primary-key order, read in batches."""
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(records_table).where(records_table.c.pk > last)
                    .order_by(records_table.c.pk).limit(batch)
                ).all()
            if not rows:
                return
            for row in rows:
                yield _record(row)
            last = rows[-1].pk

    def count(self) -> int:
        """Number of records in the catalog."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(records_table)).scalar_one()

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
