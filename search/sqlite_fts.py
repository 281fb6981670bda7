"""Embedded search backend: SQLite FTS5 in one file next to the catalog.

Text columns hold search-mode word tokens (jieba) separated by spaces; ``*_chars``
columns hold one token per character for exact phrases. Visibility is part of
every SQL statement (hits, totals, facets, suggestions), never applied afterwards.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from analyzers.query import And, Node, Not, Or, Phrase, Term, YearRange
from catalog.policy import Scope
from search.base import (
    ENTITY_LABELS,
    Hit,
    IndexDoc,
    SearchRequest,
    SearchResult,
)
from search.query_terms import char_tokens, pinyin_term, term_tokens, word_tokens, year_terms

COLUMNS = ("title", "code", "creator", "meta", "body", "person", "place", "org", "pinyin",
           "year", "title_chars", "meta_chars", "body_chars")
WEIGHTS = (10.0, 10.0, 3.0, 2.0, 1.0, 3.0, 3.0, 3.0, 2.0, 0.5, 5.0, 1.5, 1.0)
TERM_COLUMNS = {True: "title code creator meta body person place org",
                False: "title code creator meta person place org"}
PHRASE_COLUMNS = {True: "title_chars meta_chars body_chars", False: "title_chars meta_chars"}
FIELD_COLUMNS = {"title": "title", "creator": "creator", "person": "person", "place": "place",
                 "org": "org", "code": "code"}

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    archive TEXT NOT NULL,
    archive_code TEXT NOT NULL,
    title TEXT NOT NULL,
    title_text TEXT NOT NULL,
    date TEXT NOT NULL,
    year INTEGER,
    record_type TEXT NOT NULL,
    visibility TEXT NOT NULL,
    classified INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_archive ON docs(archive);
CREATE INDEX IF NOT EXISTS docs_code ON docs(archive_code);
CREATE TABLE IF NOT EXISTS doc_entities (
    rowid INTEGER NOT NULL,
    facet TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS doc_entities_rowid ON doc_entities(rowid);
CREATE INDEX IF NOT EXISTS doc_entities_name ON doc_entities(facet, name);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5({", ".join(COLUMNS)}, tokenize='unicode61');
"""


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


class _Translator:
    """Translate a query tree into an FTS5 expression for one visibility level."""

    def __init__(self, text_visible: bool) -> None:
        self.text_visible = text_visible

    def leaf(self, node: Term | Phrase | YearRange) -> str | None:
        if isinstance(node, YearRange):
            return "{year} : (" + " OR ".join(year_terms(node.start, node.end)) + ")"
        field = node.field
        if field == "code":
            tokens = char_tokens(node.text)
            return f"{{code}} : {_quote(' '.join(tokens))}" if tokens else None
        if isinstance(node, Phrase) and field in (None, "title"):
            tokens = char_tokens(node.text)
            columns = "title_chars" if field == "title" else PHRASE_COLUMNS[self.text_visible]
            return f"{{{columns}}} : {_quote(' '.join(tokens))}" if tokens else None
        tokens = term_tokens(node.text)
        columns = FIELD_COLUMNS.get(field or "", TERM_COLUMNS[self.text_visible])
        expr = (f"{{{columns}}} : (" + " AND ".join(_quote(t) for t in tokens) + ")"
                if tokens else None)
        chars = char_tokens(node.text)
        if expr and field in (None, "title") and len(chars) > 1:
            # The term as a string too: texts indexed before a word was learned still match.
            phrase_columns = "title_chars" if field == "title" else PHRASE_COLUMNS[self.text_visible]
            expr = f"({expr}) OR ({{{phrase_columns}}} : {_quote(' '.join(chars))})"
        key = pinyin_term(node.text) if field in (None, "title", "person", "place", "org") else None
        if key:
            pinyin = f"{{pinyin}} : {_quote(key)}"
            expr = f"({expr} OR {pinyin})" if expr else pinyin
        return expr

    def positive(self, node: Node) -> str | None:
        """FTS expression for ``node``; None when it has nothing positive to match."""
        if isinstance(node, And):
            pos = [p for c in node.children if not isinstance(c, Not)
                   if (p := self.positive(c)) is not None]
            if not pos:
                return None
            expr = " AND ".join(f"({p})" for p in pos)
            for child in node.children:
                if isinstance(child, Not) and (neg := self.positive(child.child)) is not None:
                    expr = f"({expr}) NOT ({neg})"
            return expr
        if isinstance(node, Or):
            # A bare NOT inside OR cannot be expressed; it is left out.
            parts = [p for c in node.children if not isinstance(c, Not)
                     if (p := self.positive(c)) is not None]
            return " OR ".join(f"({p})" for p in parts) if parts else None
        if isinstance(node, Not):
            return None
        return self.leaf(node)

    def negative(self, node: Node) -> str | None:
        """For a purely negative query (NOT a, NOT b): what to exclude; else None."""
        children = node.children if isinstance(node, And) else (node,)
        if not all(isinstance(c, Not) for c in children):
            return None
        parts = [p for c in children if (p := self.positive(c.child)) is not None]  # type: ignore[union-attr]
        return " OR ".join(f"({p})" for p in parts) if parts else None


class SqliteBackend:
    """Search backend on SQLite FTS5 (embedded, the default)."""

    name = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._write_lock = threading.Lock()
        with self._connect() as conn:
            conn.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            yield conn
        finally:
            conn.close()

    # -- writing --------------------------------------------------------------

    def index(self, docs: Sequence[IndexDoc]) -> None:
        """Add or replace documents in one transaction."""
        if not docs:
            return
        rows = [(doc, self._fts_values(doc)) for doc in docs]
        with self._write_lock, self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for doc, values in rows:
                    self._delete_one(conn, doc.id)
                    cur = conn.execute(
                        "INSERT INTO docs (id, archive, archive_code, title, title_text, date, year,"
                        " record_type, visibility, classified) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (doc.id, doc.archive, doc.archive_code, doc.title, doc.title_text,
                         doc.date, doc.year, doc.record_type, doc.visibility, int(doc.classified)),
                    )
                    rowid = cur.lastrowid
                    conn.execute(
                        f"INSERT INTO fts (rowid, {', '.join(COLUMNS)}) VALUES "
                        f"(?, {', '.join('?' * len(COLUMNS))})",
                        (rowid, *values),
                    )
                    conn.executemany(
                        "INSERT INTO doc_entities (rowid, facet, name) VALUES (?,?,?)",
                        [(rowid, facet, name)
                         for facet, names in (("person", doc.persons), ("place", doc.places),
                                              ("org", doc.orgs))
                         for name in dict.fromkeys(names)],
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    @staticmethod
    def _fts_values(doc: IndexDoc) -> tuple[str, ...]:
        def words(text: str) -> str:
            return " ".join(word_tokens(text))

        def names(values: tuple[str, ...]) -> str:
            return " ".join(" ".join([*word_tokens(v), v]) for v in values)

        return (
            words(doc.title_text), " ".join(char_tokens(doc.archive_code)),
            words(doc.creator_text), words(doc.meta_text), words(doc.body_text),
            names(doc.persons), names(doc.places), names(doc.orgs), " ".join(doc.pinyin),
            f"y{doc.year}" if doc.year else "",
            " ".join(char_tokens(doc.title_text)), " ".join(char_tokens(doc.meta_text)),
            " ".join(char_tokens(doc.body_text)),
        )

    @staticmethod
    def _delete_one(conn: sqlite3.Connection, doc_id: str) -> None:
        row = conn.execute("SELECT rowid FROM docs WHERE id = ?", (doc_id,)).fetchone()
        if row:
            conn.execute("DELETE FROM fts WHERE rowid = ?", row)
            conn.execute("DELETE FROM doc_entities WHERE rowid = ?", row)
            conn.execute("DELETE FROM docs WHERE rowid = ?", row)

    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents by id."""
        with self._write_lock, self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            for doc_id in ids:
                self._delete_one(conn, doc_id)
            conn.execute("COMMIT")

    def clear(self) -> None:
        """Remove every document."""
        with self._write_lock, self._connect() as conn:
            conn.execute("DELETE FROM fts")
            conn.execute("DELETE FROM doc_entities")
            conn.execute("DELETE FROM docs")

    def ids(self) -> set[str]:
        """All document ids."""
        with self._connect() as conn:
            return {row[0] for row in conn.execute("SELECT id FROM docs")}

    def close(self) -> None:
        """Nothing to release: connections are opened per call."""

    # -- reading --------------------------------------------------------------

    @staticmethod
    def _visibility_sql(scope: Scope) -> tuple[str, list]:
        """SQL for 'the text of d is visible to scope', with its parameters."""
        if scope.all_archives:
            own = "1" if scope.clearance else "d.classified = 0"
            return f"(d.visibility = 'full' OR {own})", []
        if scope.own_archives:
            marks = ", ".join("?" * len(scope.own_archives))
            clearance = "" if scope.clearance else " AND d.classified = 0"
            return (f"(d.visibility = 'full' OR (d.archive IN ({marks}){clearance}))",
                    sorted(scope.own_archives))
        return "(d.visibility = 'full')", []

    def _matched_sql(self, request: SearchRequest, scope: Scope) -> tuple[str, list]:
        """A SELECT of (rid, score, vis) for every visible match, before filters."""
        text_sql, text_params = self._visibility_sql(scope)
        node = request.query
        bm25 = "-bm25(fts, " + ", ".join(str(w) for w in WEIGHTS) + ")"
        parts: list[str] = []
        params: list = []
        for text_visible in (True, False):
            translator = _Translator(text_visible)
            where = text_sql if text_visible else f"NOT {text_sql} AND d.visibility = 'catalog'"
            vis = "'full'" if text_visible else "'catalog'"
            positive = translator.positive(node) if node is not None else None
            negative = translator.negative(node) if node is not None else None
            if positive is not None:
                parts.append(f"SELECT fts.rowid AS rid, {bm25} AS score, {vis} AS vis "
                             f"FROM fts JOIN docs d ON d.rowid = fts.rowid "
                             f"WHERE fts MATCH ? AND {where}")
                params += [positive, *text_params]
            elif node is None or negative is not None:
                exclude = ""
                if negative is not None:
                    exclude = " AND d.rowid NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
                parts.append(f"SELECT d.rowid AS rid, 0.0 AS score, {vis} AS vis FROM docs d "
                             f"WHERE {where}{exclude}")
                params += [*text_params] + ([negative] if negative is not None else [])
        if not parts:
            return "SELECT NULL AS rid, 0.0 AS score, NULL AS vis WHERE 0", []
        return " UNION ALL ".join(parts), params

    @staticmethod
    def _filter_sql(request: SearchRequest) -> tuple[str, list]:
        clauses: list[str] = []
        params: list = []
        if request.archives:
            clauses.append(f"d.archive IN ({', '.join('?' * len(request.archives))})")
            params += list(request.archives)
        if request.record_types:
            clauses.append(f"d.record_type IN ({', '.join('?' * len(request.record_types))})")
            params += list(request.record_types)
        if request.year_from is not None:
            clauses.append("d.year >= ?")
            params.append(request.year_from)
        if request.year_to is not None:
            clauses.append("d.year <= ?")
            params.append(request.year_to)
        for facet, name in request.entities:
            clauses.append("d.rowid IN (SELECT rowid FROM doc_entities WHERE facet = ? AND name = ?)")
            params += [facet, name]
        return (" AND ".join(clauses) or "1"), params

    def search(self, request: SearchRequest, scope: Scope) -> SearchResult:
        """Visible matches: one page of hits, the total and facet counts."""
        matched, match_params = self._matched_sql(request, scope)
        filters, filter_params = self._filter_sql(request)
        base = (f"WITH m AS ({matched}), f AS (SELECT d.*, m.score, m.vis FROM m "
                f"JOIN docs d ON d.rowid = m.rid WHERE {filters}) ")
        params = match_params + filter_params
        order = {
            "date": "CASE WHEN f.date = '' THEN 1 ELSE 0 END, f.date, f.id",
            "date_desc": "CASE WHEN f.date = '' THEN 1 ELSE 0 END, f.date DESC, f.id",
        }.get(request.sort, "f.score DESC, f.date, f.id")
        code = request.raw_query.strip()
        boost = "CASE WHEN lower(f.archive_code) = lower(?) THEN 0 ELSE 1 END, "
        offset = (request.page - 1) * request.size
        with self._connect() as conn:
            total = conn.execute(base + "SELECT count(*) FROM f", params).fetchone()[0]
            rows = conn.execute(
                base + f"SELECT f.id, f.score, f.vis FROM f ORDER BY {boost}{order} "
                "LIMIT ? OFFSET ?",
                [*params, code, request.size, offset],
            ).fetchall()
            facets: dict[str, dict[str, int]] = {}
            if request.with_facets:
                for facet, column in (("archive", "archive"), ("year", "year"),
                                      ("record_type", "record_type")):
                    facets[facet] = {
                        str(value): count for value, count in conn.execute(
                            base + f"SELECT f.{column}, count(*) AS n FROM f "
                            f"WHERE f.{column} IS NOT NULL AND f.{column} != '' "
                            f"GROUP BY f.{column} ORDER BY n DESC, f.{column} LIMIT 100", params)
                    }
                for facet in ENTITY_LABELS:
                    facets[facet] = dict(conn.execute(
                        base + "SELECT e.name, count(DISTINCT e.rowid) AS n FROM f "
                        "JOIN doc_entities e ON e.rowid = f.rowid WHERE e.facet = ? "
                        "GROUP BY e.name ORDER BY n DESC, e.name LIMIT 30", [*params, facet]))
        hits = [Hit(id=row[0], score=round(row[1], 4), visibility=row[2]) for row in rows]
        return SearchResult(total=total, hits=hits, facets=facets)

    def suggest(self, prefix: str, scope: Scope, size: int = 8) -> list[str]:
        """Visible titles starting with, then containing, the normalized prefix."""
        prefix = prefix.strip()
        if not prefix:
            return []
        text_sql, text_params = self._visibility_sql(scope)
        visible = f"({text_sql} OR d.visibility = 'catalog')"
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT d.title FROM docs d WHERE {visible} AND instr(d.title_text, ?) > 0 "
                "ORDER BY instr(d.title_text, ?), length(d.title), d.title LIMIT ?",
                [*text_params, prefix, prefix, size * 3],
            ).fetchall()
        return list(dict.fromkeys(row[0] for row in rows))[:size]
