"""Writing ingest's records (著录写入): each record with its pages and the files they came
from, a batch in one transaction, a status decided in Lantai kept over the input's.
:meth:`catalog.store.CatalogStore.write` is the front door."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from catalog import public_views
from catalog.key_lookup import by_keys
from catalog.record_rows import row_values
from catalog.records import Record
from catalog.schema import records_table


@dataclass
class RecordWrite:
    """One record as ingest writes it: the record, its pages and the files they came from."""

    record: Record
    pages: list  # list[catalog.pages.Page]
    source: str
    row_hash: str
    source_hash: str
    files: list = field(default_factory=list)  # list[catalog.pages.FileState] to save
    drop_files: list[str] = field(default_factory=list)  # paths no longer attached
    entities: dict | None = None
    values: dict | None = None  # row_values(record), when the caller computed it already


@dataclass
class _Written:
    """A record written earlier in the same :func:`write_records` batch."""

    pk: int
    archive: str
    archive_code: str
    content_hash: str
    access: str
    decided_at: str | None
    indexed_hash: str | None
    source_hash: str
    new: bool
    has_entities: bool = False


@dataclass
class WriteOutcome:
    """What writing one record did; ``record`` is what was stored (a decided status kept)."""

    record: Record
    pk: int
    status: str  # added, updated or unchanged
    content_hash: str
    needs_index: bool
    entities: dict | None = None
    # Unchanged content, stored before without entities and now with them (so re-indexed).
    entities_added: bool = False


def write_records(engine: Engine, writes: list[RecordWrite]) -> list[WriteOutcome]:
    """Write records with their pages and file states, all in one transaction.

    A record and its pages are never seen half-written. As in
    :meth:`catalog.store.CatalogStore.upsert`, a status decided in Lantai outranks the one
    in the input. ``needs_index`` is true when the stored version is not the one last
    indexed.
    """
    from catalog.maintenance import refuse_while_rebuilding
    from catalog.pages import (
        delete_file_states,
        delete_named_images,
        delete_pages,
        insert_pages,
        save_file_states,
    )

    outcomes: list[WriteOutcome] = []
    with engine.begin() as conn:
        existing: dict[tuple[str, str], Any] = {}  # stored rows, then _Written
        keys = sorted({(w.record.archive, w.record.archive_code) for w in writes})
        for start in range(0, len(keys), 200):
            where, key_values = by_keys(records_table, keys[start : start + 200])
            for row in conn.execute(
                select(
                    records_table.c.pk,
                    records_table.c.archive,
                    records_table.c.archive_code,
                    records_table.c.content_hash,
                    records_table.c.access,
                    records_table.c.decided_at,
                    records_table.c.indexed_hash,
                    records_table.c.source_hash,
                    records_table.c.entities.is_not(None).label("has_entities"),
                ).where(where),
                key_values,
            ):
                existing[(row.archive, row.archive_code)] = row
        pages: dict[int, list] = {}
        replaced = []
        prepared = []
        for item in writes:
            record = item.record
            found = existing.get((record.archive, record.archive_code))
            values = item.values
            if found is not None and found.decided_at and record.access != found.access:
                record = replace(record, access=found.access)
                values = None
            values = dict(values or row_values(record))
            values.update(
                source=item.source,
                row_hash=item.row_hash,
                source_hash=item.source_hash,
                entities=json.dumps(item.entities, ensure_ascii=False) if item.entities is not None else None,
            )
            prepared.append((item, record, values))
        # New records are inserted together (one statement, their keys returned); a
        # record repeated later in the batch updates what was inserted.
        rows = []
        fresh: set[tuple[str, str]] = set()
        for _, record, values in prepared:
            key = (record.archive, record.archive_code)
            if key not in existing and key not in fresh:
                fresh.add(key)
                rows.append(values)
        new: dict[tuple[str, str], int] = {}
        if rows:
            inserted = conn.execute(
                records_table.insert().returning(records_table.c.pk, sort_by_parameter_order=True), rows
            ).all()
            new = {(v["archive"], v["archive_code"]): row.pk for v, row in zip(rows, inserted, strict=True)}
        for item, record, values in prepared:
            key = (record.archive, record.archive_code)
            found = existing.get(key)
            filled = False
            if found is None:
                pk = new[key]
                status, indexed = "added", None
            else:
                pk, indexed = found.pk, found.indexed_hash
                changed = found.content_hash != values["content_hash"]
                status = "updated" if changed else "unchanged"
                filled = not changed and item.entities is not None and not found.has_entities
                if changed or filled or found.source_hash != item.source_hash:
                    conn.execute(records_table.update().where(records_table.c.pk == pk).values(**values))
                if not getattr(found, "new", False):
                    replaced.append(pk)
            # The same record again later in this batch: it updates what was just written.
            existing[key] = _Written(
                pk,
                record.archive,
                record.archive_code,
                values["content_hash"],
                record.access,
                found.decided_at if found is not None else None,
                indexed,
                item.source_hash,
                found is None or getattr(found, "new", False),
                item.entities is not None,
            )
            pages[pk] = list(item.pages)
            # Entities found for the first time change the index document, not the content.
            outcomes.append(
                WriteOutcome(
                    record,
                    pk,
                    status,
                    values["content_hash"],
                    indexed != values["content_hash"] or filled,
                    item.entities,
                    entities_added=filled,
                )
            )
        # After the first writes (SQLite holds its write lock by now): refused, and all
        # of this undone, when an index rebuild has started since the batch was planned.
        refuse_while_rebuilding(conn)
        delete_pages(conn, replaced)
        insert_pages(conn, [(pk, page) for pk, items in pages.items() for page in items])
        delete_file_states(conn, [p for w in writes for p in w.drop_files])
        # The scans a layout file named are those of its latest reading (or none, dropped).
        delete_named_images(
            conn,
            [p for w in writes for p in (*w.drop_files, *(f.path for f in w.files if f.kind == "page"))],
        )
        save_file_states(conn, list({f.path: f for w in writes for f in w.files}.values()))
        public_views.sync(
            conn,
            [(o.record.archive, o.record.archive_code) for o in outcomes if o.status != "unchanged"],
        )
    return outcomes
