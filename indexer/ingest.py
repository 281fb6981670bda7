"""Ingest (入库): read files, validate rows, store records, index them.

The catalog is written first, then the index. A bad row is reported with its file,
line and field while the good rows of the same file are stored; a record already
stored is replaced only by a valid newer version of itself. When the index cannot
be written, the catalog keeps the records and the report lists them as not indexed
(``lantai reindex`` repairs).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from catalog.lexicon import learn
from catalog.records import Record, RecordError, record_from_row
from catalog.store import CatalogStore
from indexer.documents import index_doc
from indexer.readers import ReadError, RowProblem, reader_for
from search.base import SearchBackend

BATCH = 500


@dataclass
class Problem:
    """Something that went wrong, located as precisely as it can be."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: " + (f"field {self.field!r}: " if self.field else "") + self.message


@dataclass
class IngestReport:
    """Counts and problems of one ingest run (``lantai ingest --json``)."""

    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    not_indexed: int = 0
    errors: list[Problem] = field(default_factory=list)

    def as_json(self) -> dict:
        """The summary as a JSON-ready dict."""
        return {
            "files": self.files, "added": self.added, "updated": self.updated,
            "unchanged": self.unchanged, "failed": self.failed, "not_indexed": self.not_indexed,
            "errors": [{"file": p.file, "line": p.line, "field": p.field, "message": p.message}
                       for p in self.errors],
        }


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Input files: the files given, and the readable files under the folders given."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and reader_for(p))
        else:
            yield path


class Ingester:
    """Stores and indexes records from files into one catalog and one backend."""

    def __init__(self, store: CatalogStore, backend: SearchBackend) -> None:
        self.store = store
        self.backend = backend

    def ingest(self, paths: Iterable[Path], archive: str | None = None) -> IngestReport:
        """Ingest files and folders; never raises for bad input, reports it instead."""
        report = IngestReport()
        for path in discover(paths):
            report.files += 1
            self._ingest_file(path, archive, report)
        return report

    def _ingest_file(self, path: Path, archive: str | None, report: IngestReport) -> None:
        name = str(path)
        reader = reader_for(path)
        if reader is None:
            report.errors.append(Problem(name, None, None, "unsupported file type"))
            report.failed += 1
            return
        batch: list[Record] = []
        seen: dict[str, int] = {}
        try:
            for line, row in reader(path):
                if isinstance(row, RowProblem):
                    report.errors.append(Problem(name, line, None, row.message))
                    report.failed += 1
                    continue
                try:
                    record = record_from_row(row, archive)
                except RecordError as exc:
                    report.errors.append(Problem(name, line, exc.field, exc.message))
                    report.failed += 1
                    continue
                if record.id in seen:
                    report.errors.append(Problem(
                        name, line, "archive_code",
                        f"{record.archive_code!r} repeats line {seen[record.id]} of this file"))
                    report.failed += 1
                    continue
                seen[record.id] = line
                batch.append(record)
                if len(batch) >= BATCH:
                    self.store_and_index(batch, name, report)
                    batch = []
        except (ReadError, OSError) as exc:
            message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            report.errors.append(Problem(name, None, None, message))
            report.failed += 1
        self.store_and_index(batch, name, report)

    def store_and_index(self, records: list[Record], source: str, report: IngestReport) -> None:
        """Write a batch to the catalog, then index what changed."""
        if not records:
            return
        result = self.store.upsert(records)
        report.added += len(result.added)
        report.updated += len(result.updated)
        report.unchanged += len(result.unchanged)
        changed = result.added + result.updated
        learn(self.store.engine, (w for r in changed for w in (*r.subjects, r.creator)), "catalog")
        try:
            self.backend.index([index_doc(r) for r in changed])
        except Exception as exc:  # the catalog is intact; reindex repairs
            report.not_indexed += len(changed)
            report.errors.append(Problem(
                source, None, None,
                f"{len(changed)} records stored but not indexed ({exc}); run 'lantai reindex'"))


def reindex(store: CatalogStore, backend: SearchBackend, batch: int = BATCH) -> int:
    """Rebuild the index from the catalog; returns the number of records indexed.

    A backend with ``rebuild`` (OpenSearch) builds a new index beside the old one and
    switches to it atomically, so searches keep answering; others are cleared and refilled.
    """
    rebuild = getattr(backend, "rebuild", None)
    if callable(rebuild):
        return rebuild(index_doc(r) for r in store.iter_records())
    backend.clear()
    done = 0
    chunk: list[Record] = []
    for record in store.iter_records():
        chunk.append(record)
        if len(chunk) >= batch:
            backend.index([index_doc(r) for r in chunk])
            done += len(chunk)
            chunk = []
    backend.index([index_doc(r) for r in chunk])
    return done + len(chunk)
