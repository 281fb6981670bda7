"""Catalog store (目录库) over SQLAlchemy: SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from sqlalchemy import (
    bindparam,
    create_engine,
    delete,
    event,
    func,
    or_,
    select,
)
from sqlalchemy.engine import Engine

from catalog import public_views
from catalog.key_lookup import by_keys
from catalog.queries import CatalogQueries
from catalog.record_rows import index_item, record_from_row, row_values
from catalog.record_writes import RecordWrite, WriteOutcome, write_records
from catalog.records import Record
from catalog.schema import STREAMED, records_table

__all__ = ["CatalogStore", "RecordWrite", "UpsertResult", "WriteOutcome"]


@dataclass
class UpsertResult:
    """What one upsert did: which records were added, updated or left unchanged."""

    added: list[Record]
    updated: list[Record]
    unchanged: list[Record]


class CatalogStore(CatalogQueries):
    """Records in the catalog: add or replace, read back, iterate; what the app and search
    layers ask of the catalog besides is inherited from :class:`catalog.queries.CatalogQueries`."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url, future=True)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        from catalog.migrate import upgrade

        try:
            upgrade(self.engine)
        except Exception:
            self.engine.dispose()
            raise

    def upsert(self, records: Iterable[Record]) -> UpsertResult:
        """Add new records and replace changed ones (by archive and 档号), in one transaction."""
        result = UpsertResult([], [], [])
        with self.engine.begin() as conn:
            for record in records:
                values = row_values(record)
                existing = conn.execute(
                    select(
                        records_table.c.pk,
                        records_table.c.content_hash,
                        records_table.c.access,
                        records_table.c.decided_at,
                    ).where(
                        records_table.c.archive == record.archive,
                        records_table.c.archive_code == record.archive_code,
                    )
                ).first()
                if existing is not None and existing.decided_at and record.access != existing.access:
                    # A review decision made here outranks the status in a later import.
                    record = replace(record, access=existing.access)
                    values = row_values(record)
                if existing is None:
                    conn.execute(records_table.insert().values(**values))
                    result.added.append(record)
                elif existing.content_hash != values["content_hash"]:
                    conn.execute(
                        records_table.update().where(records_table.c.pk == existing.pk).values(**values)
                    )
                    result.updated.append(record)
                else:
                    result.unchanged.append(record)
            public_views.sync(conn, [(r.archive, r.archive_code) for r in result.added + result.updated])
        return result

    def write(self, writes: list[RecordWrite]) -> list[WriteOutcome]:
        """Write records with their pages and file states, all in one transaction
        (:func:`catalog.record_writes.write_records`)."""
        return write_records(self.engine, writes)

    def mark_indexed(self, done: Iterable[tuple[int, str]]) -> None:
        """Remember which version of each record (pk, content_hash) is now in the index."""
        rows = [{"pk_": pk, "digest": digest} for pk, digest in done]
        if not rows:
            return
        with self.engine.begin() as conn:
            conn.execute(
                records_table.update()
                .where(
                    records_table.c.pk == bindparam("pk_"),
                    records_table.c.content_hash == bindparam("digest"),
                )
                .values(indexed_hash=bindparam("digest")),
                rows,
            )

    def unmark_indexed(self, keys: Iterable[tuple[str, str]]) -> None:
        """Forget that some records are indexed (before they leave the index)."""
        with self.engine.begin() as conn:
            for archive, code in keys:
                conn.execute(
                    records_table.update()
                    .where(records_table.c.archive == archive, records_table.c.archive_code == code)
                    .values(indexed_hash=None)
                )

    def pending_index(self, batch: int = 500) -> Iterator[list[tuple[int, str, Record, dict | None]]]:
        """Records whose stored version is not the indexed one, as ``(pk, hash, record, entities)``
        batches (stored but not indexed: a crash, the index down)."""
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(records_table)
                    .where(
                        records_table.c.pk > last,
                        or_(
                            records_table.c.indexed_hash.is_(None),
                            records_table.c.indexed_hash != records_table.c.content_hash,
                        ),
                    )
                    .order_by(records_table.c.pk)
                    .limit(batch)
                ).all()
            if not rows:
                return
            yield [index_item(row) for row in rows]
            last = rows[-1].pk

    def states(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict]:
        """Ingest bookkeeping of some records by (archive, 档号): pk, source, hashes, and
        ``has_entities`` (whether entities were stored for it)."""
        wanted = list(dict.fromkeys(keys))
        out: dict[tuple[str, str], dict] = {}
        cols = (
            records_table.c.pk,
            records_table.c.archive,
            records_table.c.archive_code,
            records_table.c.source,
            records_table.c.row_hash,
            records_table.c.source_hash,
            records_table.c.content_hash,
            records_table.c.indexed_hash,
            records_table.c.entities.is_not(None).label("has_entities"),
        )
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 200):
                chunk = wanted[start : start + 200]
                where, values = by_keys(records_table, chunk)
                for row in conn.execute(select(*cols).where(where), values):
                    out[(row.archive, row.archive_code)] = dict(row._mapping)
        return out

    def entities(self, archive: str, archive_code: str) -> dict | None:
        """Entity names ingest stored for a record (by default; not with ``--no-entities``),
        or None when it was ingested without them."""
        with self.engine.connect() as conn:
            raw = conn.execute(
                select(records_table.c.entities).where(
                    records_table.c.archive == archive, records_table.c.archive_code == archive_code
                )
            ).scalar()
        return json.loads(raw) if raw else None

    def archives_of_code(self, archive_code: str) -> list[str]:
        """Archives holding a record with this 档号."""
        with self.engine.connect() as conn:
            return sorted(
                conn.execute(
                    select(records_table.c.archive).where(records_table.c.archive_code == archive_code)
                ).scalars()
            )

    def keys_from_source(self, source: str) -> Iterator[tuple[str, str]]:
        """(archive, 档号) of the records whose row came from one catalog file, streamed."""
        query = select(records_table.c.archive, records_table.c.archive_code).where(
            records_table.c.source == source
        )
        with self.engine.connect() as conn:
            rows = conn.execution_options(stream_results=True, yield_per=STREAMED).execute(query)
            yield from ((r.archive, r.archive_code) for r in rows)

    def remove(self, keys: Iterable[tuple[str, str]]) -> int:
        """Delete records with their pages and file states in one transaction."""
        from catalog.pages import delete_pages, files_table

        wanted = list(dict.fromkeys(keys))
        removed = 0
        with self.engine.begin() as conn:
            for archive, code in wanted:
                pk = conn.execute(
                    select(records_table.c.pk).where(
                        records_table.c.archive == archive, records_table.c.archive_code == code
                    )
                ).scalar()
                if pk is None:
                    continue
                delete_pages(conn, [pk])
                conn.execute(
                    delete(files_table).where(
                        files_table.c.archive == archive, files_table.c.archive_code == code
                    )
                )
                conn.execute(delete(records_table).where(records_table.c.pk == pk))
                removed += 1
            public_views.sync(conn, wanted)
        return removed

    def ids(self) -> set[str]:
        """Every record id (``archive/archive_code``)."""
        with self.engine.connect() as conn:
            return {
                f"{a}/{c}"
                for a, c in conn.execute(select(records_table.c.archive, records_table.c.archive_code))
            }

    def get(self, archive: str, archive_code: str) -> Record | None:
        """One record by archive and 档号, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(records_table).where(
                    records_table.c.archive == archive,
                    records_table.c.archive_code == archive_code,
                )
            ).first()
        return record_from_row(row) if row else None

    def get_many(self, ids: Iterable[str]) -> dict[str, Record]:
        """Records by id (``archive/archive_code``); missing ids are left out."""
        wanted = [(i.split("/", 1)[0], i.split("/", 1)[1]) for i in ids if "/" in i]
        found: dict[str, Record] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 200):
                chunk = list(dict.fromkeys(wanted[start : start + 200]))
                # One (archive, archive_code) pair per term: each is a lookup in the
                # unique index uq_record_code, never a scan of the table.
                where, values = by_keys(records_table, chunk)
                rows = conn.execute(select(records_table).where(where), values)
                for row in rows:
                    record = record_from_row(row)
                    found[record.id] = record
        return found

    def iter_records(self, batch: int = 1000) -> Iterator[Record]:
        """Every record, in primary-key order, read in batches."""
        return (record for _, _, record, _ in self.records_for_index(batch))

    def count(self) -> int:
        """Number of records in the catalog."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(records_table)).scalar_one()

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    # -- ingest's bookkeeping (catalog/ingest_state.py) ---------------------------------

    def rebuilding(self) -> str | None:
        """Who rebuilds the index and since when, or None (see :mod:`catalog.maintenance`)."""
        from catalog.maintenance import rebuilding

        return rebuilding(self.engine)

    def attached_files(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list]:
        """Page files (``FileState``) attached to some records, by ``(archive, 档号)``."""
        from catalog import ingest_state

        return ingest_state.attached_files(self.engine, keys)

    def known_files(self, paths: Iterable[str]) -> dict:
        """Known states (``FileState``) of some files, by path."""
        from catalog import ingest_state

        return ingest_state.known_files(self.engine, paths)

    def files_under(self, root: str, kind: str | None = None) -> Iterator:
        """Known files (``FileState``) at ``root`` or below it, of one kind when given, streamed."""
        from catalog.pages import files_under

        return files_under(self.engine, root, kind=kind)

    def pages_of_sources(self, wanted: Iterable[tuple[int, list[str]]]) -> dict[int, list]:
        """Stored pages of records (by pk) that came from some of their files."""
        from catalog import ingest_state

        return ingest_state.pages_of_sources(self.engine, wanted)

    def sources_under(self, root: str) -> set[str]:
        """The catalog files records came from, at ``root`` or below it."""
        from catalog import ingest_state

        return ingest_state.sources_under(self.engine, root)

    def records_for_index(self, batch: int = 1000) -> Iterator[tuple[int, str, Record, dict | None]]:
        """Every record as ``(pk, content hash, record, entities)``, in pk order, in batches."""
        from catalog import ingest_state

        return ingest_state.records_for_index(self.engine, batch)

    def learn_words(self, words: Iterable[str], source: str) -> list[str]:
        """Add new words to the lexicon (词表) and the segmenter; returns the new ones."""
        from catalog import ingest_state

        return ingest_state.learn_words(self.engine, words, source)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
