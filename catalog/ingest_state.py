"""Ingest's bookkeeping in the catalog (入库记录): what ingest and reindex read and learn.

The operations :class:`catalog.store.CatalogStore` offers ingest besides writing records:
the page files attached to records, the known states of files, the stored pages that came
from some files, the catalog files records came from, every record for a rebuild, and the
words the indexer learns. Each takes the store's engine; nothing outside ``catalog/``
touches the engine or a table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.engine import Engine

from catalog import lexicon
from catalog.pages import FileState, Page, file_states, files_of_records, pages_from_sources
from catalog.records import Record
from catalog.schema import records_table

#: One stored record as a rebuild reads it: pk, content hash, record, stored entities.
StoredRecord = tuple[int, str, Record, dict | None]


def attached_files(engine: Engine, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[FileState]]:
    """Page files attached to some records, by ``(archive, 档号)``."""
    with engine.connect() as conn:
        return files_of_records(conn, keys)


def known_files(engine: Engine, paths: Iterable[str]) -> dict[str, FileState]:
    """Known states (size, mtime, hash, status) of some files, by path."""
    with engine.connect() as conn:
        return file_states(conn, paths)


def pages_of_sources(engine: Engine, wanted: Iterable[tuple[int, list[str]]]) -> dict[int, list[Page]]:
    """The stored pages of records (by pk) that came from some of their files, in page order;
    one connection for them all."""
    out: dict[int, list[Page]] = {}
    with engine.connect() as conn:
        for pk, sources in wanted:
            out[pk] = pages_from_sources(conn, pk, sources)
    return out


def sources_under(engine: Engine, root: str) -> set[str]:
    """The catalog files records came from, at ``root`` or below it."""
    prefix = root.rstrip("/") + "/"
    with engine.connect() as conn:
        rows = conn.execute(
            select(records_table.c.source)
            .distinct()
            .where(records_table.c.source.is_not(None), records_table.c.source != "")
        )
        return {r.source for r in rows if r.source == root or r.source.startswith(prefix)}


def records_for_index(engine: Engine, batch: int) -> Iterator[StoredRecord]:
    """Every record with its pk, content hash and stored entities, in pk order, read in
    batches of ``batch`` (memory stays bounded whatever the count)."""
    from catalog.record_rows import index_item

    last = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(records_table)
                .where(records_table.c.pk > last)
                .order_by(records_table.c.pk)
                .limit(batch)
            ).all()
        if not rows:
            return
        for row in rows:
            yield index_item(row)
        last = rows[-1].pk


def learn_words(engine: Engine, words: Iterable[str], source: str) -> list[str]:
    """Store the words not known yet in the lexicon (词表) and add them to the segmenter."""
    return lexicon.learn(engine, words, source)
