"""Progress of an ingest run (a bar on a terminal, plain periodic lines otherwise) and of
an index rebuild, on stderr."""

from __future__ import annotations

import resource
import sys
import time
from typing import IO

from indexer.report import IngestReport


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB.

    Read from ``VmHWM`` in ``/proc/self/status`` where there is one: ``ru_maxrss`` survives
    ``exec``, so a process started by a larger one (a benchmark holding its data) would
    report the parent's peak as its own. Elsewhere ``ru_maxrss`` (kilobytes on Linux).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


class Progress:
    """Callable given to :meth:`indexer.ingest.Ingester.ingest` as ``progress``.

    On a terminal it redraws one line (a bar, counts, rate and ETA) a few times a second;
    elsewhere it writes a plain line every ``interval`` seconds (10 by default) and at the end.
    """

    def __init__(self, stream: IO[str] | None = None, interval: float | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        if interval is None:
            interval = 0.2 if self.tty else 10.0
        self.interval = interval
        self.started = time.monotonic()
        self.last = float("-inf")  # the first call always draws
        self.drawn = False

    def line(self, report: IngestReport, done: int, total: int) -> str:
        """The progress text: files, records, pages, rate, ETA and this process's peak
        memory (the writer's; each worker process holds its own analyzers besides)."""
        elapsed = max(time.monotonic() - self.started, 1e-6)
        records = report.added + report.updated + report.unchanged
        eta = "--"
        if 0 < done < total:
            eta = _duration(elapsed * (total - done) / done)
        elif total and done >= total:
            eta = "0m00s"
        return (
            f"{done}/{total} files, {records} records ({report.added} added, "
            f"{report.updated} updated, {report.unchanged} unchanged, {report.failed} failed), "
            f"{report.pages} pages, {records / elapsed:.1f} records/s, "
            f"{report.pages / elapsed:.1f} pages/s, ETA {eta}, peak RSS {peak_rss_mb():.0f} MB"
        )

    def __call__(self, report: IngestReport, done: int, total: int) -> None:
        now = time.monotonic()
        final = report.seconds > 0
        if not final and now - self.last < self.interval:
            return
        self.last = now
        text = self.line(report, done, total)
        if self.tty:
            width = 24
            filled = int(width * done / total) if total else width
            bar = "#" * filled + "." * (width - filled)
            self.stream.write(f"\r\x1b[Klantai ingest [{bar}] {text}")
            self.drawn = True
            if final:
                self.stream.write("\n")
        else:
            self.stream.write(f"lantai ingest: progress: {text}\n")
        self.stream.flush()


class RebuildProgress:
    """Callable given to :func:`indexer.rebuild.reindex` as ``progress``: records done of
    the total, rate, ETA and the process's peak memory, as :class:`Progress` writes them."""

    def __init__(self, stream: IO[str] | None = None, interval: float | None = None) -> None:
        self.stream = stream or sys.stderr
        if interval is None:
            interval = 0.2 if self.stream.isatty() else 10.0
        self.interval = interval
        self.started = time.monotonic()
        self.last = float("-inf")  # the first call always draws

    def line(self, done: int, total: int) -> str:
        """The progress text: records, rate, ETA, peak RSS."""
        elapsed = max(time.monotonic() - self.started, 1e-6)
        eta = "--"
        if 0 < done < total:
            eta = _duration(elapsed * (total - done) / done)
        elif total and done >= total:
            eta = "0m00s"
        return (
            f"{done}/{total} records, {done / elapsed:.1f} records/s, ETA {eta}, "
            f"peak RSS {peak_rss_mb():.0f} MB"
        )

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        final = total > 0 and done >= total
        if not final and now - self.last < self.interval:
            return
        self.last = now
        self.stream.write(f"lantai reindex: progress: {self.line(done, total)}\n")
        self.stream.flush()
