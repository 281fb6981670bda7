"""The floor of a search benchmark (下限): what each engine takes alone for the same queries.

Embedded: the raw FTS5 statement of each query (the public branch's match expression,
bm25 over every match, the page's top rows), on one warm connection, with no visibility
join, filters, facets, catalog lookups, snippets or HTTP. OpenSearch: the very body the
backend sends for the query (``OpenSearchBackend.search_body``), sent straight to the node
with the backend's pooled client. Each is timed one query at a time (latency) and from
eight threads at once (throughput, to set beside the API's eight clients).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from bench.load import drive
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


FLOOR_SQL = f"SELECT rowid, {BM25} AS s FROM fts WHERE fts MATCH ? ORDER BY s DESC LIMIT ?"


def _connect(path: str, **options):
    conn = sqlite_engine.connect(path, **options)
    conn.execute("PRAGMA cache_size=-65536")
    return conn


def sqlite_floor(
    path: str, queries: Sequence[dict[str, str]], settings: Settings, rounds: int = 3
) -> dict[int, list[float]]:
    """Seconds per query index for the raw FTS5 statement, ``rounds`` times each."""
    statements = {i: s for i, args in enumerate(queries) if (s := fts_statement(args, settings))}
    conn = _connect(path)
    found: dict[int, list[float]] = {}
    try:
        for _ in range(rounds):
            for i, params in statements.items():
                started = time.perf_counter()
                conn.execute(FLOOR_SQL, params).fetchall()
                found.setdefault(i, []).append(time.perf_counter() - started)
    finally:
        conn.close()
    return found


def sqlite_floor_rate(
    path: str, queries: Sequence[dict[str, str]], settings: Settings, clients: int, count: int, seconds: float
) -> float:
    """Raw FTS5 statements per second from ``clients`` threads, each on its own connection."""
    statements = [s for args in queries if (s := fts_statement(args, settings))]
    local = threading.local()
    opened = []

    def run(n: int) -> None:
        if not hasattr(local, "conn"):
            local.conn = _connect(path, check_same_thread=False)  # closed by this function
            opened.append(local.conn)
        local.conn.execute(FLOOR_SQL, statements[n % len(statements)]).fetchall()

    try:
        return floor_rate(run, clients, count, seconds)
    finally:
        for conn in opened:
            conn.close()


def floor_rate(run: Callable[[int], None], clients: int, count: int, seconds: float) -> float:
    """Calls of ``run(n)`` per second from ``clients`` threads, bounded as
    :func:`bench.load.drive` bounds the API's load runs."""
    done = 0
    lock = threading.Lock()

    def counted(n: int) -> None:
        nonlocal done
        run(n)
        with lock:
            done += 1

    elapsed = drive(counted, clients, count, seconds)
    return done / elapsed


def opensearch_floor(
    backend, queries: Sequence[dict[str, str]], settings: Settings, rounds: int = 3
) -> dict[int, list[float]]:
    """Seconds per query index for the backend's own body sent straight to the node."""
    scope = scope_for(PUBLIC)
    found: dict[int, list[float]] = {}
    for _ in range(rounds):
        for i, args in enumerate(queries):
            request = parse_request(args, settings)
            body = opensearch_body(backend, request, scope)
            started = time.perf_counter()
            backend.client.search(index=backend.alias, body=body, request_timeout=60)
            found.setdefault(i, []).append(time.perf_counter() - started)
    return found


def opensearch_body(backend, request, scope) -> dict:
    """The body the backend sends for ``request``, with its page."""
    body = backend.search_body(request, scope)
    body.update({"from": (request.page - 1) * request.size, "size": request.size})
    return body


def opensearch_floor_rate(
    backend, queries: Sequence[dict[str, str]], settings: Settings, clients: int, count: int, seconds: float
) -> float:
    """The backend's own bodies sent straight to the node per second from ``clients``
    threads sharing the backend's pooled client."""
    scope = scope_for(PUBLIC)
    bodies = [opensearch_body(backend, parse_request(args, settings), scope) for args in queries]

    def run(n: int) -> None:
        backend.client.search(index=backend.alias, body=bodies[n % len(bodies)], request_timeout=60)

    return floor_rate(run, clients, count, seconds)
