"""``lantai reindex`` remembers which version of each record it wrote, compactly, and
marks them indexed after the switch in transactions of a bounded size: at a million
records a list of every (pk, digest) and one update of them all took hundreds of MB."""

from __future__ import annotations

import indexer.rebuild as rebuild
from indexer.rebuild import IndexedMarks, reindex
from tests.conftest import record, write_jsonl


def test_marks_keep_each_records_digest_in_40_bytes_and_give_them_back(tmp_path):
    marks = IndexedMarks()
    digests = [f"{n:064x}" for n in range(1000)]
    for pk, digest in enumerate(digests):
        marks.add(pk, digest)
    assert list(marks) == list(enumerate(digests))
    assert len(marks._digests) + marks._pks.itemsize * len(marks._pks) == 40 * 1000


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
