"""Rebuilding the index from the catalog (重建索引, ``lantai reindex``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from catalog.store import CatalogStore
from indexer.documents import index_doc
from indexer.write import BATCH
from search.base import IndexDoc, SearchBackend


def reindex(store: CatalogStore, backend: SearchBackend, batch: int = BATCH,
            progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the index from the catalog; returns the number of records indexed.

    The backend builds a new index beside the old one and switches to it atomically
    (:meth:`search.base.SearchBackend.rebuild`), so searches keep answering. Records are
    read in batches of ``batch`` (memory stays bounded whatever the count);
    ``progress(done, total)`` is called after each batch and at the end. Each record is
    remembered as indexed in the version written.
    """
    total = store.count() if progress else 0
    marks: list[tuple[int, str]] = []

    def docs() -> Iterator[IndexDoc]:
        for n, (pk, digest, record, entities) in enumerate(store.records_for_index(batch),
                                                           start=1):
            marks.append((pk, digest))
            yield index_doc(record, entities)
            if progress and n % batch == 0:
                progress(n, total)

    count = backend.rebuild(docs())
    store.mark_indexed(marks)
    if progress:
        progress(count, total)
    return count
