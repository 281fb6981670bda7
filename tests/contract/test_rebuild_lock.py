"""A rebuild of the index and opening decisions never interleave, on every backend.

A rebuild copies the catalog into a fresh index. Were a decision saved after the copy
read a record, the fresh index would show the record as it was: a record just closed
would be public again. So decisions are refused while a rebuild runs.
"""

from __future__ import annotations

import threading

import pytest

from catalog.policy import PUBLIC
from catalog.review import ReviewError
from search.params import parse_request
from tests.contract.conftest import CORPUS


def titles_found(lantai, q: str) -> list[str]:
    result = lantai.search.search(parse_request({"q": q}, lantai.settings), PUBLIC)
    return [hit["id"].split("/", 1)[1] for hit in result["hits"]]


def test_a_decision_during_a_rebuild_is_refused_and_search_still_agrees_with_the_catalog(lantai, monkeypatch):
    copied, finish = threading.Event(), threading.Event()
    read_catalog = lantai.store.records_for_index

    def copy_then_wait(batch):
        records = list(read_catalog(batch))  # the rebuild has read every record
        copied.set()
        finish.wait(120)
        yield from records

    monkeypatch.setattr(lantai.store, "records_for_index", copy_then_wait)
    rebuilt: dict[str, int] = {}
    rebuild = threading.Thread(target=lambda: rebuilt.update(count=lantai.reindex()))
    rebuild.start()
    try:
        assert copied.wait(120)
        with pytest.raises(ReviewError, match="being rebuilt"):
            lantai.decide("test-city", "J001-001-0001", "controlled", "涉及敏感内容", "reviewer")
    finally:
        finish.set()
        rebuild.join(300)
    assert rebuilt["count"] == len(CORPUS)
    assert lantai.store.get("test-city", "J001-001-0001").access == "open"
    assert titles_found(lantai, "宝鸡 土地改革") == ["J001-001-0001"]

    lantai.decide("test-city", "J001-001-0001", "controlled", "涉及敏感内容", "reviewer")
    assert titles_found(lantai, "宝鸡 土地改革") == []
