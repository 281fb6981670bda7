"""Ingest (入库): read files, validate rows, store records with their pages, index them.

A run walks the given files and folders and builds one *unit* per record: its catalog row
(JSON lines, CSV or XLSX) or stored catalog fields, and the page files it is made of —
the files its row lists (``files``/文件, relative to the catalog file) and the files named
by its 档号 (``J001-001-0001.pdf``, ``J001-001-0001_003.txt`` for page 3). A file named by
a 档号 that no record has becomes a record of its own (title from the file name, status
unreviewed) and is reported.

Incremental and idempotent: every file's size, modification time and content hash are
kept; a unit whose row and files are unchanged is skipped without reading its files, and
a changed one is re-read and re-indexed. Entities (persons, places, organizations) are
extracted by default (``ingest_entities``); with them on, an unchanged record stored
without them is analysed again from its stored pages, so switching them on fills the
facets (``entities_added`` in the report). Workers (one process per core) read, normalize
and analyse; this process writes. A record and its pages are written in one catalog
transaction, the index documents of a batch in one backend transaction, and each record
remembers the version last indexed, so a record stored but not indexed (a crash, the index
down) is indexed by the next run. ``sync`` removes records whose sources are gone.

A bad row is reported with its file, line and field, a bad file with its reason; the rest
goes on. A record already stored is replaced only by a valid newer version of itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

from catalog.maintenance import IndexRebuilding
from catalog.store import CatalogStore
from indexer.discover import discover_inputs
from indexer.page_types import FileOptions
from indexer.plan import Planner
from indexer.rebuild import reindex
from indexer.report import IngestReport, ProgressCallback, Tally
from indexer.units import Problem
from indexer.workers import Analysis
from indexer.write import BATCH, IngestHooks, Writer
from search.base import SearchBackend

__all__ = ["BATCH", "Ingester", "IngestHooks", "IngestReport", "Problem", "reindex"]

OPTIMIZE_AFTER = 10_000  # records written by one ingest run: a bulk load


class Ingester:
    """Stores and indexes records from files into one catalog and one backend."""

    def __init__(
        self,
        store: CatalogStore,
        backend: SearchBackend,
        workers: int | None = None,
        options: FileOptions | None = None,
        entities: bool = True,
    ) -> None:
        self.store = store
        self.backend = backend
        self.workers = workers
        self.options = options or FileOptions()
        self.entities = entities

    def ingest(
        self,
        paths: Iterable[Path],
        archive: str | None = None,
        *,
        sync: bool = False,
        dry_run: bool = False,
        workers: int | None = None,
        options: FileOptions | None = None,
        entities: bool | None = None,
        progress: ProgressCallback | None = None,
        hooks: IngestHooks | None = None,
    ) -> IngestReport:
        """Ingest files and folders; never raises for bad input, reports it instead.

        ``sync`` also removes records whose sources under ``paths`` are gone (a catalog file
        deleted, a row deleted from it, every file of a file-born record deleted) and
        detaches deleted page files; with ``dry_run`` nothing is written and the report
        lists what would be removed. ``progress(report, done, total)`` is called as files
        are done; ``hooks`` are the seams tests use (:class:`indexer.write.IngestHooks`).

        Raises :class:`catalog.maintenance.IndexRebuilding` while ``lantai reindex`` runs
        (at the start, or at the next batch when one starts meanwhile): what was written
        before stays, stored and indexed, and a later run goes on from there.
        """
        if not dry_run and (rebuild := self.store.rebuilding()) is not None:
            raise IndexRebuilding(
                f"the search index is being rebuilt ({rebuild}); run ingest again when it is done"
            )
        workers = workers if workers is not None else self.workers
        return run_ingest(
            self.store,
            self.backend,
            [Path(p) for p in paths],
            archive=archive,
            sync=sync,
            dry_run=dry_run,
            workers=max(1, workers or os.cpu_count() or 1),
            options=options or self.options,
            entities=self.entities if entities is None else entities,
            progress=progress,
            hooks=hooks or IngestHooks(),
        )


def run_ingest(
    store: CatalogStore,
    backend: SearchBackend,
    paths: list[Path],
    *,
    archive: str | None,
    sync: bool,
    dry_run: bool,
    workers: int,
    options: FileOptions,
    entities: bool,
    progress: ProgressCallback | None,
    hooks: IngestHooks,
) -> IngestReport:
    """One run, stage by stage: discover → plan → read and analyse in workers → write →
    report. Planning goes on while workers analyse and this process writes; each kind of
    unit (catalog rows, files named by 档号, --sync) is written before the next is planned,
    as it reads what the earlier ones stored."""
    started = time.monotonic()
    tally = Tally(IngestReport(dry_run=dry_run), progress)
    found = discover_inputs(paths)
    writer = Writer(store, backend, tally, hooks, input_files=found.inventory)
    analysis = Analysis(writer.accept, tally, workers=workers, options=options, entities=entities)
    try:
        if not dry_run:
            writer.resume_pending()
        pages = found.inventory.pages
        tally.report.files = len(found.catalogs) + pages + len(found.unsupported)
        tally.total = len(found.catalogs) + pages
        for name in found.unsupported:
            tally.problem(Problem(name, None, None, "unsupported file type"))
        for name in found.missing:
            tally.problem(Problem(name, None, None, "no such file or folder"))
        planner = Planner(
            store,
            found,
            tally,
            archive=archive,
            sync=sync,
            dry_run=dry_run,
            entities=entities,
            options=options,
        )

        def drain() -> None:
            analysis.drain()
            writer.flush()

        for task in planner.plan_rows():
            analysis.submit(task)
        drain()
        for task in planner.plan_named():
            analysis.submit(task)
        drain()
        if sync:
            plan = planner.plan_sync()
            tally.report.detached = plan.detached
            for task in plan.tasks:
                analysis.submit(task)
            drain()
            tally.report.removed = sorted(f"{a}/{c}" for a, c in plan.remove)
            if not dry_run and plan.remove:
                writer.remove(plan.remove)
        writer.flush()
        if not dry_run and tally.report.added + tally.report.updated >= OPTIMIZE_AFTER:
            backend.optimize()  # a bulk load: merge its fragments, refresh statistics
    finally:
        analysis.close()
        found.close()
    return tally.finish(time.monotonic() - started)
