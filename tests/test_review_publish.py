"""A decision and its reindexing, as the review desk orders them: a decision that narrows
public visibility reaches the index before the catalog, one that widens it after; nothing
is saved while the index is being rebuilt. The index write is the caller's ``publish``."""

from __future__ import annotations

import pytest

from catalog.maintenance import index_rebuild
from catalog.review import ReviewError
from tests.conftest import record, write_jsonl


@pytest.fixture
def desk(lantai, tmp_path):
    path = write_jsonl(
        tmp_path / "r.jsonl",
        [
            record("J1-1", "一九五〇年春耕通知", date="1950-03-01", access="unreviewed"),
            record("J1-2", "已开放的通知", date="1950", access="open"),
        ],
    )
    assert lantai.ingester.ingest([path]).failed == 0
    return lantai.review


def publisher(desk, calls):
    """A ``publish`` that notes what it was given and what the catalog held at that moment."""

    def publish(record, entities):
        stored = desk.store.get(record.archive, record.archive_code)
        calls.append((record.access, stored.access))

    return publish


def test_a_widening_decision_is_saved_before_it_is_published(desk):
    calls: list = []
    saved = desk.decide_and_publish(
        "test-city", "J1-1", "open", "到期开放", "reviewer", publisher(desk, calls)
    )
    assert saved.access == "open"
    assert calls == [("open", "open")]  # the catalog already said open when the index did


def test_a_narrowing_decision_is_published_before_it_is_saved(desk):
    calls: list = []
    saved = desk.decide_and_publish(
        "test-city", "J1-2", "controlled", "涉及个人隐私", "reviewer", publisher(desk, calls)
    )
    assert saved.access == "controlled"
    assert calls == [("controlled", "open")]  # the index was closed while the catalog was open


def test_nothing_is_saved_or_published_during_a_rebuild_or_for_an_unknown_record(desk):
    calls: list = []
    with index_rebuild(desk.store.engine), pytest.raises(ReviewError, match="being rebuilt"):
        desk.decide_and_publish("test-city", "J1-1", "open", "到期开放", "reviewer", publisher(desk, calls))
    with pytest.raises(ReviewError, match="no record"):
        desk.decide_and_publish("test-city", "J9-9", "open", "到期开放", "reviewer", publisher(desk, calls))
    assert calls == [] and desk.store.get("test-city", "J1-1").access == "unreviewed"
