"""A stale index never shows what the catalog now hides (issue 12, point 3).

The index write of a re-ingest that narrows a record is made to fail on purpose: the
catalog has the new status, the index the old one. The hits of a page are checked against
the catalog before they are shown; the one the catalog hides is dropped and logged for
reindexing, on every backend.
"""

from __future__ import annotations

import logging

from catalog.policy import PUBLIC
from search.base import BackendUnavailable
from search.params import parse_request
from tests.conftest import write_jsonl
from tests.contract.conftest import CORPUS

CODE = "J001-001-0001"  # open, unclassified: 宝鸡市人民政府关于土地改革的通知
RECORD_ID = f"test-city/{CODE}"


def narrow_without_reindexing(lantai, tmp_path, monkeypatch, **changes) -> None:
    """Re-ingest the record with ``changes`` while every index write fails."""
    row = next(dict(r) for r in CORPUS if r["archive_code"] == CODE)
    row.update(changes)

    def failing(_docs):
        raise BackendUnavailable("index write failed on purpose")

    monkeypatch.setattr(lantai.backend, "index", failing)
    report = lantai.ingester.ingest([write_jsonl(tmp_path / "again.jsonl", [row])])
    monkeypatch.undo()
    assert report.not_indexed == 1, report
    assert lantai.store.get("test-city", CODE).access == changes.get("access", "open")


def public_search(lantai, q):
    return lantai.search.search(parse_request({"q": q, "size": "50"}, lantai.settings), PUBLIC)


def test_a_hit_the_catalog_now_closes_is_dropped_and_logged(lantai, tmp_path, monkeypatch, caplog):
    before = public_search(lantai, "宝鸡市人民政府")
    assert RECORD_ID in [h["id"] for h in before["hits"]]
    narrow_without_reindexing(lantai, tmp_path, monkeypatch, access="unreviewed")
    assert RECORD_ID in lantai.backend.ids()  # the index still holds the open version
    with caplog.at_level(logging.WARNING, logger="lantai.stale_index"):
        after = public_search(lantai, "宝鸡市人民政府")
    assert RECORD_ID not in [h["id"] for h in after["hits"]]
    assert after["total"] == before["total"] - 1
    assert any(RECORD_ID in r.getMessage() and "reindex" in r.getMessage() for r in caplog.records)
    assert "宝鸡市人民政府关于土地改革的通知" not in lantai.search.suggest("宝鸡市人民政府", PUBLIC)
    assert lantai.search.record(RECORD_ID, PUBLIC) is None


def test_a_hit_matched_on_text_the_catalog_now_hides_is_dropped(lantai, tmp_path, monkeypatch):
    # 目录开放 now: its text may no longer be matched, so a hit on its text must go.
    narrow_without_reindexing(lantai, tmp_path, monkeypatch, access="catalog_only")
    hits = public_search(lantai, "农民协会")["hits"]  # a word of its text only
    assert RECORD_ID not in [h["id"] for h in hits]
    title_hits = {h["id"]: h for h in public_search(lantai, "宝鸡市人民政府")["hits"]}
    assert RECORD_ID not in title_hits or title_hits[RECORD_ID]["visibility"] == "catalog"
