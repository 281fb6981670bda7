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

import multiprocessing
import os
import re
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from catalog.lexicon import learn
from catalog.maintenance import IndexRebuilding, rebuilding
from catalog.pages import file_states, files_of_records, files_under, pages_from_sources
from catalog.records import Record, RecordError, record_from_row
from catalog.store import CatalogStore, RecordWrite, content_hash
from indexer.documents import index_doc
from indexer.files import FileOptions, page_kind
from indexer.readers import ReadError, RowProblem, reader_for
from indexer.units import (
    Problem,
    Source,
    UnitResult,
    UnitTask,
    analyze_task,
    entity_words,
    source_key,
    unit_hash,
)
from search.base import SearchBackend
from search.query_terms import prepared_tokens

__all__ = ["BATCH", "Ingester", "IngestReport", "Problem", "discover", "reindex"]

BATCH = 250  # records per catalog and index transaction
BATCH_PAGES = 2000  # ... or pages
FLUSH_SECONDS = 2.0  # ... or time since the last write
PLAN_CHUNK = 200  # rows looked up in the catalog together
INLINE_UNITS = 24  # fewer units than this are analysed in this process (no pool)
INFLIGHT = 12  # tasks queued per worker: they keep working while this process writes

_NAMED = re.compile(r"^(?P<code>[A-Za-z0-9][A-Za-z0-9._·-]*?)(?:_(?P<page>\d{1,5}))?$")


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


@dataclass
class IngestReport:
    """Counts and problems of one ingest run (``lantai ingest --json``)."""

    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    entities_added: int = 0
    failed: int = 0
    not_indexed: int = 0
    pages: int = 0
    low_quality_pages: int = 0
    needs_ocr: int = 0
    needs_ocr_files: list[str] = field(default_factory=list)
    orphans: list[dict] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    detached: list[str] = field(default_factory=list)
    reindexed: int = 0
    dry_run: bool = False
    seconds: float = 0.0
    errors: list[Problem] = field(default_factory=list)

    def as_json(self) -> dict:
        """The summary as a JSON-ready dict."""
        return {
            "files": self.files, "added": self.added, "updated": self.updated,
            "unchanged": self.unchanged, "entities_added": self.entities_added,
            "failed": self.failed, "not_indexed": self.not_indexed,
            "pages": self.pages, "low_quality_pages": self.low_quality_pages,
            "needs_ocr": self.needs_ocr, "needs_ocr_files": self.needs_ocr_files,
            "orphans": self.orphans, "removed": self.removed, "detached": self.detached,
            "reindexed": self.reindexed, "dry_run": self.dry_run, "seconds": round(self.seconds, 3),
            "errors": [{"file": p.file, "line": p.line, "field": p.field, "reason": p.message,
                        "message": p.message} for p in self.errors],
        }


# --------------------------------------------------------------------------- discovery

CATALOG_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".xlsx")


@dataclass
class Discovery:
    """The input files of a run: catalog exports and page files (with size and mtime)."""

    roots: list[str] = field(default_factory=list)
    catalogs: list[str] = field(default_factory=list)
    pages: dict[str, tuple[int, int]] = field(default_factory=dict)
    named: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # code -> (path, start)
    unnamed: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def named_code(path: str) -> tuple[str, int] | None:
    """The 档号 and first page number a file name gives, or None when it names no 档号.

    >>> named_code("/in/J001-001-0001_003.txt"), named_code("/in/J001-001-0001.pdf")
    (('J001-001-0001', 3), ('J001-001-0001', 1))
    >>> named_code("/in/说明.txt") is None, named_code("/in/readme.txt") is None
    (True, True)
    """
    stem = Path(path).name
    for suffix in (".hocr.html", ".hocr.htm", ".alto.xml"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    else:
        stem = Path(path).stem
    match = _NAMED.match(stem)
    if not match or not any(c.isdigit() for c in match.group("code")):
        return None
    page = int(match.group("page")) if match.group("page") else 1
    return match.group("code"), max(page, 1)


def _classify(path: str, found: Discovery, stat: os.stat_result) -> None:
    suffix = os.path.splitext(path)[1].lower()
    if suffix in CATALOG_SUFFIXES:
        found.catalogs.append(path)
    elif page_kind(Path(path)):
        found.pages[path] = (stat.st_size, stat.st_mtime_ns)
        named = named_code(path)
        if named:
            found.named.setdefault(named[0], []).append((path, named[1]))
        else:
            found.unnamed.append(path)
    else:
        found.unsupported.append(path)


def discover_inputs(paths: Iterable[Path]) -> Discovery:
    """Walk files and folders (sorted, hidden names skipped) into a :class:`Discovery`."""
    found = Discovery()
    for given in paths:
        root = os.path.abspath(given)
        found.roots.append(root)
        if os.path.isdir(root):
            for folder, dirs, names in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if name.startswith("."):
                        continue
                    path = os.path.join(folder, name)
                    try:
                        stat = os.stat(path)
                    except OSError:
                        continue
                    suffix = os.path.splitext(name)[1].lower()
                    if suffix in CATALOG_SUFFIXES or page_kind(Path(name)):
                        _classify(path, found, stat)
        elif os.path.exists(root):
            _classify(root, found, os.stat(root))
        else:
            found.missing.append(str(given))
    return found


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Input files: the files given, and the readable files under the folders given."""
    found = discover_inputs(paths)
    yield from (Path(p) for p in sorted([*found.catalogs, *found.pages, *found.unsupported]))


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


# --------------------------------------------------------------------------- the run


@dataclass
class _Pending:
    """Units waiting for analysis, and what has been analysed but not yet written."""

    waiting: list[UnitTask] = field(default_factory=list)
    inflight: deque[tuple[Future, list[UnitTask]]] = field(default_factory=deque)
    results: list[UnitResult] = field(default_factory=list)
    pages: int = 0
    since: float = field(default_factory=time.monotonic)


class Ingester:
    """Stores and indexes records from files into one catalog and one backend."""

    def __init__(self, store: CatalogStore, backend: SearchBackend, workers: int | None = None,
                 options: FileOptions | None = None, entities: bool = True) -> None:
        self.store = store
        self.backend = backend
        self.workers = workers
        self.options = options or FileOptions()
        self.entities = entities

    def ingest(self, paths: Iterable[Path], archive: str | None = None, *, sync: bool = False,
               dry_run: bool = False, workers: int | None = None,
               options: FileOptions | None = None, entities: bool | None = None,
               progress: Callable[[IngestReport, int, int], None] | None = None) -> IngestReport:
        """Ingest files and folders; never raises for bad input, reports it instead.

        ``sync`` also removes records whose sources under ``paths`` are gone (a catalog file
        deleted, a row deleted from it, every file of a file-born record deleted) and
        detaches deleted page files; with ``dry_run`` nothing is written and the report
        lists what would be removed. ``progress(report, done, total)`` is called as files
        are done.

        Raises :class:`catalog.maintenance.IndexRebuilding` while ``lantai reindex`` runs
        (at the start, or at the next batch when one starts meanwhile): what was written
        before stays, stored and indexed, and a later run goes on from there.
        """
        if not dry_run and (rebuild := rebuilding(self.store.engine)) is not None:
            raise IndexRebuilding(f"the search index is being rebuilt ({rebuild}); "
                                  "run ingest again when it is done")
        run = _Run(self, archive, sync=sync, dry_run=dry_run,
                   workers=workers if workers is not None else self.workers,
                   options=options or self.options,
                   entities=self.entities if entities is None else entities, progress=progress)
        return run.go([Path(p) for p in paths])


class _Run:
    """One ingest run: discovery, planning, analysis (pool or inline), writing."""

    def __init__(self, ingester: Ingester, archive: str | None, *, sync: bool = False,
                 dry_run: bool = False, workers: int | None = None,
                 options: FileOptions | None = None, entities: bool = False,
                 progress: Callable[[IngestReport, int, int], None] | None = None) -> None:
        self.store = ingester.store
        self.backend = ingester.backend
        self.archive = archive
        self.sync = sync
        self.dry_run = dry_run
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.options = options or FileOptions()
        self.entities = entities
        self.progress = progress
        self.report = IngestReport(dry_run=dry_run)
        self.pending = _Pending()
        self.pool: ProcessPoolExecutor | None = None
        self.found = Discovery()
        self.claimed: set[str] = set()  # page files some unit of this run took
        self.processed: set[tuple[str, str]] = set()  # records a unit of this run built
        self.dropped: set[str] = set()  # files detached by a unit of this run
        self.catalog_seen: dict[str, set[tuple[str, str]] | None] = {}  # None: unreadable
        self.catalog_archives: dict[str, set[str]] = {}  # folder -> archives of its catalogs
        self.rows: dict[tuple[str, str], str] = {}  # record -> "file:line" of its row in this run
        self.bad_rows: dict[str, int] = {}  # catalog file -> rows that could not be read
        self.total = 0
        self.done = 0
        self.written = 0
        self.batch = _env_int("LANTAI_TEST_BATCH", BATCH)
        self.kill_after = _env_int("LANTAI_TEST_KILL_AFTER", 0)
        self.kill_at = os.environ.get("LANTAI_TEST_KILL_AT", "catalog")
        self.delay = float(os.environ.get("LANTAI_TEST_FLUSH_DELAY", "") or 0)
        self.ocr_unavailable: str | None = None

    # -- the phases -----------------------------------------------------------

    def go(self, paths: list[Path]) -> IngestReport:
        started = time.monotonic()
        try:
            if not self.dry_run:
                self.resume_pending()
            self.found = discover_inputs(paths)
            found = self.found
            self.report.files = len(found.catalogs) + len(found.pages) + len(found.unsupported)
            self.total = len(found.catalogs) + len(found.pages)
            for name in found.unsupported:
                self.problem(Problem(name, None, None, "unsupported file type"))
            for name in found.missing:
                self.problem(Problem(name, None, None, "no such file or folder"))
            for task in self.plan_rows():
                self.submit(task)
            self.drain()
            for task in self.plan_named():
                self.submit(task)
            self.drain()
            if self.sync:
                self.plan_sync()
                self.drain()
            self.flush()
            self.after_bulk_load()
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)
        self.report.seconds = time.monotonic() - started
        self.done = self.total
        self.tick()
        return self.report

    def after_bulk_load(self) -> None:
        """After a run that wrote many records, let the backend merge its index and refresh
        its statistics (``optimize``), so searches do not pay for the load's fragments."""
        optimize = getattr(self.backend, "optimize", None)
        written = self.report.added + self.report.updated
        if callable(optimize) and not self.dry_run and written >= OPTIMIZE_AFTER:
            optimize()

    def problem(self, problem: Problem, failed: bool = True) -> None:
        self.report.errors.append(problem)
        if failed:
            self.report.failed += 1

    def tick(self, files: int = 0) -> None:
        self.done += files
        if self.progress is not None:
            self.progress(self.report, min(self.done, self.total), self.total)

    def resume_pending(self) -> None:
        """Index what the catalog holds but the index lacks (an earlier crash or outage)."""
        for batch in self.store.pending_index(self.batch):
            docs = [index_doc(record, entities) for _, _, record, entities in batch]
            try:
                self.backend.index(docs)
            except Exception as exc:  # the catalog is intact; the next run tries again
                self.report.not_indexed += len(docs)
                self.problem(Problem("(catalog)", None, None,
                                     f"{len(docs)} stored records could not be indexed ({exc}); "
                                     "the next ingest tries again, or run 'lantai reindex'"),
                             failed=False)
                return
            self.store.mark_indexed((pk, digest) for pk, digest, _, _ in batch)
            self.report.reindexed += len(docs)

    # -- planning: catalog rows -------------------------------------------------

    def plan_rows(self) -> Iterator[UnitTask]:
        """Units of the catalog rows, in file order, looked up in the catalog in chunks."""
        chunk: list[tuple[Record, str, int]] = []
        for path in sorted(self.found.catalogs):
            seen: dict[tuple[str, str], int] = {}
            reader = reader_for(Path(path))
            folder = os.path.dirname(path)
            try:
                for line, row in reader(Path(path)):  # type: ignore[misc]
                    if isinstance(row, RowProblem):
                        self.problem(Problem(path, line, None, row.message))
                        self.bad_rows[path] = self.bad_rows.get(path, 0) + 1
                        continue
                    try:
                        record = record_from_row(row, self.archive)
                    except RecordError as exc:
                        self.problem(Problem(path, line, exc.field, exc.message))
                        self.bad_rows[path] = self.bad_rows.get(path, 0) + 1
                        continue
                    key = (record.archive, record.archive_code)
                    if key in seen:
                        self.problem(Problem(path, line, "archive_code",
                                             f"{record.archive_code!r} repeats line {seen[key]} "
                                             "of this file"))
                        continue
                    seen[key] = line
                    if key in self.rows:
                        self.problem(Problem(path, line, "archive_code",
                                             f"{record.archive_code!r} is also in {self.rows[key]}; "
                                             "the first row was kept"))
                        continue
                    self.rows[key] = f"{path}:{line}"
                    self.catalog_archives.setdefault(folder, set()).add(record.archive)
                    chunk.append((record, path, line))
                    if len(chunk) >= PLAN_CHUNK:
                        yield from self.resolve_rows(chunk)
                        chunk = []
                self.catalog_seen[path] = set(seen)
            except (ReadError, OSError) as exc:
                message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                self.problem(Problem(path, None, None, message))
                self.catalog_seen[path] = None
            self.tick(1)
        yield from self.resolve_rows(chunk)

    def resolve_rows(self, chunk: list[tuple[Record, str, int]]) -> Iterator[UnitTask]:
        if not chunk:
            return
        if self.dry_run:
            return
        keys = [(r.archive, r.archive_code) for r, _, _ in chunk]
        states = self.store.states(keys)
        with self.store.engine.connect() as conn:
            stored_files = files_of_records(conn, keys)
        plans = []
        for record, path, line in chunk:
            folder = os.path.dirname(path)
            sources: list[Source] = []
            for order, name in enumerate(record.files):
                full = os.path.abspath(os.path.join(folder, name))
                if full in self.claimed:
                    self.problem(Problem(path, line, "files",
                                         f"{name} is already attached to another record"))
                    continue
                self.claimed.add(full)
                sources.append(Source(full, "listed", order, origin=f"{path}:{line}"))
            for full, start in self.found.named.get(record.archive_code, []):
                if full not in self.claimed and _under(full, folder):
                    self.claimed.add(full)
                    sources.append(Source(full, "named", start))
            plans.append((record, path, sources))
        yield from self.finish_plans(
            [((r.archive, r.archive_code), r, content_hash(r), path, "row", sources)
             for r, path, sources in plans], states, stored_files)  # (read, then yielded)

    def finish_plans(self, plans, states, stored_files) -> list[UnitTask]:
        """Stat the sources, keep or drop the stored ones, and skip units that did not change."""
        paths = [s.path for *_, sources in plans for s in sources]
        tasks: list[UnitTask] = []
        with self.store.engine.connect() as conn:
            known = file_states(conn, paths)
            for key, base, row_hash, source, kind, sources in plans:
                state = states.get(key)
                mine = {s.path for s in sources}
                drop: list[str] = []
                for stored in stored_files.get(key, []):
                    if stored.path in mine:
                        continue
                    if stored.attach == "listed" or (self.sync and self._gone(stored.path)):
                        drop.append(stored.path)  # no longer listed / deleted
                        continue
                    if stored.path in self.found.pages:  # found in this run: read it if it changed
                        if stored.path in self.claimed:
                            continue  # another unit of this run took it
                        self.claimed.add(stored.path)
                    sources.append(Source(stored.path, stored.attach or "named", stored.start or 1,
                                          known=stored))
                    mine.add(stored.path)
                for s in sources:
                    if s.known is None:
                        s.known = known.get(s.path)
                    self._stat(s)
                    if s.size is None and self.sync and s.known is not None:
                        drop.append(s.path)  # a deleted file's pages go
                        s.known = None
                task = UnitTask(key, base, row_hash, source, kind, sources, drop_files=drop,
                                entities=self.entities)
                self.processed.add(key)
                self.dropped.update(drop)
                # With entities on, a record stored without them is analysed again (its
                # files are not re-read: the stored pages are used), so switching on fills them.
                if not drop and state is not None and state["source"] == source \
                        and (state["has_entities"] or not self.entities) \
                        and self._unchanged(task, state):
                    self.report.unchanged += 1
                    self.tick(sum(1 for s in sources if s.path in self.found.pages))
                    if kind == "orphan" or (kind == "attach" and not source):
                        self._orphan(key, sources)
                    continue
                if state is not None:
                    wanted = [s.path for s in sources
                              if s.known is not None and s.known.status in ("ok", "needs_ocr")]
                    stored_pages: dict[str, list] = {}
                    for page in pages_from_sources(conn, state["pk"], wanted):
                        stored_pages.setdefault(page.source, []).append(page)
                    task.stored_pages = stored_pages
                tasks.append(task)
        return tasks

    def _gone(self, path: str) -> bool:
        return any(_under(path, root) for root in self.found.roots) and path not in self.found.pages

    def _stat(self, source: Source) -> None:
        """Size and mtime now; whether the file must be read (changed, new, OCR now possible)."""
        now = self.found.pages.get(source.path)
        if now is None:
            try:
                stat = os.stat(source.path)
                now = (stat.st_size, stat.st_mtime_ns)
            except OSError:
                now = None
        source.size, source.mtime_ns = now if now else (None, None)
        known = source.known
        if now is None:
            source.read = False  # missing: its stored pages are kept (dropped with --sync)
        elif known is not None and (known.size, known.mtime_ns) == now:
            source.read = known.status == "needs_ocr" and not self._ocr_unavailable()
        else:
            source.read = True

    def _ocr_unavailable(self) -> str:
        if self.ocr_unavailable is None:
            from indexer import ocr

            self.ocr_unavailable = ocr.unavailable(self.options)
        return self.ocr_unavailable

    def _unchanged(self, task: UnitTask, state: dict) -> bool:
        keys = []
        for s in task.sources:
            if s.read or (s.known is None and s.size is not None):
                return False
            keys.append(source_key(s, s.known.sha256, s.known.status) if s.known
                        else source_key(s, "", "missing"))
        if unit_hash(task.row_hash, keys) != state["source_hash"]:
            return False
        for s in task.sources:  # the same problems as last time, reported again
            if s.size is None:
                self.problem(Problem(s.origin or s.path, None, "files" if s.origin else None,
                                     f"no such file: {s.path}"))
            if s.known and s.known.status == "failed":
                self.problem(Problem(s.path, None, None, s.known.reason))
            elif s.known and s.known.status == "needs_ocr":
                self._needs_ocr(s.path, s.known.needs_ocr)
        return True

    def _needs_ocr(self, path: str, pages: int) -> None:
        self.report.needs_ocr += pages
        self.report.needs_ocr_files.append(path)

    def _orphan(self, key: tuple[str, str], sources: list[Source]) -> None:
        self.report.orphans.append({"id": f"{key[0]}/{key[1]}",
                                    "files": sorted(s.path for s in sources)})

    # -- planning: files named by 档号 ------------------------------------------

    def _archive_for(self, path: str, code: str) -> str | None:
        if self.archive:
            return self.archive
        folder = os.path.dirname(path)
        while True:
            archives = self.catalog_archives.get(folder)
            if archives:
                return next(iter(archives)) if len(archives) == 1 else None
            if any(folder == root for root in self.found.roots) or os.path.dirname(folder) == folder:
                break
            folder = os.path.dirname(folder)
        stored = self.store.archives_of_code(code)
        return stored[0] if len(stored) == 1 else None

    def plan_named(self) -> Iterator[UnitTask]:
        """Units of the files named by a 档号 that no catalog row of this run took."""
        for path in self.found.unnamed:
            if path in self.claimed:
                continue
            self.problem(Problem(path, None, None,
                                 "not named by a 档号 (like J001-001-0001.pdf or J001-001-0001_003.txt) "
                                 "and no catalog row lists it"))
            self.tick(1)
        groups: dict[tuple[str, str], list[Source]] = {}
        for code in sorted(self.found.named):
            for path, start in self.found.named[code]:
                if path in self.claimed:
                    continue
                archive = self._archive_for(path, code)
                if archive is None:
                    self.problem(Problem(path, None, None,
                                         f"cannot tell which archive holds {code}; give --archive"))
                    self.tick(1)
                    continue
                self.claimed.add(path)
                groups.setdefault((archive, code), []).append(Source(path, "named", start))
        keys = sorted(groups)
        for start in range(0, len(keys), PLAN_CHUNK):
            chunk = keys[start:start + PLAN_CHUNK]
            if self.dry_run:
                continue
            yield from self.attach_units(chunk, groups)

    def attach_units(self, keys: list[tuple[str, str]],
                     groups: dict[tuple[str, str], list[Source]]) -> Iterator[UnitTask]:
        """Units adding files to stored records, or making file-born records."""
        states = self.store.states(keys)
        stored = self.store.get_many(f"{a}/{c}" for a, c in keys if (a, c) in states)
        with self.store.engine.connect() as conn:
            stored_files = files_of_records(conn, keys)
        plans = []
        for key in keys:
            sources = groups.get(key, [])
            record = stored.get(f"{key[0]}/{key[1]}")
            state = states.get(key)
            if record is not None and state is not None:
                row_hash = state["row_hash"] or content_hash(record)
                source = state["source"] or ""
                kind = "attach"
            else:
                try:
                    record = record_from_row({"archive": key[0], "archive_code": key[1],
                                              "title": key[1], "access": "unreviewed"})
                except RecordError as exc:
                    for s in sources:
                        self.problem(Problem(s.path, None, None,
                                             f"file name {key[1]!r} is not a usable 档号: {exc.message}"))
                    self.tick(len(sources))
                    continue
                row_hash, source, kind = content_hash(record), "", "orphan"
            plans.append((key, record, row_hash, source, kind, sources))
        for task in self.finish_plans(plans, states, stored_files):
            if task.kind == "orphan" or (task.kind == "attach" and not task.source):
                self._orphan(task.key, task.sources)
            yield task

    # -- planning: sync ----------------------------------------------------------

    def plan_sync(self) -> None:
        """Remove records whose sources under the given paths are gone; detach deleted files."""
        remove: set[tuple[str, str]] = set()
        for root in self.found.roots:
            sources = self._sources_under(root)
            for source in sources:
                seen = self.catalog_seen.get(source, "absent")
                if seen is None or self.bad_rows.get(source):
                    # An unreadable row may be a stored record's: removing it would lose data.
                    self.problem(Problem(source, None, None, "has rows that cannot be read, so "
                                         "its records were not synced"), failed=False)
                    continue
                if seen == "absent" and source in self.found.catalogs:
                    continue
                stored = self.store.keys_from_source(source)
                remove |= stored if seen == "absent" else stored - seen  # type: ignore[operator]
        gone: dict[tuple[str, str], list[str]] = {}
        for root in self.found.roots:
            for state in files_under(self.store.engine, root, kind="page"):
                if state.path not in self.found.pages and state.path not in self.dropped:
                    gone.setdefault((state.archive or "", state.archive_code or ""), []).append(
                        state.path)
        keys = sorted(k for k in gone if k not in remove and k not in self.processed)
        states = self.store.states(keys)
        with self.store.engine.connect() as conn:
            stored_files = files_of_records(conn, keys)
        records = self.store.get_many(f"{a}/{c}" for a, c in keys)
        plans: list[tuple] = []
        for key in keys:
            known, record = states.get(key), records.get(f"{key[0]}/{key[1]}")
            if known is None or record is None:
                continue
            left = [f for f in stored_files.get(key, []) if f.path not in gone[key]]
            if not known["source"] and not left:
                remove.add(key)  # a file-born record whose files are all gone
                continue
            plans.append((key, record, known["row_hash"] or content_hash(record),
                          known["source"] or "", "attach", []))
        self.report.detached = sorted(p for key, paths in gone.items() if key not in remove
                                      for p in paths)
        if not self.dry_run:
            for task in self.finish_plans(plans, states, stored_files):
                self.submit(task)
        self.drain()
        self.flush()
        self.report.removed = sorted(f"{a}/{c}" for a, c in remove)
        if self.dry_run or not remove:
            return
        ids = [f"{a}/{c}" for a, c in sorted(remove)]
        self.store.unmark_indexed(sorted(remove))  # so a crash in between is repaired
        try:
            self.backend.delete(ids)
        except Exception as exc:
            self.problem(Problem("(index)", None, None,
                                 f"{len(ids)} records not removed from the index ({exc}); "
                                 "they stay in the catalog until the next --sync"))
            return
        self.store.remove(sorted(remove))
        try:  # the index holds nothing the catalog lacks
            extra = sorted(self.backend.ids() - self.store.ids())
            if extra:
                self.backend.delete(extra)
        except Exception:  # noqa: BLE001 - best effort; the next --sync repeats it
            pass

    def _sources_under(self, root: str) -> set[str]:
        from sqlalchemy import select

        from catalog.store import records_table

        prefix = root.rstrip("/") + "/"
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(records_table.c.source).distinct().where(
                records_table.c.source.is_not(None), records_table.c.source != ""))
            return {r.source for r in rows if r.source == root or r.source.startswith(prefix)}

    # -- analysis ---------------------------------------------------------------

    def submit(self, task: UnitTask) -> None:
        pending = self.pending
        pending.waiting.append(task)
        if self.pool is None and self.workers > 1 and len(pending.waiting) >= INLINE_UNITS:
            self.start_pool()
        if self.pool is not None and _cost(pending.waiting) >= 8:
            self.dispatch()

    def start_pool(self) -> None:
        _warm()
        if self.entities:
            from analyzers.entities import load_pipeline

            load_pipeline()
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_worker_init,
                                        initargs=(os.getpid(),))

    def dispatch(self) -> None:
        pending = self.pending
        tasks, pending.waiting = pending.waiting, []
        if not tasks:
            return
        if self.pool is None:
            self.accept(analyze_task(tasks, self.options))
            return
        pending.inflight.append((self.pool.submit(analyze_task, tasks, self.options), tasks))
        while len(pending.inflight) > INFLIGHT * self.workers:
            self.collect()

    def collect(self) -> None:
        """Results of the oldest task in flight (a worker that died fails its units only)."""
        future, tasks = self.pending.inflight.popleft()
        try:
            results = future.result()
        except BrokenProcessPool as exc:
            for task in tasks:
                names = ", ".join(s.path for s in task.sources) or task.source
                self.problem(Problem(names, None, None,
                                     f"a worker process died while reading this ({exc})"))
            if self.pool is not None:
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = None
                waiting = [t for _, ts in self.pending.inflight for t in ts]
                self.pending.inflight.clear()
                self.start_pool()
                self.pending.waiting[:0] = waiting
            return
        self.accept(results)

    def drain(self) -> None:
        """Analyse and write everything submitted so far (the next phase reads it back)."""
        self.dispatch()
        while self.pending.inflight:
            self.collect()
            if not self.pending.inflight:
                self.dispatch()
        self.flush()

    def accept(self, results: list[UnitResult]) -> None:
        pending = self.pending
        for result in results:
            for problem in result.problems:
                self.problem(problem)
            for path, count in result.needs_ocr:
                self._needs_ocr(path, count)
            if result.doc is None:  # could not be built; reported above
                continue
            pending.results.append(result)
            pending.pages += len(result.pages)
        if len(pending.results) >= self.batch or pending.pages >= BATCH_PAGES \
                or time.monotonic() - pending.since >= FLUSH_SECONDS:
            self.flush()

    # -- writing ------------------------------------------------------------------

    def _maybe_die(self, stage: str) -> None:
        """Test hook: SIGKILL this process once N records were written, at a stage
        (``LANTAI_TEST_KILL_AFTER=N``, ``LANTAI_TEST_KILL_AT=catalog|index|marked``)."""
        if self.kill_after and self.written >= self.kill_after and stage == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def flush(self) -> None:
        """Write the analysed records: catalog (one transaction), index (one), indexed marks."""
        pending = self.pending
        results, pending.results, pending.pages = pending.results, [], 0
        pending.since = time.monotonic()
        if not results:
            return
        writes = [RecordWrite(record=r.record, pages=r.pages, source=r.source, row_hash=r.row_hash,
                              source_hash=r.source_hash, files=r.files, drop_files=r.drop_files,
                              entities=r.entities, values=r.values) for r in results]
        outcomes = self.store.write(writes)
        self.written += len(outcomes)
        self._maybe_die("catalog")
        if self.delay:  # test hook: widen the window between catalog and index writes
            time.sleep(self.delay)
        docs, marks = [], []
        changed_records = []
        for result, outcome in zip(results, outcomes, strict=True):
            if outcome.status == "added":
                self.report.added += 1
            elif outcome.status == "updated":
                self.report.updated += 1
            elif outcome.entities_added:
                self.report.entities_added += 1
            else:
                self.report.unchanged += 1
            if outcome.status != "unchanged":
                self.report.pages += len(result.pages)
                self.report.low_quality_pages += sum(
                    1 for p in result.pages if p.low_quality and p.method != "needs_ocr")
                changed_records.append(outcome.record)
            if outcome.needs_index:
                doc = result.doc if outcome.record == result.record and result.doc else index_doc(
                    outcome.record, result.entities)
                docs.append(doc)
                marks.append((outcome.pk, outcome.content_hash))
            self.tick(sum(1 for f in result.files if f.path in self.found.pages))
        words = [w for r in changed_records for w in (*r.subjects, r.creator)]
        words += [n for r in results for n in entity_words(r.entities)]
        learn(self.store.engine, words, "catalog")
        if not docs:
            return
        tokens = {text: found for r in results for text, found in r.tokens.items()}
        try:
            with prepared_tokens(tokens):
                self.backend.index(docs)
        except Exception as exc:  # the catalog is intact; the next run indexes them
            self.report.not_indexed += len(docs)
            self.problem(Problem(
                results[0].source or results[0].key[1], None, None,
                f"{len(docs)} records stored but not indexed ({exc}); the next ingest indexes "
                "them, or run 'lantai reindex'"), failed=False)
            return
        self._maybe_die("index")
        self.store.mark_indexed(marks)
        self._maybe_die("marked")


def _cost(tasks: list[UnitTask]) -> int:
    return sum(1 + sum(1 for s in t.sources if s.read) * 2 for t in tasks)


def _warm() -> None:
    """Load what workers use before they are forked, so they share it."""
    index_doc(Record(archive="warm", archive_code="W1", title="預熱", text="預熱"))
    import pypdf  # noqa: F401


def _worker_init(parent: int) -> None:
    """In each worker: die with the parent (even when it is SIGKILLed); Ctrl-C is the parent's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


OPTIMIZE_AFTER = 10_000  # records written by one ingest run: a bulk load


def reindex(store: CatalogStore, backend: SearchBackend, batch: int = BATCH,
            progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the index from the catalog; returns the number of records indexed.

    A backend with ``rebuild`` (both built-in ones) builds a new index beside the old one
    and switches to it atomically, so searches keep answering; others are cleared and
    refilled. Records are read in batches of ``batch`` (memory stays bounded whatever the
    count); ``progress(done, total)`` is called after each batch and at the end. Each
    record is remembered as indexed in the version written.
    """
    total = store.count() if progress else 0

    def counted(items: Iterator[tuple[int, str, Record, dict | None]]):
        for n, item in enumerate(items, start=1):
            yield item
            if progress and n % batch == 0:
                progress(n, total)

    rebuild = getattr(backend, "rebuild", None)
    if callable(rebuild):
        marks: list[tuple[int, str]] = []

        def docs():
            for pk, digest, record, entities in counted(_stored(store, batch)):
                marks.append((pk, digest))
                yield index_doc(record, entities)

        count = rebuild(docs())
        store.mark_indexed(marks)
        if progress:
            progress(count, total)
        return count
    backend.clear()
    done = 0
    chunk: list[tuple[int, str, Record, dict | None]] = []
    for item in counted(_stored(store, batch)):
        chunk.append(item)
        if len(chunk) >= batch:
            backend.index([index_doc(r, e) for _, _, r, e in chunk])
            store.mark_indexed((pk, digest) for pk, digest, _, _ in chunk)
            done += len(chunk)
            chunk = []
    backend.index([index_doc(r, e) for _, _, r, e in chunk])
    store.mark_indexed((pk, digest) for pk, digest, _, _ in chunk)
    count = done + len(chunk)
    if progress:
        progress(count, total)
    return count


def _stored(store: CatalogStore, batch: int) -> Iterator[tuple[int, str, Record, dict | None]]:
    """Every record with its pk, content hash and stored entities, in pk order."""
    import json

    from sqlalchemy import select

    from catalog.store import _record, records_table

    last = 0
    while True:
        with store.engine.connect() as conn:
            rows = conn.execute(select(records_table).where(records_table.c.pk > last)
                                .order_by(records_table.c.pk).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            yield row.pk, row.content_hash, _record(row), json.loads(row.entities) if row.entities else None
        last = rows[-1].pk


