"""The floor of a search benchmark (下限): what each engine takes alone for the same queries.

Embedded: the raw FTS5 statement of each query (the public branch's match expression,
bm25 over every match, the page's top rows), on one warm connection, with no visibility
join, filters, facets, catalog lookups, snippets or HTTP. OpenSearch: the very body the
backend sends for the query (``OpenSearchBackend.search_body``), sent straight to the node
with the backend's pooled client.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from catalog.policy import PUBLIC, scope_for
from config import Settings
from search import sqlite_engine
from search.params import parse_request
from search.sqlite_query import BM25, Translator


def fts_statement(args: dict[str, str], settings: Settings) -> tuple[str, int] | None:
    """The FTS5 expression of a request's query and its page's last row; None when the
    request has no full-text match (filters only, purely negative)."""
    request = parse_request(args, settings)
    if request.query is None:
        return None
    expression = Translator(True).positive(request.query)
    if expression is None:
        return None
    return expression, request.page * request.size


def sqlite_floor(
    path: str, queries: Sequence[dict[str, str]], settings: Settings, rounds: int = 3
) -> dict[int, list[float]]:
    """Seconds per query index for the raw FTS5 statement, ``rounds`` times each."""
    conn = sqlite_engine.connect(path)
    conn.execute("PRAGMA cache_size=-65536")
    found: dict[int, list[float]] = {}
    try:
        for _ in range(rounds):
            for i, args in enumerate(queries):
                statement = fts_statement(args, settings)
                if statement is None:
                    continue
                expression, rows = statement
                started = time.perf_counter()
                conn.execute(
                    f"SELECT rowid, {BM25} AS s FROM fts WHERE fts MATCH ? ORDER BY s DESC LIMIT ?",
                    (expression, rows),
                ).fetchall()
                found.setdefault(i, []).append(time.perf_counter() - started)
    finally:
        conn.close()
    return found


def opensearch_floor(
    backend, queries: Sequence[dict[str, str]], settings: Settings, rounds: int = 3
) -> dict[int, list[float]]:
    """Seconds per query index for the backend's own body sent straight to the node."""
    scope = scope_for(PUBLIC)
    found: dict[int, list[float]] = {}
    for _ in range(rounds):
        for i, args in enumerate(queries):
            request = parse_request(args, settings)
            body = backend.search_body(request, scope)
            body.update({"from": (request.page - 1) * request.size, "size": request.size})
            started = time.perf_counter()
            backend.client.search(index=backend.alias, body=body, request_timeout=60)
            found.setdefault(i, []).append(time.perf_counter() - started)
    return found
