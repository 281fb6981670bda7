"""A run's inventory (清点清单) lives on disk: an ingest's memory does not grow with the delivery."""

import os
import signal
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

import pytest

from indexer.discover import discover_inputs
from indexer.inventory import Inventory
from indexer.plan import Planner
from indexer.report import IngestReport, Tally
from indexer.write import IngestHooks
from tests.conftest import cli_env

WITH_HOOKS = str(Path(__file__).with_name("ingest_with_hooks.py"))


def _delivery(root: Path, records: int, fonds: str = "J001") -> Path:
    """A catalog CSV of ``records`` rows, and one page file named by each row's 档号."""
    root.mkdir()
    rows = ["馆藏单位,档号,题名,开放状态"]
    for n in range(records):
        code = f"{fonds}-{n // 1000:03d}-{n % 1000:04d}"
        folder = root / f"F{n // 1000:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"{code}.txt").touch()
        rows.append(f"test-city,{code},第{n}号文件,开放")
    (root / "catalog.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def _planned_peak(lantai, root: Path) -> tuple[int, int]:
    """(units planned, peak of Python memory) of discovering and planning one delivery."""
    tracemalloc.start()
    try:
        found = discover_inputs([root])
        planner = Planner(lantai.store, found, Tally(IngestReport()))
        units = sum(1 for _ in planner.plan_rows()) + sum(1 for _ in planner.plan_named())
        found.close()
        return units, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_planning_memory_does_not_grow_with_the_files(lantai, tmp_path):
    small = _delivery(tmp_path / "small", 1_000)
    large = _delivery(tmp_path / "large", 12_000)
    small_units, small_peak = _planned_peak(lantai, small)
    large_units, large_peak = _planned_peak(lantai, large)
    assert (small_units, large_units) == (1_000, 12_000)
    # Kept in dicts and sets, 11,000 more files and rows took about 14 MB more.
    assert large_peak - small_peak < 1_000_000, (small_peak, large_peak)


def _open_scratch_files() -> list[str]:
    """The files this process has open whose names were removed (Linux: /proc/self/fd)."""
    links = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            links.append(os.readlink(f"/proc/self/fd/{fd}"))
        except FileNotFoundError:  # the descriptor listdir itself had open
            continue
    return [link for link in links if "lantai-ingest-" in link and link.endswith("(deleted)")]


def test_the_inventory_is_on_disk_during_the_run_and_named_nowhere(lantai, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    during: list[tuple[list[str], list[Path]]] = []

    def at_stage(stage: str, written: int) -> None:
        during.append((_open_scratch_files(), list((tmp_path / "tmp").glob("lantai-*"))))

    root = _delivery(tmp_path / "in", 30)
    report = lantai.ingester.ingest([root], hooks=IngestHooks(batch=10, at_stage=at_stage))
    assert (report.added, report.failed) == (30, 0)
    assert during and all(len(files) == 1 and named == [] for files, named in during), during
    assert _open_scratch_files() == []


def test_a_killed_ingest_leaves_no_scratch_file(settings, tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    root = _delivery(tmp_path / "in", 30)
    env = cli_env(settings, LANTAI_INGEST_ENTITIES="false", TMPDIR=str(scratch))
    hooks = ["--batch", "4", "--kill-after", "8", "--kill-at", "catalog"]
    done = subprocess.run(
        [sys.executable, WITH_HOOKS, *hooks, "--", str(root), "--json", "--workers", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert list(scratch.glob("lantai-*")) == []


def test_a_record_given_twice_keeps_its_first_row(lantai, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(
        "馆藏单位,档号,题名,开放状态\n"
        "test-city,J1-1-1,关于春耕生产的通知,开放\n"
        "test-city,J1-1-2,关于兴修水利的报告,开放\n"
        "test-city,J1-1-1,又一个春耕通知,开放\n",
        encoding="utf-8",
    )
    second.write_text(
        "馆藏单位,档号,题名,开放状态\ntest-city,J1-1-2,另一个水利报告,开放\ntest-city,J1-1-2,第三个,开放\n",
        encoding="utf-8",
    )
    report = lantai.ingester.ingest([first, second])
    assert report.added == 2
    assert [str(p) for p in report.errors] == [
        f"{first}:4: field 'archive_code': 'J1-1-1' repeats line 2 of this file",
        f"{second}:2: field 'archive_code': 'J1-1-2' is also in {first}:3; the first row was kept",
        f"{second}:3: field 'archive_code': 'J1-1-2' repeats line 2 of this file",
    ]
    assert lantai.store.get("test-city", "J1-1-2").title == "关于兴修水利的报告"


def test_inventory_answers_by_name_and_by_code():
    with Inventory() as inventory:
        inventory.add_page("/in/a/J1-1-2.txt", 3, 7, "text", ("J1-1-2", 1))
        inventory.add_page("/in/a/说明.txt", 4, 7, "text", None)
        inventory.add_page("/in/a/J1-1-1_002.txt", 5, 7, "text", ("J1-1-1", 2))
        inventory.add_page("/in/a/J1-1-1.tif", 6, 7, "image", ("J1-1-1", 1))
        inventory.add_page("/in/a/J1-1-1.hocr", 6, 7, "hocr", ("J1-1-1", 1))
        inventory.close_discovery()
        assert inventory.pages == 5 and "/in/a/说明.txt" in inventory and "/in/b" not in inventory
        assert list(inventory.layout_files()) == ["/in/a/J1-1-1.hocr"]
        assert inventory.mark_scan("/in/a/J1-1-1.tif", "/in/a/J1-1-1.hocr")
        assert not inventory.mark_scan("/in/a/J1-1-2.txt", "/in/a/J1-1-1.hocr")  # no image
        assert inventory.is_scan("/in/a/J1-1-1.tif") and not inventory.is_scan("/in/a/J1-1-2.txt")
        assert inventory.named_files("J1-1-1") == [("/in/a/J1-1-1_002.txt", 2), ("/in/a/J1-1-1.hocr", 1)]
        assert inventory.claim("/in/a/J1-1-2.txt") and not inventory.claim("/in/a/J1-1-2.txt")
        assert list(inventory.named_unclaimed()) == [
            ("J1-1-1", "/in/a/J1-1-1_002.txt", 2),
            ("J1-1-1", "/in/a/J1-1-1.hocr", 1),
        ]
        assert list(inventory.unnamed_unclaimed()) == ["/in/a/说明.txt"]
        inventory.built(("a", "J1-1-2"), ["/in/old.txt"])
        assert inventory.was_built(("a", "J1-1-2")) and not inventory.was_built(("a", "J1-1-1"))
        assert inventory.was_dropped("/in/old.txt") and not inventory.was_dropped("/in/a/J1-1-2.txt")
        assert inventory.folder == "" and _open_scratch_files()
    assert _open_scratch_files() == []


@pytest.mark.parametrize("rows", [1, 2_500])
def test_named_files_come_in_code_order_across_chunks(rows):
    with Inventory() as inventory:
        for n in reversed(range(rows)):
            inventory.add_page(f"/in/J1-{n:05d}.txt", 1, 1, "text", (f"J1-{n:05d}", 1))
        inventory.close_discovery()
        codes = [code for code, _path, _start in inventory.named_unclaimed()]
    assert codes == [f"J1-{n:05d}" for n in range(rows)]


def _synced_peak(lantai, root: Path) -> int:
    """Peak of Python memory of ingesting an unchanged delivery again with ``--sync``."""
    tracemalloc.start()
    try:
        report = lantai.ingester.ingest([root], sync=True, workers=1)
        assert (report.added, report.failed, report.removed, report.detached) == (0, 0, [], [])
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_unchanged_delivery_synced_again_takes_no_more_memory_for_more_files(lantai, tmp_path):
    small = _delivery(tmp_path / "small", 1_000)
    large = _delivery(tmp_path / "large", 12_000, fonds="J002")
    for root in (small, large):
        assert lantai.ingester.ingest([root], workers=1).added == len(list(root.rglob("*.txt")))
    small_peak = _synced_peak(lantai, small)
    large_peak = _synced_peak(lantai, large)
    # The catalog's files under the delivery, read in one list, took about 11 MB more.
    assert large_peak - small_peak < 1_000_000, (small_peak, large_peak)
