"""The embedded index keeps tokens, not texts: a contentless full-text table (layout 3),
written, replaced and deleted in exactly, and an index of the older layout (which keeps
a copy of every text) still answered and written until a reindex shrinks it."""

from __future__ import annotations

from pathlib import Path

from catalog.policy import PUBLIC, scope_for
from search import sqlite_engine
from search.params import parse_request
from search.sqlite_fts import FTS_VERSION, SqliteBackend
from search.sqlite_query import COLUMNS
from tests.conftest import record, write_jsonl

BODY = "西北水利工程勘测队报告勘测完毕。"
ROWS = [
    record("W-1", "水利工程报告", text=BODY),
    record("W-2", "会议纪要", text="讨论了水利。"),
    record("W-3", "目录开放的水利档案", text="水利。", access="catalog_only"),
]


def total(lantai, query: str) -> int:
    return lantai.backend.search(parse_request({"q": query}, lantai.settings), scope_for(PUBLIC)).total


def layout(path: str) -> tuple[str, set[str], int]:
    """The full-text table's SQL, the tables of the file and the recorded layout, with the
    write-ahead log folded into the file."""
    conn = sqlite_engine.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'fts'").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        version = conn.execute("SELECT value FROM meta WHERE key = 'fts_version'").fetchone()[0]
    finally:
        conn.close()
    return sql, tables, version


def test_the_index_holds_no_copy_of_a_text_and_replaces_records_exactly(lantai, tmp_path):
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS)]).failed == 0
    sql, tables, version = layout(lantai.backend.path)
    assert "content=''" in sql and "fts_content" not in tables and version == FTS_VERSION
    assert BODY.encode() not in Path(lantai.backend.path).read_bytes()
    assert total(lantai, "勘测") == 1 and total(lantai, "水利") == 3
    # Replaced with another text: the old tokens are gone from the index, the new found.
    changed = [record("W-1", "水利工程报告", text="堤防加固完毕。"), *ROWS[1:]]
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "changed.jsonl", changed)]).failed == 0
    assert total(lantai, "勘测") == 0 and total(lantai, "堤防") == 1
    assert total(lantai, '"勘测队"') == 0 and total(lantai, '"堤防加固"') == 1
    lantai.backend.delete(["test-city/W-2"])
    assert total(lantai, "讨论") == 0 and total(lantai, "水利") == 2
    conn = sqlite_engine.connect(lantai.backend.path)
    try:  # FTS5's own check of the postings against the rows it was given
        conn.execute("INSERT INTO fts (fts) VALUES ('integrity-check')")
    finally:
        conn.close()


def test_an_index_that_keeps_the_texts_is_answered_and_written_until_a_reindex_shrinks_it(
    lantai, tmp_path, caplog
):
    backend = lantai.backend
    with sqlite_engine.connect(backend.path) as conn:  # layout 2: the texts kept in the table
        conn.execute("DROP TABLE fts")
        conn.execute(f"CREATE VIRTUAL TABLE fts USING fts5({', '.join(COLUMNS)}, tokenize='unicode61')")
    with caplog.at_level("WARNING", logger="lantai.search"):
        SqliteBackend(backend.path).close()  # as a process opening that index does
    assert "lantai reindex" in caplog.text
    assert layout(backend.path)[2] == 2
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS)]).failed == 0
    changed = [record("W-1", "水利工程报告", text="堤防加固完毕。"), *ROWS[1:]]
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "changed.jsonl", changed)]).failed == 0
    before = [total(lantai, q) for q in ("勘测", "堤防", "水利", '"堤防加固"')]
    assert before == [0, 1, 3, 1]
    assert "fts_content" in layout(backend.path)[1]
    caplog.clear()
    assert lantai.reindex() == len(ROWS)
    SqliteBackend(backend.path).close()
    assert "lantai reindex" not in caplog.text
    sql, tables, version = layout(backend.path)
    assert "content=''" in sql and "fts_content" not in tables and version == FTS_VERSION
    assert [total(lantai, q) for q in ("勘测", "堤防", "水利", '"堤防加固"')] == before
