"""An entity's records (实体) are found through the entity's reserved token among each
record's tags in the full-text index (layout 4), not through a copy of every entity row
sorted by name: a rebuild builds no such copy (SQLite sorted all of them in memory at its
end, which made a reindex's memory grow with the index). An index of layout 3 keeps
answering through its copy until a reindex."""

from __future__ import annotations

import pytest

from catalog.policy import PUBLIC, scope_for
from search import sqlite_engine, sqlite_fts
from search.base import IndexDoc
from search.params import parse_request
from search.sqlite_filters import tags_text
from search.sqlite_fts import SqliteBackend
from search.sqlite_layout import CONTENTLESS, FTS_VERSION


def doc(code: str, persons=(), places=(), orgs=(), visibility="full", body="会议记录。") -> IndexDoc:
    return IndexDoc(
        id=f"c/{code}",
        archive="c",
        archive_code=code,
        title=f"{code}号文件",
        date="1950-01-01",
        year=1950,
        record_type="文书",
        visibility=visibility,
        classified=False,
        title_text=f"{code}号文件",
        creator_text="",
        meta_text="",
        body_text=body,
        persons=tuple(persons),
        places=tuple(places),
        orgs=tuple(orgs),
    )


DOCS = [
    doc("A-1", persons=["毛泽东"], places=["延安"]),
    doc("A-2", places=["延安", "西安"], orgs=["陕甘宁边区政府"]),
    doc("A-3", persons=["周恩来"], places=["延安"], visibility="catalog"),
    doc("A-4", persons=["毛泽东", "周恩来"], visibility="none"),
    # A place named like a person elsewhere: the facet is part of the token.
    doc("A-5", places=["毛泽东"], body="毛泽东故居。"),
]
FILTERS = [
    {"person": "毛泽东"},
    {"place": "毛泽东"},
    {"place": "延安"},
    {"place": "延安,西安"},
    {"person": "周恩来"},
    {"org": "陕甘宁边区政府"},
    {"place": "延安", "q": "会议"},
    {"person": "毛泽东", "q": "会议"},
    {"place": "北京"},
]


def answers(backend: SqliteBackend, settings) -> list[list[str]]:
    return [
        sorted(hit.id for hit in backend.search(parse_request(args, settings), scope_for(PUBLIC)).hits)
        for args in FILTERS
    ]


EXPECTED = [
    ["c/A-1"],
    ["c/A-5"],
    ["c/A-1", "c/A-2", "c/A-3"],
    ["c/A-2"],
    ["c/A-3"],
    ["c/A-2"],
    ["c/A-1", "c/A-2"],
    ["c/A-1"],
    [],
]


def tables(path: str) -> set[str]:
    with sqlite_engine.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}


def test_entity_filters_are_answered_by_the_full_text_index(tmp_path, settings):
    backend = SqliteBackend(tmp_path / "index.sqlite")
    backend.index(DOCS)
    assert answers(backend, settings) == EXPECTED
    assert "doc_entities_name" not in tables(backend.path)
    conn = backend._reader()
    request = parse_request({"place": "延安"}, settings)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        backend.search(request, scope_for(PUBLIC))
    finally:
        conn.set_trace_callback(None)
    # Neither browsing nor facets look an entity up by name in doc_entities.
    assert statements and not [s for s in statements if "FROM doc_entities WHERE facet" in s]


def test_a_rebuild_builds_no_copy_of_the_entities_sorted_by_name(tmp_path, settings, monkeypatch):
    backend = SqliteBackend(tmp_path / "index.sqlite")
    statements: list[str] = []
    real = sqlite_fts.connect

    def traced(*args, **kwargs):
        conn = real(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(sqlite_fts, "connect", traced)
    assert backend.rebuild(iter(DOCS), batch=2) == len(DOCS)
    built = [s for s in statements if s.lstrip().upper().startswith("CREATE INDEX")]
    assert built and not [s for s in built if "doc_entities" in s]
    assert answers(backend, settings) == EXPECTED


@pytest.fixture
def layout_3(tmp_path, monkeypatch, caplog) -> SqliteBackend:
    """An index written as layout 3 wrote it: no entity among the tags, the version 3."""
    monkeypatch.setattr(sqlite_fts, "tags_text", lambda v, a, t, entities=(): tags_text(v, a, t))
    backend = SqliteBackend(tmp_path / "index.sqlite")
    backend.index(DOCS)
    monkeypatch.undo()
    with sqlite_engine.connect(backend.path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'fts_version'", (CONTENTLESS,))
    backend.close()
    with caplog.at_level("WARNING", logger="lantai.search"):
        reopened = SqliteBackend(backend.path)
    assert "lantai reindex" in caplog.text
    return reopened


def test_an_index_of_layout_3_answers_by_name_until_a_reindex(layout_3, settings, caplog):
    assert "doc_entities_name" in tables(layout_3.path)
    assert answers(layout_3, settings) == EXPECTED
    # Written by this release, it stays layout 3 and keeps answering.
    layout_3.index([doc("A-6", persons=["毛泽东"], visibility="full")])
    assert answers(layout_3, settings)[0] == ["c/A-1", "c/A-6"]
    assert layout_3.rebuild(iter(DOCS)) == len(DOCS)
    caplog.clear()
    with caplog.at_level("WARNING", logger="lantai.search"):
        rebuilt = SqliteBackend(layout_3.path)
    assert "lantai reindex" not in caplog.text
    with sqlite_engine.connect(rebuilt.path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'fts_version'").fetchone()[0] == FTS_VERSION
    assert "doc_entities_name" not in tables(rebuilt.path)
    assert answers(rebuilt, settings) == EXPECTED
