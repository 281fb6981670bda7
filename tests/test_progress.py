"""Ingest progress on stderr: a redrawn bar on a terminal, plain lines in a log."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

from indexer import ingest
from indexer.ingest import IngestReport
from indexer.progress import Progress, RebuildProgress
from tests.conftest import record, write_jsonl

ROOT = Path(__file__).resolve().parents[1]


class Terminal(io.StringIO):
    """What a terminal receives (a stream that says it is one)."""

    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_one_redrawn_line_with_bar_counts_rate_and_eta():
    screen = Terminal()
    progress = Progress(screen, interval=0)
    progress(IngestReport(added=30, pages=120), 3, 10)
    progress(IngestReport(added=50, updated=2, failed=1, pages=200, seconds=4.0), 10, 10)
    first, last = screen.getvalue().split("\r\x1b[K")[1:]
    assert first.startswith("lantai ingest [#######.................] 3/10 files, 30 records")
    assert re.search(r"120 pages, [\d.]+ records/s, [\d.]+ pages/s, ETA \d+m\d\ds, peak RSS \d+ MB$", first)
    assert last.startswith(
        "lantai ingest [########################] 10/10 files, 52 records "
        "(50 added, 2 updated, 0 unchanged, 1 failed), 200 pages"
    )
    assert re.search(r"ETA 0m00s, peak RSS \d+ MB\n$", last)  # the last drawing ends the line


def test_a_log_gets_plain_lines_at_the_interval_and_at_the_end():
    log = io.StringIO()
    progress = Progress(log, interval=3600)
    progress(IngestReport(added=1), 1, 4)  # the first call draws
    progress(IngestReport(added=2), 2, 4)  # within the interval: nothing
    progress(IngestReport(added=4, pages=8, seconds=1.0), 4, 4)  # the end always draws
    lines = log.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in log.getvalue()
    assert lines[0].startswith("lantai ingest: progress: 1/4 files, 1 records (1 added")
    assert lines[1].startswith("lantai ingest: progress: 4/4 files, 4 records")


def test_ingest_reports_progress_as_files_are_done(lantai, tmp_path):
    seen = []
    rows = write_jsonl(tmp_path / "a.jsonl", [record(f"J1-{n}", "关于土地改革的报告") for n in range(3)])
    write_jsonl(tmp_path / "b.jsonl", [record("J2-1", "关于兴修水利的报告")])
    lantai.ingester.ingest(
        [rows.parent], progress=lambda report, done, total: seen.append((done, total, report.added))
    )
    assert seen[-1] == (2, 2, 4)
    assert [done for done, _, _ in seen] == sorted(done for done, _, _ in seen)


def test_a_rebuild_reports_records_rate_eta_and_peak_memory(lantai, tmp_path):
    rows = [record(f"R-{n:03d}", f"关于第{n}号文件的报告") for n in range(7)]
    lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", rows)])
    calls: list[tuple[int, int]] = []
    assert (
        ingest.reindex(
            lantai.store, lantai.backend, batch=3, progress=lambda done, total: calls.append((done, total))
        )
        == 7
    )
    assert calls == [(3, 7), (6, 7), (7, 7)]
    log = io.StringIO()
    progress = RebuildProgress(log, interval=0)
    progress(3, 7)
    progress(7, 7)
    first, last = log.getvalue().splitlines()
    assert re.fullmatch(
        r"lantai reindex: progress: 3/7 records, [\d.]+ records/s, "
        r"ETA \d+m\d\ds, peak RSS \d+ MB",
        first,
    )
    assert "7/7 records" in last and "ETA 0m00s" in last


def test_the_peak_memory_is_the_process_own_not_its_parents(tmp_path):
    """A process that held 400 MB and then became ``lantai`` (exec) reports its own peak:
    ``ru_maxrss`` would give the 400 MB of the process it replaced."""
    child = (
        "import os, sys\n"
        "ballast = bytearray(400 * 2**20)\n"
        "ballast[:: 4096] = b'x' * len(ballast[:: 4096])\n"  # touch every page
        "del ballast\n"
        "os.execv(sys.executable, [sys.executable, '-c', "
        "'import resource; from indexer.progress import peak_rss_mb; "
        "print(peak_rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, check=True, cwd=str(ROOT)
    )
    own, inherited = map(float, done.stdout.split())
    assert inherited > 400  # what ru_maxrss says: the parent's peak
    assert own < 200, done.stdout
