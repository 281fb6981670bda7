"""Writing (写入), the fourth stage of ingest: catalog first, then the index, then the marks.

The :class:`Writer` gathers built records into batches. A batch is written to the catalog
in one transaction (records with their pages and file states), then to the index in one
backend call, then each record is marked as indexed in the version written; so a record
stored but not indexed (a crash, the index down) is found and indexed by the next run
(:meth:`Writer.resume_pending`). The words the records bring are learned into the lexicon.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Container
from dataclasses import dataclass

from catalog.store import CatalogStore, RecordWrite
from indexer.documents import index_doc
from indexer.record_entities import entity_words
from indexer.report import Tally
from indexer.units import Problem, UnitResult
from search.base import SearchBackend
from search.query_terms import prepared_tokens

BATCH = 250  # records per catalog and index transaction
BATCH_PAGES = 2000  # ... or pages
FLUSH_SECONDS = 2.0  # ... or time since the last write

#: The points of a batch's write: after the catalog, after the index, after the marks.
STAGES = ("catalog", "index", "marked")


def _nothing(stage: str, written: int) -> None:
    """The default hook: do nothing."""


@dataclass(frozen=True)
class IngestHooks:
    """Seams for tests of a run: the batch size, and a callback at each point of a batch's
    write (:data:`STAGES`) with the number of records written so far, for instance to kill
    the process there or to widen the window between catalog and index. No-ops by default."""

    batch: int = BATCH
    at_stage: Callable[[str, int], None] = _nothing


class Writer:
    """Writes built records in batches into one catalog and one backend."""

    def __init__(
        self,
        store: CatalogStore,
        backend: SearchBackend,
        tally: Tally,
        hooks: IngestHooks | None = None,
        input_files: Container[str] = (),
    ) -> None:
        self.store = store
        self.backend = backend
        self.tally = tally
        self.hooks = hooks or IngestHooks()
        self.input_files = input_files  # the page files of the run (counted as done)
        self.results: list[UnitResult] = []
        self.pages = 0
        self.since = time.monotonic()
        self.written = 0

    def accept(self, results: list[UnitResult]) -> None:
        """Take built records (reporting their problems); write when a batch is full."""
        for result in results:
            for problem in result.problems:
                self.tally.problem(problem, failed=not problem.warning)
            for path, count in result.needs_ocr:
                self.tally.needs_ocr(path, count)
            if result.doc is None:  # could not be built; reported above
                continue
            self.results.append(result)
            self.pages += len(result.pages)
        if (
            len(self.results) >= self.hooks.batch
            or self.pages >= BATCH_PAGES
            or time.monotonic() - self.since >= FLUSH_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        """Write the records taken so far: catalog (one transaction), index (one), marks."""
        results, self.results, self.pages = self.results, [], 0
        self.since = time.monotonic()
        if not results:
            return
        report = self.tally.report
        writes = [
            RecordWrite(
                record=r.record,
                pages=r.pages,
                source=r.source,
                row_hash=r.row_hash,
                source_hash=r.source_hash,
                files=r.files,
                drop_files=r.drop_files,
                entities=r.entities,
                values=r.values,
            )
            for r in results
        ]
        outcomes = self.store.write(writes)
        self.written += len(outcomes)
        self.hooks.at_stage("catalog", self.written)
        docs, marks = [], []
        changed_records = []
        for result, outcome in zip(results, outcomes, strict=True):
            if outcome.status == "added":
                report.added += 1
            elif outcome.status == "updated":
                report.updated += 1
            elif outcome.entities_added:
                report.entities_added += 1
            else:
                report.unchanged += 1
            if outcome.status != "unchanged":
                report.pages += len(result.pages)
                report.low_quality_pages += sum(
                    1 for p in result.pages if p.low_quality and p.method != "needs_ocr"
                )
                changed_records.append(outcome.record)
            if outcome.needs_index:
                doc = (
                    result.doc
                    if outcome.record == result.record and result.doc
                    else index_doc(outcome.record, result.entities)
                )
                docs.append(doc)
                marks.append((outcome.pk, outcome.content_hash))
            self.tally.tick(sum(1 for f in result.files if f.path in self.input_files))
        words = [w for r in changed_records for w in (*r.subjects, r.creator)]
        words += [n for r in results for n in entity_words(r.entities)]
        self.store.learn_words(words, "catalog")
        if not docs:
            return
        tokens = {text: found for r in results for text, found in r.tokens.items()}
        try:
            with prepared_tokens(tokens):
                self.backend.index(docs)
        except Exception as exc:  # the catalog is intact; the next run indexes them
            report.not_indexed += len(docs)
            self.tally.problem(
                Problem(
                    results[0].source or results[0].key[1],
                    None,
                    None,
                    f"{len(docs)} records stored but not indexed ({exc}); the next ingest indexes "
                    "them, or run 'lantai reindex'",
                ),
                failed=False,
            )
            return
        self.hooks.at_stage("index", self.written)
        self.store.mark_indexed(marks)
        self.hooks.at_stage("marked", self.written)

    def resume_pending(self) -> None:
        """Index what the catalog holds but the index lacks (an earlier crash or outage)."""
        for batch in self.store.pending_index(self.hooks.batch):
            docs = [index_doc(record, entities) for _, _, record, entities in batch]
            try:
                self.backend.index(docs)
            except Exception as exc:  # the catalog is intact; the next run tries again
                self.tally.report.not_indexed += len(docs)
                self.tally.problem(
                    Problem(
                        "(catalog)",
                        None,
                        None,
                        f"{len(docs)} stored records could not be indexed "
                        f"({exc}); the next ingest tries again, or run "
                        "'lantai reindex'",
                    ),
                    failed=False,
                )
                return
            self.store.mark_indexed((pk, digest) for pk, digest, _, _ in batch)
            self.tally.report.reindexed += len(docs)

    def remove(self, keys: set[tuple[str, str]]) -> None:
        """Remove records (their sources are gone) from the index, then from the catalog."""
        ids = [f"{a}/{c}" for a, c in sorted(keys)]
        self.store.unmark_indexed(sorted(keys))  # so a crash in between is repaired
        try:
            self.backend.delete(ids)
        except Exception as exc:
            self.tally.problem(
                Problem(
                    "(index)",
                    None,
                    None,
                    f"{len(ids)} records not removed from the index ({exc}); "
                    "they stay in the catalog until the next --sync",
                )
            )
            return
        self.store.remove(sorted(keys))
        try:  # the index holds nothing the catalog lacks
            extra = sorted(self.backend.ids() - self.store.ids())
            if extra:
                self.backend.delete(extra)
        except Exception:  # noqa: BLE001 - best effort; the next --sync repeats it
            pass
