"""The embedded backend at scale: one match per search, the answer cache and its
generations, and what a rebuild leaves behind."""

from __future__ import annotations

import sqlite3

import pytest

from catalog.policy import PUBLIC, audience_for, operator_audience, scope_for
from search import sqlite_fts
from search.service import parse_request
from search.sqlite_fts import SqliteBackend
from search.sqlite_query import MATCH_COLUMNS, matched_sql
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


BROWSED = [
    record(
        f"B-{n:03d}",
        f"第{n}号{kind}",
        date=date,
        record_type=kind,
        access=access,
        text="档案正文。",
    )
    for n, (kind, date, access) in enumerate(
        (kind, date, access)
        for kind in ("文书", "照片", "红色档案")
        for date in ("1950-03-01", "", "1962", "1949-10-01")
        for access in ("open", "catalog_only", "unreviewed")
    )
]


def answered_by_the_match_table(backend, request, scope):
    """What the general path (every match copied into the matches table) answers."""
    conn = backend._reader()
    conn.execute("BEGIN")
    try:
        sql, params = matched_sql(request, scope)
        conn.execute(f"INSERT OR IGNORE INTO temp.matches ({MATCH_COLUMNS}) {sql}", params)
        total = conn.execute("SELECT count(*) FROM temp.matches").fetchone()[0]
        return total, backend._page(conn, request, total), backend._facets(conn, total)
    finally:
        conn.execute("DELETE FROM temp.matches")
        conn.execute("DELETE FROM temp.sample")
        conn.execute("COMMIT")


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"type": "文书", "sort": "date"},
        {"sort": "date_desc", "page": "2", "size": "5"},
        {"year_from": "1950", "sort": "date"},
        {"archive": "test-city", "page": "3", "size": "10"},
        {"type": "照片", "sort": "date_desc", "page": "9"},  # past the end
    ],
)
@pytest.mark.parametrize("who", ["public", "staff"])
def test_browsing_reads_the_records_without_a_match_and_answers_as_a_search_does(
    lantai, tmp_path, monkeypatch, args, who
):
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", BROWSED)]).failed == 0
    backend = lantai.backend
    backend.facet_sample_size = 7  # fewer than the records: the facets are sampled
    audience = PUBLIC if who == "public" else audience_for("staff", ["test-city"])
    request = parse_request(args, lantai.settings)
    expected = answered_by_the_match_table(backend, request, scope_for(audience))

    def no_match(*_args):
        raise AssertionError("browsing ran the full-text match")

    monkeypatch.setattr(sqlite_fts, "matched_sql", no_match)
    result = backend.search(request, scope_for(audience))
    assert (result.total, result.hits, result.facets) == expected
    if not args:  # open and 目录开放 for the public; every record for its own staff
        assert result.total == (24 if who == "public" else 36)
    assert result.facets_sampled == (result.total > 7)
