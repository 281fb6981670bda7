"""An embedded index made before the 档号's parts were stored opens, takes their columns, and
filters and facets by fonds the documents written since (the others after ``lantai reindex``)."""

from __future__ import annotations

import logging

from catalog.policy import PUBLIC, scope_for
from catalog.records import record_from_row
from indexer.documents import index_doc
from search.base import SearchRequest
from search.sqlite_engine import connect
from search.sqlite_fts import SqliteBackend
from search.sqlite_layout import SCHEMA
from tests.conftest import record


def test_an_index_without_fonds_columns_is_upgraded_when_opened(tmp_path, caplog):
    path = tmp_path / "index.sqlite"
    parts = "".join(f",\n    {column} TEXT NOT NULL DEFAULT ''" for column in ("fonds", "series", "file"))
    old_layout = SCHEMA.format(next="").replace(parts, "")
    assert "fonds" not in old_layout
    conn = connect(str(path))
    conn.executescript(old_layout)
    conn.close()

    with caplog.at_level(logging.WARNING, logger="lantai.search"):
        backend = SqliteBackend(path)
    try:
        assert "predates fonds and series" in caplog.text
        backend.index([index_doc(record_from_row(record("J001-002-0003", "关于土地改革的通知")))])
        result = backend.search(SearchRequest(query=None, fonds=("J001",)), scope_for(PUBLIC))
        assert result.total == 1
        assert (result.facets["fonds"], result.facets["series"]) == ({"J001": 1}, {"002": 1})
    finally:
        backend.close()
    caplog.clear()
    SqliteBackend(path).close()  # opened again: nothing left to add
    assert "predates fonds" not in caplog.text
