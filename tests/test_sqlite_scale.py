"""The embedded backend at scale: one match per search, the answer cache and its
generations, and what a rebuild leaves behind."""

from __future__ import annotations

import pytest

from catalog.policy import PUBLIC, audience_for, operator_audience, scope_for
from search import sqlite_engine, sqlite_fts
from search.params import parse_request
from search.sqlite_fts import SqliteBackend
from search.sqlite_query import (
    COLUMNS,
    MATCH_COLUMNS,
    branches,
    candidates_sql,
    code_match_sql,
    count_sql,
    matched_sql,
)
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
    with sqlite_engine.connect(backend.path) as conn:
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    scans = [step for step in plan if step.startswith(("SCAN", "SEARCH"))]
    # Each visibility branch: the full-text match first, then each match's row by rowid.
    assert (
        scans == ["SCAN fts VIRTUAL TABLE INDEX 0:M14", "SEARCH d USING INTEGER PRIMARY KEY (rowid=?)"] * 2
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
    with sqlite_engine.connect(loaded.backend.path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        stats = {row[0] for row in conn.execute("SELECT tbl FROM sqlite_stat1")}
    assert not {t for t in tables if t.endswith("_next") or "_next_" in t}
    assert {"docs", "doc_entities", "docs_code_lower_b"} <= tables and "doc_entities_name" not in tables
    assert "docs" in stats
    assert search(loaded, q="土地改革")["total"] == 12


def _docs_indexes(path) -> dict[str, str]:
    with sqlite_engine.connect(path) as conn:
        return dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'"))


def test_a_rebuild_fills_its_indexes_as_it_loads_and_their_names_alternate(loaded, monkeypatch):
    """The indexes of docs are made before the bulk load: built after it, each sorted every
    key in memory (75 MB at 1M records), as the SQLite we write with keeps temporary data
    in memory. An index keeps its name when its table is renamed, so the names alternate."""
    backend = loaded.backend
    names = ["docs_type_visibility", "docs_type_date", "docs_code_lower", "docs_fonds"]
    assert {n: "docs" for n in names}.items() <= _docs_indexes(backend.path).items()
    during: list[dict[str, str]] = []
    rebuild = backend.rebuild

    def watched(docs):
        def watching():
            for n, doc in enumerate(docs):
                if n == 3:
                    during.append(_docs_indexes(backend.path))
                yield doc

        return rebuild(watching())

    monkeypatch.setattr(backend, "rebuild", watched)
    for alt in ("_b", ""):
        assert loaded.reindex() == len(ROWS)
        assert {f"{n}{alt}": "docs_next" for n in names}.items() <= during[-1].items()
        indexes = _docs_indexes(backend.path)
        assert {n for n, table in indexes.items() if table == "docs" and n.startswith("docs_")} == {
            f"{n}{alt}" for n in names
        }
        assert [h["id"] for h in search(loaded, q="S-003")["hits"]][:1] == ["test-city/S-003"]


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
        {"sort": "date", "size": "5", "page": "4"},  # the last dated, then the undated
        {"sort": "date_desc", "size": "5", "page": "5"},  # undated only
        {"type": "文书", "size": "4", "page": "2"},
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


# -- visibility in the full-text match, and capped answers above the limit -----------

MIXED = BROWSED + [
    record("K-1", "关于土地改革的报告", text="土地改革。", access="catalog_only"),
    record("K-2", "土地改革总结", text="土地改革。", access="controlled"),
    record("K-3", "土地改革会议", archive="test-county", text="土地改革。", classification="秘密"),
]
REQUESTS = [
    {"q": "档案"},
    {"q": "第1号"},
    {"q": "土地改革", "type": "文书"},
    {"q": "档案", "archive": "test-city", "size": "5", "page": "2"},
    {"q": "档案 NOT 照片", "year_from": "1950"},
    {"q": "档案", "sort": "date"},
    {"q": "NOT 照片"},
]
AUDIENCES = {
    "public": PUBLIC,
    "staff": audience_for("staff", ["test-city"]),
    "operator": operator_audience("staff"),
}


def answer(backend, request, audience):
    result = backend.search(request, scope_for(audience))
    return result.total, result.hits, result.facets, result.total_is_exact


def unscored(answer):
    total, hits, facets, exact = answer
    return total, [(h.id, h.visibility) for h in hits], facets, exact


def test_the_public_count_is_answered_by_the_full_text_index_alone(lantai, tmp_path):
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", MIXED)]).failed == 0
    backend = lantai.backend
    conn = backend._reader()
    for args in ({"q": "档案"}, {"q": "土地改革", "type": "文书", "archive": "test-city"}):
        request = parse_request(args, lantai.settings)
        found = branches(request, scope_for(PUBLIC))
        assert [b.vis for b in found] == ["full", "catalog"] and all(b.index_only for b in found)
        for branch in found:
            sql, params = count_sql(branch)
            plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
            assert plan == ["SCAN fts VIRTUAL TABLE INDEX 0:M14"], plan  # no record row read
        for who, audience in AUDIENCES.items():
            expected, _, _ = answered_by_the_match_table(backend, request, scope_for(audience))
            counted = sum(
                conn.execute(*count_sql(b)).fetchone()[0] for b in branches(request, scope_for(audience))
            )
            assert counted == expected, who
    # A staff scope's own archive is not in the tags: its text branch reads the rows.
    staff = branches(parse_request({"q": "档案"}, lantai.settings), scope_for(AUDIENCES["staff"]))
    assert [b.index_only for b in staff] == [False, False]


def add_tags(path) -> None:
    """Give an index of the old layout the ``tags`` column in place, rowids kept (what a
    reindex builds, without renumbering the records)."""
    with sqlite_engine.connect(path) as conn:
        old, kept = ", ".join(COLUMNS[:-1]), ", ".join(f"f.{c}" for c in COLUMNS[:-1])
        conn.execute(
            f"CREATE VIRTUAL TABLE fts_tagged USING fts5({', '.join(COLUMNS)}, tokenize='unicode61')"
        )
        conn.execute(
            f"INSERT INTO fts_tagged (rowid, {old}, tags) SELECT f.rowid, {kept}, 'v' || d.visibility "
            "|| ' a' || lower(hex(d.archive)) || ' t' || lower(hex(d.record_type)) "
            "FROM fts f JOIN docs d ON d.rowid = f.rowid"
        )
        conn.execute("DROP TABLE fts")
        conn.execute("ALTER TABLE fts_tagged RENAME TO fts")
        conn.execute("UPDATE meta SET value = 2 WHERE key = 'fts_version'")


def test_candidates_are_read_newest_first_and_scored_only_up_to_the_limit(lantai, tmp_path):
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", MIXED)]).failed == 0
    conn = lantai.backend._reader()
    request = parse_request({"q": "档案", "type": "文书"}, lantai.settings)
    for audience in (PUBLIC, AUDIENCES["staff"]):
        for branch in branches(request, scope_for(audience)):
            for titled in (True, False):
                sql, params = candidates_sql(branch, titled, 5)
                plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
                # FTS5 walks its matches by descending rowid itself (idxNum 192: order by
                # rowid, descending) and the LIMIT stops it: no sort of every match.
                assert "SCAN fts VIRTUAL TABLE INDEX 192:M14" in plan, plan
                assert not any("TEMP B-TREE" in step for step in plan), plan
            sql, params = code_match_sql(branch, "B-001")
            plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
            assert plan == [
                "SEARCH d USING INDEX docs_code_lower (<expr>=?)",
                "SCAN fts VIRTUAL TABLE INDEX 0:=M14",
            ]


def test_an_index_without_tags_answers_the_same_and_asks_for_a_reindex(lantai, tmp_path, caplog):
    backend = lantai.backend
    with sqlite_engine.connect(backend.path) as conn:  # the layout of an index built before the tags
        conn.execute("DROP TABLE fts")
        conn.execute(f"CREATE VIRTUAL TABLE fts USING fts5({', '.join(COLUMNS[:-1])}, tokenize='unicode61')")
    with caplog.at_level("WARNING", logger="lantai.search"):
        SqliteBackend(backend.path).close()  # as a process opening that index does
    assert "lantai reindex" in caplog.text
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", MIXED)]).failed == 0
    # Capped answers too, and the tags used however few the matches.
    backend.exact_total_limit, backend.facet_sample_size, backend.tags_from = 3, 2, 0
    requests = [parse_request(args, lantai.settings) for args in REQUESTS]
    before = [answer(backend, r, a) for r in requests for a in AUDIENCES.values()]
    assert sum(1 for total, *_, exact in before if not exact) >= 5
    add_tags(backend.path)
    backend._cache.size = 0
    after = [answer(backend, r, a) for r in requests for a in AUDIENCES.values()]
    # The same records, order, visibility, facets and totals; bm25 counts a record's
    # length over every column, so the three tags move scores by a fraction of a percent.
    assert [unscored(a) for a in after] == [unscored(b) for b in before]
    new = [h.score for a in after for h in a[1]]
    assert new == pytest.approx([h.score for b in before for h in b[1]], rel=0.01)
    caplog.clear()
    assert lantai.reindex() == len(MIXED)  # a reindex gives the new layout
    SqliteBackend(backend.path).close()
    assert "lantai reindex" not in caplog.text
    with sqlite_engine.connect(backend.path) as conn:
        assert "tags" in {row[1] for row in conn.execute("PRAGMA table_info(fts)")}
    assert [answer(backend, r, a)[0] for r in requests for a in AUDIENCES.values()] == [a[0] for a in before]


WATER = [
    *(record(f"T-{n}", f"关于水利工程的报告{n}", text="会议记录。") for n in (1, 2, 3)),
    record("C-1", "水利会议纪要", text="会议记录。", access="catalog_only"),
    record("C-2", "会议纪要", text="水利水利。", access="catalog_only"),  # text not public
    record("X-1", "水利工程档案", text="水利。", access="controlled"),
    *(record(f"B-{n}", f"会议记录第{n}号", text="讨论了水利。" + "会议。" * n) for n in range(3, 9)),
]
OLDEST = [record(f"B-{n}", f"会议记录第{n}号", text="水利。" * 5) for n in (1, 2)]  # indexed first


def test_above_the_limit_a_capped_candidate_set_is_ranked_title_matches_first(lantai, tmp_path):
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "oldest.jsonl", OLDEST)]).failed == 0
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", WATER)]).failed == 0
    backend = lantai.backend
    backend.exact_total_limit, backend.facet_sample_size, backend.tags_from = 5, 4, 0
    scope = scope_for(PUBLIC)

    def page(n):
        request = parse_request({"q": "水利", "size": "2", "page": str(n)}, lantai.settings)
        return backend.search(request, scope), answered_by_the_match_table(backend, request, scope)

    first, (total, exact_hits, _) = page(1)
    # The total still counts every public match (T 3, C-1, B 8), flagged approximate.
    assert (
        (first.total, first.total_is_exact, first.facets_sampled) == (12, False, True) == (total, False, True)
    )
    second, _ = page(2)
    shown = {h.id.split("/")[1]: h.visibility for h in first.hits + second.hits}
    assert shown == {"T-1": "full", "T-2": "full", "T-3": "full", "C-1": "catalog"}
    assert sum(first.facets["archive"].values()) == 4  # the best-ranked 4 candidates
    # Page 3 ranks the 6 most recently indexed body matches: the two oldest, which
    # ranking every match puts there (水利 five times), are not candidates.
    third, (_, exact_third, _) = page(3)
    assert {h.id.split("/")[1] for h in exact_third} == {"B-1", "B-2"}
    assert {h.id.split("/")[1] for h in third.hits} <= {f"B-{n}" for n in range(3, 9)}
    assert len(third.hits) == 2


def test_above_the_limit_a_reference_code_typed_into_the_box_is_still_first(lantai, tmp_path):
    coded = record("1950", "会议记录", text="1950年会议。")  # indexed first: no candidate by recency
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "coded.jsonl", [coded])]).failed == 0
    titled = [record(f"N-{n}", f"1950年水利报告{n}") for n in range(6)]
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", titled)]).failed == 0
    backend = lantai.backend
    backend.exact_total_limit, backend.facet_sample_size, backend.tags_from = 3, 2, 0
    result = backend.search(parse_request({"q": "1950", "size": "2"}, lantai.settings), scope_for(PUBLIC))
    assert (result.total, result.total_is_exact) == (7, False)
    assert [h.id for h in result.hits][:1] == ["test-city/1950"]


@pytest.mark.parametrize("sort", ["date", "date_desc"])
def test_date_sorts_above_the_limit_order_every_match(lantai, tmp_path, sort):
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", OLDEST + WATER)]).failed == 0
    backend = lantai.backend
    backend.exact_total_limit, backend.facet_sample_size, backend.tags_from = 5, 4, 0
    request = parse_request({"q": "水利", "sort": sort, "size": "3"}, lantai.settings)
    result = backend.search(request, scope_for(PUBLIC))
    total, hits, _ = answered_by_the_match_table(backend, request, scope_for(PUBLIC))
    assert (result.total, result.hits, result.total_is_exact) == (total, hits, False)


def test_above_the_limit_every_candidate_is_a_match_of_the_whole_query(lantai, tmp_path):
    rows = [record(f"R-{n}", "水利报告", text="会议记录。") for n in range(6)]  # NOT 会议 excludes them
    rows += [record(f"S-{n}", "报告", text="水利。") for n in range(6)]
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", rows)]).failed == 0
    backend = lantai.backend
    backend.exact_total_limit, backend.facet_sample_size, backend.tags_from = 3, 2, 0
    for page in (1, 2, 3):
        request = parse_request({"q": "水利 NOT 会议", "size": "2", "page": str(page)}, lantai.settings)
        result = backend.search(request, scope_for(PUBLIC))
        assert (result.total, result.total_is_exact) == (6, False)
        assert len(result.hits) == 2 and all(h.id.startswith("test-city/S-") for h in result.hits)


def test_the_tags_are_matched_only_for_queries_with_many_matches(loaded):
    backend = loaded.backend
    backend._cache.size = 0  # every search runs
    statements: list[str] = []
    conn = backend._reader()
    conn.set_trace_callback(statements.append)
    try:
        request = parse_request({"q": "土地改革"}, loaded.settings)
        few = backend.search(request, scope_for(PUBLIC))
        assert statements and not any("{tags}" in sql for sql in statements)  # 12 matches: rows read
        statements.clear()
        backend.tags_from = 11  # as if 12 matches were many
        many = backend.search(request, scope_for(PUBLIC))
        assert any("{tags} : vfull" in sql for sql in statements)
    finally:
        conn.set_trace_callback(None)
    assert (many.total, many.hits, many.facets) == (few.total, few.hits, few.facets)


def test_browsing_by_type_counts_and_pages_from_indexes(lantai, tmp_path):
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", BROWSED)]).failed == 0
    conn = lantai.backend._reader()
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        for sort in ("relevance", "date", "date_desc"):
            request = parse_request({"type": "文书", "sort": sort}, lantai.settings)
            lantai.backend._browse(conn, request, scope_for(PUBLIC))
            conn.execute("DELETE FROM temp.matches")
    finally:
        conn.set_trace_callback(None)
    plans = {
        sql: [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
        for sql in statements
        if sql.startswith("SELECT") and "temp." not in sql
    }
    counted = [plan for sql, plan in plans.items() if sql.startswith("SELECT count(*)")]
    paged = [plan for sql, plan in plans.items() if "ORDER BY d.date" in sql]
    assert counted and all(
        any("COVERING INDEX docs_type_visibility" in step for step in plan) for plan in counted
    )
    # Pages walk (record_type, date) and stop at the LIMIT: at most ties of a date sorted.
    assert len(paged) == 3 and all(any("INDEX docs_type_date" in step for step in plan) for plan in paged)
    assert not any("USE TEMP B-TREE FOR ORDER BY" in step for plan in paged for step in plan), paged
