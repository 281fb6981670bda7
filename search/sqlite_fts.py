"""Embedded search backend: SQLite FTS5 in one file next to the catalog.

Text columns hold search-mode word tokens (jieba) separated by spaces; ``*_chars``
columns hold one token per character for exact phrases. Visibility is part of
every SQL statement (hits, totals, facets, suggestions), never applied afterwards.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from catalog.policy import Scope
from search.answer_cache import AnswerCache
from search.base import (
    Hit,
    IndexDoc,
    SearchRequest,
    SearchResult,
    batched,
    with_code_parts,
)
from search.query_terms import char_tokens, word_tokens
from search.relevance import DEFAULT, Relevance
from search.sqlite_answer import boost_phrase, browse, candidates, facets, page
from search.sqlite_engine import connect
from search.sqlite_filters import tags_text
from search.sqlite_layout import (
    ENTITY_TAGGED,
    FTS_VERSION,
    NEXT,
    REBUILT,
    SCHEMA,
    TAGGED,
    index_statements,
    layout_version,
    open_layout,
    unused_index_suffix,
)
from search.sqlite_near import ORDERED_FUNCTION, OrderedNear
from search.sqlite_query import (
    COLUMNS,
    MATCH_COLUMNS,
    MATCHES_TABLE,
    bm25_sql,
    branches,
    count_sql,
    matched_sql,
    visibility_sql,
)

log = logging.getLogger("lantai.search")

TAGS_FROM = 2_000


def _entities(doc: IndexDoc) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A document's entity names by facet."""
    return (("person", doc.persons), ("place", doc.places), ("org", doc.orgs))


class SqliteBackend:
    """Search backend on SQLite FTS5 (embedded, the default).

    A search runs the full-text match once, into a temporary table of the visible,
    filtered matches (rowid, score, visibility); the total, the page and the facets are
    read from it. Above ``exact_total_limit`` matches the total is flagged approximate,
    and a relevance search ranks a capped candidate set instead of every match (its
    total is counted by the index alone; see :meth:`_candidates`); above
    ``facet_sample_size`` facets count the best-ranked ``facet_sample_size``
    matches (facets_sampled). Public answers are cached
    per process (``cache_size``) under the index generation, which every write advances.
    """

    name = "sqlite"

    def __init__(
        self,
        path: Path | str,
        exact_total_limit: int = 10_000,
        facet_sample_size: int = 2_000,
        cache_size: int = 0,
        relevance: Relevance = DEFAULT,
        code_patterns: Mapping[str, str] | None = None,
    ) -> None:
        self.path = str(path)
        self.relevance = relevance
        self._score = bm25_sql(relevance)
        self.code_patterns = code_patterns
        self.exact_total_limit = exact_total_limit
        self.facet_sample_size = facet_sample_size
        #: Above this many matches of a query in any field (the cheap gate), the tags
        #: decide visibility and filters inside the match and the total is counted
        #: first; below it, reading each match's row is cheaper than walking a tag's list.
        self.tags_from = TAGS_FROM
        self._cache: AnswerCache[SearchResult] = AnswerCache(cache_size)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        with self._connect() as conn:
            open_layout(conn, self.path)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            yield conn
        finally:
            conn.close()

    def _reader(self) -> sqlite3.Connection:
        """This thread's reading connection (kept open: its page cache stays warm)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.execute("PRAGMA cache_size=-65536")  # 64 MB of pages
            conn.create_function(ORDERED_FUNCTION, 5, OrderedNear(conn))
            conn.execute("DROP TABLE IF EXISTS temp.matches")
            conn.execute(MATCHES_TABLE)
            conn.execute("DROP TABLE IF EXISTS temp.sample")
            conn.execute("CREATE TEMP TABLE sample (rid INTEGER PRIMARY KEY)")
            self._local.conn, self._local.pid = conn, os.getpid()
            with self._write_lock:
                self._readers.append(conn)
        return conn

    # -- writing --------------------------------------------------------------

    def index(self, docs: Sequence[IndexDoc]) -> None:
        """Add or replace documents in one transaction."""
        if not docs:
            return
        docs = [with_code_parts(doc, self.code_patterns) for doc in docs]
        rows = [(doc, self._fts_values(doc)) for doc in docs]
        with self._write_lock, self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for doc, _ in rows:
                    self._delete_one(conn, doc.id)
                self._insert(conn, rows, "", layout_version(conn) >= TAGGED)
                self._advance(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    @staticmethod
    def _insert(
        conn: sqlite3.Connection, rows: list[tuple[IndexDoc, tuple[str, ...]]], suffix: str, tagged: bool
    ) -> None:
        columns = COLUMNS if tagged else COLUMNS[:-1]
        for doc, values in rows:
            cur = conn.execute(
                f"INSERT INTO docs{suffix} (id, archive, archive_code, title, title_text, date,"
                " year, record_type, visibility, classified, fonds, series, file)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    doc.id,
                    doc.archive,
                    doc.archive_code,
                    doc.title,
                    doc.title_text,
                    doc.date,
                    doc.year,
                    doc.record_type,
                    doc.visibility,
                    int(doc.classified),
                    doc.fonds,
                    doc.series,
                    doc.file,
                ),
            )
            rowid = cur.lastrowid
            conn.execute(
                f"INSERT INTO fts{suffix} (rowid, {', '.join(columns)}) VALUES "
                f"(?, {', '.join('?' * len(columns))})",
                (rowid, *values[: len(columns)]),
            )
            conn.executemany(
                f"INSERT OR IGNORE INTO doc_entities{suffix} (rowid, facet, name) VALUES (?,?,?)",
                [(rowid, facet, name) for facet, names in _entities(doc) for name in dict.fromkeys(names)],
            )

    @staticmethod
    def _advance(conn: sqlite3.Connection) -> None:
        """Start a new index generation (cached answers of older ones are not served)."""
        conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")

    @staticmethod
    def _fts_values(doc: IndexDoc) -> tuple[str, ...]:
        def words(text: str) -> str:
            return " ".join(word_tokens(text))

        def names(values: tuple[str, ...]) -> str:
            return " ".join(" ".join([*word_tokens(v), v]) for v in values)

        return (
            words(doc.title_text),
            " ".join(char_tokens(doc.archive_code)),
            words(doc.creator_text),
            words(doc.meta_text),
            words(doc.body_text),
            names(doc.persons),
            names(doc.places),
            names(doc.orgs),
            " ".join(doc.pinyin),
            f"y{doc.year}" if doc.year else "",
            " ".join(char_tokens(doc.title_text)),
            " ".join(char_tokens(doc.meta_text)),
            " ".join(char_tokens(doc.body_text)),
            tags_text(
                doc.visibility,
                doc.archive,
                doc.record_type,
                [(facet, name) for facet, names in _entities(doc) for name in names],
            ),
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
            self._advance(conn)
            conn.execute("COMMIT")

    def clear(self) -> None:
        """Remove every document."""
        with self._write_lock, self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM fts")
            conn.execute("DELETE FROM doc_entities")
            conn.execute("DELETE FROM docs")
            self._advance(conn)
            conn.execute("COMMIT")

    def rebuild(self, docs: Iterable[IndexDoc], batch: int = 1000) -> int:
        """Build a new index beside the live one from ``docs`` and switch to it atomically
        (重建索引); searches keep answering from the old one meanwhile.

        The new tables (``*_next``) are filled in batches, merged ('optimize'), then
        renamed over the old ones in one transaction with their indexes. On failure they
        are dropped and the old index goes on serving. Returns the number indexed.
        """
        with self._connect() as conn:
            self._drop_next(conn)
            conn.executescript(SCHEMA.format(next=NEXT))
            for statement in index_statements(f"docs{NEXT}", unused_index_suffix(conn)):
                conn.execute(statement)  # filled as the rows come: no sort in memory at the end
        count = 0
        try:
            for chunk in batched(docs, batch):
                located = [with_code_parts(doc, self.code_patterns) for doc in chunk]
                rows = [(doc, self._fts_values(doc)) for doc in located]
                with self._write_lock, self._connect() as conn:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        self._insert(conn, rows, NEXT, True)
                        conn.execute("COMMIT")
                    except BaseException:
                        conn.execute("ROLLBACK")
                        raise
                count += len(chunk)
            with self._connect() as conn:
                conn.execute(f"INSERT INTO fts{NEXT} (fts{NEXT}) VALUES ('optimize')")
            with self._write_lock, self._connect() as conn:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for table in REBUILT:
                        conn.execute(f"DROP TABLE {table}")
                    for table in REBUILT:
                        conn.execute(f"ALTER TABLE {table}{NEXT} RENAME TO {table}")
                    conn.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('fts_version', ?)", (FTS_VERSION,)
                    )
                    self._advance(conn)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
        except BaseException:
            with self._connect() as conn:
                self._drop_next(conn)
            raise
        self.analyze()
        return count

    @staticmethod
    def _drop_next(conn: sqlite3.Connection) -> None:
        for table in REBUILT:
            conn.execute(f"DROP TABLE IF EXISTS {table}{NEXT}")

    def analyze(self) -> None:
        """Refresh the query planner's statistics (ANALYZE / PRAGMA optimize)."""
        with self._connect() as conn:
            conn.execute("ANALYZE docs")
            conn.execute("ANALYZE doc_entities")
            conn.execute("PRAGMA optimize")

    def optimize(self) -> None:
        """After a bulk load: merge the full-text index into one segment and refresh the
        planner's statistics, so searches do not pay for fragmentation."""
        with self._write_lock, self._connect() as conn:
            conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        self.analyze()

    def ids(self) -> set[str]:
        """All document ids."""
        with self._connect() as conn:
            return {row[0] for row in conn.execute("SELECT id FROM docs")}

    def close(self) -> None:
        """Close the reading connections."""
        with self._write_lock:
            readers, self._readers = self._readers, []
        for conn in readers:
            conn.close()
        self._local = threading.local()

    # -- reading --------------------------------------------------------------

    def search(self, request: SearchRequest, scope: Scope) -> SearchResult:
        """Visible matches: one page of hits, the total and facet counts.

        Everything is read in one transaction (one snapshot of the index, even while a
        rebuild switches tables). Public answers come from the cache when the index has
        not changed since they were computed.
        """
        conn = self._reader()
        key = None
        conn.execute("BEGIN")
        try:
            generation = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
            if scope.is_public:
                key = repr((replace(request, raw_query=request.raw_query.strip()), scope))
                cached = self._cache.get(key, generation)
                if cached is not None:
                    return cached
            result = self._search(conn, request, scope)
        finally:
            conn.execute("DELETE FROM temp.matches")
            conn.execute("DELETE FROM temp.sample")
            conn.execute("COMMIT")
        if key is not None:
            self._cache.put(key, generation, result)
        return result

    def _search(self, conn: sqlite3.Connection, request: SearchRequest, scope: Scope) -> SearchResult:
        if request.query is None:
            total, hits, facets = self._browse(conn, request, scope)
            return self._result(request, total, hits, facets)
        entity_tags = self._entity_tags(conn, request)
        tagged = False
        found = branches(request, scope, False, self._score, entity_tags)
        if found:
            # What the query matches in any field, any visibility: a cheap gate (no row is
            # read). Few matches are checked row by row; many are matched with the tags, and
            # a relevance search that may pass the limit is counted by them first.
            counted = conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (found[0].match,))
            plain = counted.fetchone()[0]
            if plain > self.tags_from:
                tagged = layout_version(conn) >= TAGGED
                found = branches(request, scope, tagged, self._score, entity_tags)
                limit = max(self.facet_sample_size, request.page * request.size)
                if request.sort == "relevance" and plain > max(self.exact_total_limit, limit):
                    counts = [conn.execute(*count_sql(branch)).fetchone()[0] for branch in found]
                    total = sum(counts)
                    if total > max(self.exact_total_limit, limit):
                        ranked = candidates(conn, found, counts, request, limit)
                        boost_phrase(conn, request, self.relevance.phrase)
                        hits = self._page(conn, request, ranked)
                        facets = self._facets(conn, ranked) if request.with_facets else {}
                        return self._result(request, total, hits, facets)
        matched_rows, params = matched_sql(request, scope, tagged, self._score, entity_tags, found)
        conn.execute(f"INSERT OR IGNORE INTO temp.matches ({MATCH_COLUMNS}) {matched_rows}", params)
        boost_phrase(conn, request, self.relevance.phrase)
        total = conn.execute("SELECT count(*) FROM temp.matches").fetchone()[0]
        hits = self._page(conn, request, total)
        facets = self._facets(conn, total) if request.with_facets else {}
        return self._result(request, total, hits, facets)

    def _browse(
        self, conn: sqlite3.Connection, request: SearchRequest, scope: Scope
    ) -> tuple[int, list[Hit], dict[str, dict[str, int]]]:
        entity_tags = self._entity_tags(conn, request)
        return browse(conn, request, scope, self.facet_sample_size, self.relevance.tie_break, entity_tags)

    def _entity_tags(self, conn: sqlite3.Connection, request: SearchRequest) -> bool:
        """Whether the request's entity filters are answered from the tags (layout 4); the
        layout is read only for a request that has them."""
        return bool(request.entities) and layout_version(conn) >= ENTITY_TAGGED

    def _page(self, conn: sqlite3.Connection, request: SearchRequest, total: int) -> list[Hit]:
        return page(conn, request, total, self.relevance.tie_break)

    def _facets(self, conn: sqlite3.Connection, total: int) -> dict[str, dict[str, int]]:
        return facets(conn, total, self.facet_sample_size)

    def _result(
        self, request: SearchRequest, total: int, hits: list[Hit], facets: dict[str, dict[str, int]]
    ) -> SearchResult:
        return SearchResult(
            total=total,
            hits=hits,
            facets=facets,
            total_is_exact=total <= self.exact_total_limit,
            facets_sampled=request.with_facets and total > self.facet_sample_size,
        )

    def suggest(self, prefix: str, scope: Scope, size: int = 8) -> list[str]:
        """Visible titles starting with, then containing, the normalized prefix."""
        prefix = prefix.strip()
        if not prefix:
            return []
        text_sql, text_params = visibility_sql(scope)
        visible = f"({text_sql} OR d.visibility = 'catalog')"
        rows = (
            self._reader()
            .execute(
                f"SELECT d.title FROM docs d WHERE {visible} AND instr(d.title_text, ?) > 0 "
                "ORDER BY instr(d.title_text, ?), length(d.title), d.title LIMIT ?",
                [*text_params, prefix, prefix, size * 3],
            )
            .fetchall()
        )
        return list(dict.fromkeys(row[0] for row in rows))[:size]
