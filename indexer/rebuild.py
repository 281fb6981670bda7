"""Rebuilding the index from the catalog (重建索引, ``lantai reindex``).

Records are read from the catalog in batches; with more than one worker, each batch's
index documents and their words (segmenting is most of a rebuild's work) are made in a
pool of worker processes, in order, a few batches ahead of the writing, and the words
reach the backend prepared (:func:`search.query_terms.prepared_tokens`), as in ingest.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack

from catalog.records import Record
from catalog.store import CatalogStore
from indexer.documents import doc_tokens, index_doc
from indexer.scratch import ScratchFile
from indexer.write import BATCH
from search.base import IndexDoc, SearchBackend, batched
from search.query_terms import prepared_tokens

#: Catalogs smaller than this are analysed in this process (a pool is not worth starting).
INLINE_RECORDS = 2_000
#: Batches analysed ahead of the writing, per worker.
AHEAD = 3
#: Batches whose prepared words stay registered after they were handed to the backend,
#: which may hold a few batches before it writes them (texts whose words are gone by then
#: are segmented again: the index is the same either way).
KEPT = 12

Analysed = list[tuple[IndexDoc, dict[str, str]]]
#: Records marked indexed per transaction after the switch.
MARK_BATCH = 5_000


class IndexedMarks(ScratchFile):
    """The (pk, content hash) of each record written to the new index, kept on disk until
    the switch and then marked indexed in the catalog: a reindex of millions does not hold
    them in memory (40 bytes a record in an array took 43 MB at 1M).

    >>> with IndexedMarks() as marks:
    ...     marks.add(8, "cd" * 32); marks.add(7, "ab" * 32)
    ...     [(pk, digest[:4]) for pk, digest in marks], len(marks)
    ([(7, 'abab'), (8, 'cdcd')], 2)
    """

    def __init__(self) -> None:
        super().__init__("reindex", "CREATE TABLE mark (pk INTEGER PRIMARY KEY, digest TEXT NOT NULL)")

    def add(self, pk: int, digest: str) -> None:
        """Remember that this version (``digest``) of record ``pk`` was written."""
        self.db.execute("INSERT OR REPLACE INTO mark VALUES (?, ?)", (pk, digest))

    def __len__(self) -> int:
        return self.db.execute("SELECT count(*) FROM mark").fetchone()[0]

    def __iter__(self) -> Iterator[tuple[int, str]]:
        """The marks in pk order, read a chunk at a time."""
        after = -(1 << 63)
        while rows := self.db.execute(
            "SELECT pk, digest FROM mark WHERE pk > ? ORDER BY pk LIMIT 1000", (after,)
        ).fetchall():
            after = rows[-1][0]
            yield from rows


def analyse_batch(items: list[tuple[Record, dict | None]]) -> Analysed:
    """Index documents of catalog records with their texts' prepared words (in a worker).

    >>> [(doc.id, sorted(words)) for doc, words in analyse_batch(
    ...     [(Record(archive="a", archive_code="1", title="档案馆"), None)])]
    [('a/1', ['档案馆'])]
    """
    out = []
    for record, entities in items:
        doc = index_doc(record, entities)
        out.append((doc, doc_tokens(doc)))
    return out


def analysed_in_order(
    batches: Iterable[list[tuple[Record, dict | None]]], workers: int
) -> Iterator[Analysed]:
    """Each batch analysed (:func:`analyse_batch`), in the order given: in this process
    with one worker, else in a pool of ``workers`` processes with a few batches ahead
    (memory stays bounded whatever the count)."""
    if workers <= 1:
        yield from map(analyse_batch, batches)
        return
    analyse_batch([(Record(archive="warm", archive_code="W1", title="預熱"), None)])  # load
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pending: deque[Future[Analysed]] = deque()
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for batch in batches:
            pending.append(pool.submit(analyse_batch, batch))
            if len(pending) >= workers * AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def reindex(
    store: CatalogStore,
    backend: SearchBackend,
    batch: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    inline_records: int = INLINE_RECORDS,
) -> int:
    """Rebuild the index from the catalog; returns the number of records indexed.

    The backend builds a new index beside the old one and switches to it atomically
    (:meth:`search.base.SearchBackend.rebuild`), so searches keep answering. Records are
    read in batches of ``batch`` (memory stays bounded whatever the count) and analysed by
    ``workers`` processes (default: one per core; a catalog of fewer than
    ``inline_records`` records is analysed in this process); ``progress(done, total)``
    is called after each batch and at the end. Each record is remembered as indexed in the
    version written, in transactions of ``MARK_BATCH`` records after the switch.
    """
    total = store.count()
    workers = max(1, workers if workers is not None else os.cpu_count() or 1)
    if total < inline_records:
        workers = 1
    marks = IndexedMarks()
    registered: deque[ExitStack] = deque()  # prepared words handed to the backend

    def records() -> Iterator[tuple[Record, dict | None]]:
        for pk, digest, record, entities in store.records_for_index(batch):
            marks.add(pk, digest)
            yield record, entities

    def docs() -> Iterator[IndexDoc]:
        done = 0
        for analysed in analysed_in_order(batched(records(), batch), workers):
            stack = ExitStack()
            stack.enter_context(
                prepared_tokens({text: joined for _, tokens in analysed for text, joined in tokens.items()})
            )
            registered.append(stack)
            while len(registered) > KEPT:
                registered.popleft().close()
            yield from (doc for doc, _ in analysed)
            done += len(analysed)
            if progress and done % batch == 0:
                progress(done, total)

    try:
        count = backend.rebuild(docs())
        for chunk in batched(marks, MARK_BATCH):  # one transaction each: memory stays bounded
            store.mark_indexed(chunk)
    finally:
        while registered:
            registered.popleft().close()
        marks.close()
    if progress:
        progress(count, total)
    return count
