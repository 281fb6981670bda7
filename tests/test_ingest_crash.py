"""Crash safety of ``lantai ingest``: a real process killed with SIGKILL at several points,
then run again, leaves every record exactly once in the catalog and in the index, each
with all its pages, and never shows a half-written record to search."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from catalog.pages import pages_of
from catalog.store import CatalogStore
from config import load_settings
from search import sqlite_engine
from search.sqlite_fts import SqliteBackend
from tests.conftest import cli_env
from tests.fixtures.ingest import make

pytestmark = pytest.mark.both_catalogs  # the catalog on SQLite and on PostgreSQL

WITH_HOOKS = str(Path(__file__).with_name("ingest_with_hooks.py"))
ROWS = 40
PDFS = 5
ORPHANS = 3


@pytest.fixture
def delivery(tmp_path) -> tuple[Path, dict[str, int]]:
    """A catalog of 40 records with two listed text pages each, PDFs named by 档号 adding pages
    3-4 to five of them, and three files no record names. Returns the folder and the page
    count every record must end up with."""
    root = tmp_path / "in"
    (root / "pages").mkdir(parents=True)
    lines = ["馆藏单位,档号,题名,日期,开放状态,文件"]
    expected = {}
    for n in range(1, ROWS + 1):
        code = f"J100-001-{n:04d}"
        lines.append(
            f"crash-city,{code},关于第{n}批土地改革工作的报告,1950,开放,pages/p{n}-1.txt;pages/p{n}-2.txt"
        )
        (root / "pages" / f"p{n}-1.txt").write_text(f"第{n}号档案第一页：土地改革。", encoding="utf-8")
        (root / "pages" / f"p{n}-2.txt").write_bytes(f"第{n}号档案第二页：农民协会。".encode("gb18030"))
        expected[f"crash-city/{code}"] = 2
    for n in range(1, PDFS + 1):
        code = f"J100-001-{n:04d}"
        make.text_pdf(root / f"{code}_003.pdf", [f"第{n}号第三页：水利。", f"第{n}号第四页：扫盲。"])
        expected[f"crash-city/{code}"] = 4
    for n in range(1, ORPHANS + 1):
        (root / f"J900-001-{n:04d}.txt").write_text(f"无目录的文件{n}", encoding="utf-8")
        expected[f"crash-city/J900-001-{n:04d}"] = 1
    (root / "catalog.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root, expected


def run(root: Path, data: Path, catalog_url: str, entities: bool = False, *hooks: str) -> subprocess.Popen:
    """``lantai ingest`` of ``root`` in a process (tests/ingest_with_hooks.py: batches of 4
    records, and ``hooks``), on the catalog ``catalog_url`` (``""``: a SQLite file in
    ``data``); entity extraction (the default of an installation) only when asked, as the
    model is slow to load."""
    settings = load_settings(env={}, data_dir=str(data), database_url=catalog_url)
    clean = cli_env(settings, LANTAI_INGEST_ENTITIES=str(entities).lower())
    return subprocess.Popen(
        [
            sys.executable,
            WITH_HOOKS,
            "--batch",
            "4",
            *hooks,
            "--",
            str(root),
            "--json",
            "--workers",
            "2",
            "--no-ocr",
        ],
        env=clean,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


def catalog_of(data: Path, catalog_url: str) -> CatalogStore:
    """The catalog the ingest processes of a test write to."""
    return CatalogStore(load_settings(env={}, data_dir=str(data), database_url=catalog_url).catalog_url)


def check_consistent(data: Path, catalog_url: str, expected: dict[str, int], complete: bool) -> set[str]:
    """Every record in the catalog has all its pages; the index holds only such records.
    With ``complete``, catalog and index hold exactly the expected records, once each.
    Returns the ids in the catalog."""
    store = catalog_of(data, catalog_url)
    try:
        stored = store.ids()
        assert stored <= set(expected)
        for record_id in stored:
            archive, code = record_id.split("/", 1)
            assert len(pages_of(store.engine, archive, code)) == expected[record_id], record_id
        indexed = SqliteBackend(data / "index.sqlite").ids()
        assert indexed <= stored  # nothing searchable that the catalog does not fully hold
        with sqlite_engine.connect(data / "index.sqlite") as conn:
            assert conn.execute("SELECT count(*) FROM docs").fetchone()[0] == len(indexed)
            assert conn.execute("SELECT count(*) FROM fts").fetchone()[0] == len(indexed)
        if complete:
            assert stored == indexed == set(expected)
        return stored
    finally:
        store.close()


def workers_of(root: Path) -> list[int]:
    """Processes still running whose command line names this test's input folder."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if str(root) in cmdline and "ingest" in cmdline:
            pids.append(int(entry.name))
    return pids


def wait_gone(root: Path, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while workers_of(root) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert workers_of(root) == [], "worker processes outlived the killed ingest"


@pytest.mark.parametrize(
    "stage,after,entities", [("catalog", 9, False), ("index", 17, True), ("marked", 30, False)]
)
def test_killed_at_a_stage_then_run_again(delivery, tmp_path, catalog_url, stage, after, entities):
    root, expected = delivery
    data = tmp_path / "data"
    code, _, err = finish(
        run(root, data, catalog_url, entities, "--kill-after", str(after), "--kill-at", stage)
    )
    assert code == -signal.SIGKILL, err
    wait_gone(root)
    check_consistent(data, catalog_url, expected, complete=False)

    code, out, err = finish(run(root, data, catalog_url, entities))
    assert code == 0, err
    summary = json.loads(out)
    assert (
        summary["failed"] == 0
        and summary["added"] + summary["unchanged"] + summary["updated"] >= len(expected) - summary["added"]
    )
    check_consistent(data, catalog_url, expected, complete=True)
    if entities:  # the records written before the kill have theirs too
        store = catalog_of(data, catalog_url)
        try:
            assert all(store.entities(*i.split("/", 1)) is not None for i in expected)
        finally:
            store.close()

    code, out, err = finish(run(root, data, catalog_url, entities))  # once more: nothing to do
    summary = json.loads(out)
    assert (code, summary["added"], summary["updated"], summary["reindexed"]) == (0, 0, 0, 0)
    assert summary["unchanged"] == len(expected)
    assert summary["pages"] == 0


def test_killed_from_outside_after_progress_lines(delivery, tmp_path, catalog_url):
    root, expected = delivery
    data = tmp_path / "data"
    process = run(root, data, catalog_url, False, "--progress-interval", "0", "--flush-delay", "0.15")
    progress = 0
    assert process.stderr is not None
    for line in process.stderr:
        if "progress:" in line:
            progress += 1
        if progress == 6:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    process.stdout.close()  # the rest of what the killed process wrote is not read
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL, "ingest ended before it could be killed"
    wait_gone(root)
    stored = check_consistent(data, catalog_url, expected, complete=False)
    assert 0 < len(stored) < len(expected)  # killed in the middle

    code, out, err = finish(run(root, data, catalog_url))
    assert code == 0, err
    check_consistent(data, catalog_url, expected, complete=True)
    assert json.loads(out)["failed"] == 0
