"""The embedded backend at scale: one match per search, the answer cache and its
generations, and what a rebuild leaves behind."""

from __future__ import annotations

import sqlite3

import pytest

from catalog.policy import PUBLIC, operator_audience, scope_for
from search.service import parse_request
from search.sqlite_fts import SqliteBackend
from search.sqlite_query import matched_sql
from tests.conftest import record, write_jsonl

ROWS = [record(f"S-{n:03d}", f"关于土地改革第{n}号文件", text="土地改革工作全面展开。") for n in range(12)]


@pytest.fixture
def loaded(lantai, tmp_path):
    report = lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS)])
    assert report.failed == 0
    return lantai


def search(lantai, audience=PUBLIC, **args):
    return lantai.search.search(parse_request(args, lantai.settings), audience)


def count_matches(monkeypatch, backend) -> list[int]:
    """Record each time the backend runs a full-text match."""
    runs: list[int] = []
    real = backend._search

    def counted(conn, request, scope):
        runs.append(1)
        return real(conn, request, scope)

    monkeypatch.setattr(backend, "_search", counted)
    return runs


def test_the_match_drives_the_join_from_the_full_text_index(loaded):
    backend = loaded.backend
    request = parse_request({"q": "土地改革", "type": "文书"}, loaded.settings)
    sql, params = matched_sql(request, scope_for(PUBLIC))
    with sqlite3.connect(backend.path) as conn:
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    scans = [step for step in plan if step.startswith(("SCAN", "SEARCH"))]
    # Each visibility branch: the full-text match first, then each match's row by rowid.
    assert (
        scans == ["SCAN fts VIRTUAL TABLE INDEX 0:M13", "SEARCH d USING INTEGER PRIMARY KEY (rowid=?)"] * 2
    ), plan


def test_one_match_per_search_and_public_answers_are_cached(loaded, monkeypatch):
    runs = count_matches(monkeypatch, loaded.backend)
    first = search(loaded, q="土地改革", size="5")
    again = search(loaded, q=" 土地改革 ", size="5")  # the same request, normalized
    assert {**again, "query": "土地改革"} == first
    assert len(runs) == 1 and first["total"] == 12
    search(loaded, operator_audience("staff"), q="土地改革", size="5")
    search(loaded, operator_audience("staff"), q="土地改革", size="5")
    assert len(runs) == 3  # staff answers are never cached


def test_any_index_write_elsewhere_reaches_the_next_public_search(loaded):
    assert search(loaded, q="土地改革")["total"] == 12
    other = SqliteBackend(loaded.backend.path)  # as another worker process would
    other.delete(["test-city/S-000"])
    assert search(loaded, q="土地改革")["total"] == 11
    loaded.decide("test-city", "S-001", "controlled", "涉及个人隐私", "reviewer")
    assert search(loaded, q="土地改革")["total"] == 10


def test_a_rebuild_leaves_one_index_with_statistics(loaded):
    assert loaded.reindex() == len(ROWS)
    with sqlite3.connect(loaded.backend.path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        stats = {row[0] for row in conn.execute("SELECT tbl FROM sqlite_stat1")}
    assert not {t for t in tables if t.endswith("_next") or "_next_" in t}
    assert {"docs", "doc_entities", "docs_code_lower", "doc_entities_record"} <= tables
    assert "docs" in stats
    assert search(loaded, q="土地改革")["total"] == 12
