"""The report of an ingest run (入库报告): counts, problems, orphans, and progress as it goes.

Every stage of a run (:mod:`indexer.plan`, :mod:`indexer.workers`, :mod:`indexer.write`)
tells one :class:`Tally` what it did; the tally keeps the :class:`IngestReport` that
``lantai ingest --json`` prints and calls the ``progress`` callback as files are done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from indexer.units import Problem

#: ``progress(report, files done, files in all)``, called as files are done.
ProgressCallback = Callable[["IngestReport", int, int], None]


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
            "files": self.files,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "entities_added": self.entities_added,
            "failed": self.failed,
            "not_indexed": self.not_indexed,
            "pages": self.pages,
            "low_quality_pages": self.low_quality_pages,
            "needs_ocr": self.needs_ocr,
            "needs_ocr_files": self.needs_ocr_files,
            "orphans": self.orphans,
            "removed": self.removed,
            "detached": self.detached,
            "reindexed": self.reindexed,
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 3),
            "errors": [
                {"file": p.file, "line": p.line, "field": p.field, "reason": p.message, "message": p.message}
                for p in self.errors
            ],
        }


class Tally:
    """What the stages of one run report: problems, pages needing OCR, orphans, files done."""

    def __init__(self, report: IngestReport, progress: ProgressCallback | None = None) -> None:
        self.report = report
        self.progress = progress
        self.total = 0  # input files of the run
        self.done = 0

    def problem(self, problem: Problem, failed: bool = True) -> None:
        """Report a problem; ``failed`` counts it as a failed record or file."""
        self.report.errors.append(problem)
        if failed:
            self.report.failed += 1

    def needs_ocr(self, path: str, pages: int) -> None:
        """Report a file with pages that have no text layer (read once OCR is installed)."""
        self.report.needs_ocr += pages
        self.report.needs_ocr_files.append(path)

    def orphan(self, key: tuple[str, str], paths: Iterable[str]) -> None:
        """Report a record made from files no catalog row lists (status unreviewed)."""
        self.report.orphans.append({"id": f"{key[0]}/{key[1]}", "files": sorted(paths)})

    def tick(self, files: int = 0) -> None:
        """Count ``files`` input files as done and tell ``progress``."""
        self.done += files
        if self.progress is not None:
            self.progress(self.report, min(self.done, self.total), self.total)

    def finish(self, seconds: float) -> IngestReport:
        """The run is over: its duration, the last progress call, the report."""
        self.report.seconds = seconds
        self.done = self.total
        self.tick()
        return self.report
