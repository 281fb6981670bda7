"""The index-rebuild lock: who holds it, what it refuses, and how a dead holder's lock ends."""

from __future__ import annotations

import doctest
import socket
import subprocess
import sys

import pytest

import catalog.maintenance
from catalog import audit
from catalog.maintenance import IndexRebuilding, index_rebuild, maintenance_table, rebuilding
from catalog.review import ReviewError
from tests.conftest import record, write_jsonl


@pytest.fixture
def stored(lantai, tmp_path):
    report = lantai.ingester.ingest([write_jsonl(tmp_path / "in.jsonl", [
        record("J001-001-0001", "关于土地改革的通知", access="unreviewed")])])
    assert report.failed == 0
    return lantai


def test_the_module_examples_hold():
    result = doctest.testmod(catalog.maintenance)
    assert result.failed == 0 and result.attempted > 0


def test_a_decision_is_not_saved_while_the_index_is_rebuilt(stored):
    entries = len(list(audit.entries(stored.store.engine)))
    with index_rebuild(stored.store.engine):
        assert rebuilding(stored.store.engine).startswith("reindex, since ")
        # The review desk checks inside its own transaction, not only before it.
        with pytest.raises(ReviewError, match="not saved: the search index is being rebuilt"):
            stored.review.decide("test-city", "J001-001-0001", "open", "到期开放", "reviewer")
    assert stored.store.get("test-city", "J001-001-0001").access == "unreviewed"
    assert len(list(audit.entries(stored.store.engine))) == entries
    assert rebuilding(stored.store.engine) is None
    assert stored.decide("test-city", "J001-001-0001", "open", "到期开放", "reviewer").access == "open"


def test_one_rebuild_at_a_time(stored):
    with index_rebuild(stored.store.engine):
        with pytest.raises(IndexRebuilding, match="already being rebuilt"):
            stored.reindex()


def test_the_lock_is_released_when_the_rebuild_fails(stored):
    with pytest.raises(RuntimeError, match="node went away"):
        with index_rebuild(stored.store.engine):
            raise RuntimeError("node went away")
    assert rebuilding(stored.store.engine) is None
    assert stored.reindex() == 1


def test_a_lock_left_by_a_killed_rebuild_is_taken_over(stored):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with index_rebuild(stored.store.engine):
        pass
    with stored.store.engine.begin() as conn:
        conn.execute(maintenance_table.update().values(
            holder=f"{socket.gethostname()}:{gone.pid} (reindex)", since="2026-01-01T00:00:00+00:00"))
    assert rebuilding(stored.store.engine) == "reindex, since 2026-01-01T00:00:00+00:00"
    with pytest.raises(ReviewError, match="being rebuilt"):
        stored.decide("test-city", "J001-001-0001", "open", "到期开放", "reviewer")
    assert stored.reindex() == 1
    assert rebuilding(stored.store.engine) is None
