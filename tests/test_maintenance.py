"""The index-rebuild lock: who holds it, what it refuses, and how a dead holder's lock ends."""

from __future__ import annotations

import doctest
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import catalog.maintenance
from catalog import audit
from catalog.maintenance import IndexRebuilding, index_rebuild, maintenance_table, rebuilding
from catalog.review import ReviewError
from tests.conftest import cli_env, record, write_jsonl

pytestmark = pytest.mark.both_catalogs  # the catalog on SQLite and on PostgreSQL


@pytest.fixture
def stored(lantai, tmp_path):
    report = lantai.ingester.ingest(
        [
            write_jsonl(
                tmp_path / "in.jsonl", [record("J001-001-0001", "关于土地改革的通知", access="unreviewed")]
            )
        ]
    )
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
        conn.execute(
            maintenance_table.update().values(
                holder=f"{socket.gethostname()}:{gone.pid} (reindex)", since="2026-01-01T00:00:00+00:00"
            )
        )
    assert rebuilding(stored.store.engine) == "reindex, since 2026-01-01T00:00:00+00:00"
    with pytest.raises(ReviewError, match="being rebuilt"):
        stored.decide("test-city", "J001-001-0001", "open", "到期开放", "reviewer")
    assert stored.reindex() == 1
    assert rebuilding(stored.store.engine) is None


def test_ingest_waits_for_a_rebuild_and_keeps_what_it_wrote(stored, tmp_path, monkeypatch):
    rows = write_jsonl(tmp_path / "more.jsonl", [record("J001-001-0002", "关于兴修水利的报告")])
    with index_rebuild(stored.store.engine):
        with pytest.raises(IndexRebuilding, match="run ingest again when it is done"):
            stored.ingester.ingest([rows])
        # A rebuild that starts after the run began: the batch's transaction is refused.
        monkeypatch.setattr(stored.store, "rebuilding", lambda: None)
        with pytest.raises(IndexRebuilding, match="being rebuilt"):
            stored.ingester.ingest([rows])
    assert stored.store.get("test-city", "J001-001-0002") is None
    assert stored.store.get("test-city", "J001-001-0001") is not None
    assert stored.ingester.ingest([rows]).added == 1


def test_the_ingest_command_says_why_it_stopped(stored, tmp_path):
    rows = write_jsonl(tmp_path / "more.jsonl", [record("J001-001-0002", "关于兴修水利的报告")])
    with index_rebuild(stored.store.engine, holder="reindex"):
        done = subprocess.run(
            [str(Path(sys.executable).with_name("lantai")), "ingest", str(rows), "--quiet"],
            capture_output=True,
            text=True,
            timeout=300,
            env=cli_env(stored.settings, LANTAI_INGEST_ENTITIES="false"),
        )
    assert done.returncode == 1
    assert "lantai ingest: the search index is being rebuilt (reindex, since" in done.stderr
    assert "Traceback" not in done.stderr
