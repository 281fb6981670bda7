"""``lantai reindex`` remembers which version of each record it wrote, compactly, and
marks them indexed after the switch in transactions of a bounded size: at a million
records a list of every (pk, digest) and one update of them all took hundreds of MB."""

from __future__ import annotations

import tempfile
import tracemalloc

import indexer.rebuild as rebuild
from indexer.rebuild import IndexedMarks, reindex
from tests.conftest import record, write_jsonl


def test_marks_are_kept_on_disk_and_given_back_in_pk_order():
    digests = {pk: f"{pk:064x}" for pk in range(20_000, 0, -1)}
    tracemalloc.start()
    try:
        with IndexedMarks() as marks:
            for pk, digest in digests.items():
                marks.add(pk, digest)
            kept = tracemalloc.get_traced_memory()[0]
            assert len(marks) == 20_000
            assert list(marks) == sorted(digests.items())
    finally:
        tracemalloc.stop()
    # In an array of 40 bytes a record they took 800 kB; a list of tuples about 4 MB.
    assert kept < 200_000, kept


def test_reindex_marks_every_record_indexed_in_bounded_transactions(lantai, tmp_path, monkeypatch):
    rows = [record(f"J001-001-{n:04d}", f"关于第{n}号文件的通知", text="土地改革。") for n in range(1, 26)]
    lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", rows)])
    lantai.store.unmark_indexed([(row["archive"], row["archive_code"]) for row in rows])
    assert len(list(lantai.store.pending_index())) > 0
    calls: list[int] = []
    mark = lantai.store.mark_indexed

    def counted(done):
        done = list(done)
        calls.append(len(done))
        mark(done)

    monkeypatch.setattr(lantai.store, "mark_indexed", counted)
    monkeypatch.setattr(rebuild, "MARK_BATCH", 10)
    assert reindex(lantai.store, lantai.backend, workers=1) == 25
    assert calls == [10, 10, 5]
    assert list(lantai.store.pending_index()) == []


def test_reindex_leaves_no_scratch_file(lantai, tmp_path, monkeypatch):
    rows = [record(f"J001-002-{n:04d}", f"第{n}号通知") for n in range(1, 6)]
    lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", rows)])
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    assert reindex(lantai.store, lantai.backend, workers=1) == 5
    assert list((tmp_path / "tmp").glob("lantai-*")) == []
