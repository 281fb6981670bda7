"""OpenSearch search backend: a real node or cluster, for installations that outgrow one machine.

The index layout lives in ``search.opensearch_fields``, the query bodies in
``search.opensearch_query``, the versioned indices behind the alias ``{index}`` (so several
installations can share a cluster by prefix and ``lantai reindex`` builds beside the live
index) in ``search.opensearch_indices``; this module searches and writes through them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import (
    ConnectionError as OSConnectionError,
)
from opensearchpy.exceptions import (
    TransportError,
)

from analyzers.query import positive_terms
from catalog.policy import Scope
from config import Settings
from search.base import (
    BackendUnavailable,
    Hit,
    IndexDoc,
    SearchRequest,
    SearchResult,
    with_code_parts,
)
from search.opensearch_fields import (
    CODE,
    CODE_BOOST,
    FULL,
    SAMPLE,
    TITLE,
    TITLE_TIE_BOOST,
    ascii_lower,
    joined_tokens,
    source_of,
)
from search.opensearch_indices import BULK_TIMEOUT, VersionedIndices
from search.opensearch_query import (
    any_of,
    code_first_sort,
    facet_aggs,
    request_filters,
    title_sort,
    visibility_query,
    visible_filter,
)
from search.query_terms import (
    char_tokens,
)
from search.relevance import Relevance

POOL_SIZE = 16  # kept-alive HTTP connections to the node, per process
MAX_WINDOW = 10_000  # index.max_result_window: deeper pages walk with search_after


class OpenSearchBackend:
    """Search backend on OpenSearch (``settings.opensearch_url``, alias ``settings.index``)."""

    name = "opensearch"

    def __init__(self, settings: Settings) -> None:
        self.url = settings.opensearch_url
        self.alias = settings.index
        self.timeout = settings.search_timeout
        self.exact_total_limit = settings.exact_total_limit
        self.facet_sample_size = settings.facet_sample_size
        self.relevance = Relevance.from_settings(settings)
        self.code_patterns = settings.archive_code_patterns
        # One pool of kept-alive HTTP connections per process, shared by its threads.
        self.client = OpenSearch(
            hosts=[self.url],
            timeout=self.timeout,
            retry_on_timeout=False,
            max_retries=1,
            maxsize=POOL_SIZE,
        )
        self.indices = VersionedIndices(self.client, self.alias)
        self._ready = False

    # -- errors and set-up ------------------------------------------------------

    @contextmanager
    def _answering(self, what: str) -> Iterator[None]:
        """Turn 'the node is down or too slow' into BackendUnavailable."""
        try:
            yield
        except OSConnectionError as exc:  # refused, reset, or slower than the timeout
            raise BackendUnavailable(
                f"OpenSearch at {self.url} did not answer {what}: {type(exc).__name__}"
            ) from exc
        except TransportError as exc:
            if exc.status_code in (429, 502, 503, 504):
                raise BackendUnavailable(
                    f"OpenSearch at {self.url} cannot {what} now (HTTP {exc.status_code}: {exc.error})"
                ) from exc
            raise

    def _ensure(self) -> None:
        """Create the first versioned index and the alias when this installation has none."""
        if self._ready:
            return
        with self._answering("a set-up request"):
            self.indices.ensure()
        self._ready = True

    def _source(self, doc: IndexDoc) -> dict[str, Any]:
        """The document stored for ``doc``, with its 档号's parts (``archive_code_patterns``)."""
        return source_of(with_code_parts(doc, self.code_patterns))

    def _writes(self, docs: Iterable[IndexDoc]) -> Iterator[dict]:
        return ({"_id": d.id, "_source": self._source(d)} for d in docs)

    def index(self, docs: Sequence[IndexDoc]) -> None:
        """Add or replace documents; searchable when this returns (explicit refresh)."""
        if not docs:
            return
        self._ensure()
        with self._answering("an index request"):
            self.indices.bulk(self._writes(docs), self.alias)
            self.indices.refresh()

    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        if not ids:
            return
        self._ensure()
        with self._answering("a delete request"):
            self.indices.bulk(({"_op_type": "delete", "_id": i} for i in ids), self.alias)
            self.indices.refresh()

    def rebuild(self, docs: Iterable[IndexDoc]) -> int:
        """Build a new versioned index from ``docs``, switch the alias to it atomically,
        drop the old index; searches keep answering from the old one meanwhile.

        Returns the number of documents indexed. On failure the new index is removed
        and the alias still points to the old one.
        """
        with self._answering("a rebuild"):
            count = self.indices.rebuild(self._writes(docs))
        self._ready = True
        return count

    def clear(self) -> None:
        """Remove every document: switch the alias to a new empty index, drop the old one."""
        self.rebuild(())

    def optimize(self) -> None:
        """After a bulk load: nothing to do, as OpenSearch merges its segments in the
        background and every :meth:`index` call ends with a refresh."""

    def drop(self) -> None:
        """Delete this installation's indices and alias (tests, uninstall)."""
        with self._answering("a delete-index request"):
            self.indices.drop()
        self._ready = False

    def ids(self) -> set[str]:
        """All document ids in the index."""
        self._ensure()
        with self._answering("a scan"):
            return {
                hit["_id"]
                for hit in helpers.scan(
                    self.client,
                    index=self.alias,
                    query={"query": {"match_all": {}}},
                    _source=False,
                    size=2000,
                    request_timeout=BULK_TIMEOUT,
                )
            }

    def close(self) -> None:
        """Release the HTTP connections."""
        self.client.close()

    # -- reading --------------------------------------------------------------

    def _search(self, body: dict, what: str = "a search", **params: Any) -> dict:
        """Run one search under the search timeout; partial answers count as unavailable."""
        self._ensure()
        body = {**body, "timeout": f"{max(1, int(self.timeout * 1000))}ms"}
        with self._answering(what):
            response = self.client.search(index=self.alias, body=body, request_timeout=self.timeout, **params)
        shards = response.get("_shards", {})
        if response.get("timed_out") or shards.get("failed"):
            raise BackendUnavailable(f"OpenSearch at {self.url} answered {what} only partially")
        return response

    def query(self, request: SearchRequest, scope: Scope) -> dict:
        """The query DSL of a request: visibility branches, filters, the code-first rule."""
        query: dict[str, Any] = {"must": [visibility_query(request.query, scope, self.relevance)]}
        filters = request_filters(request)
        if filters:
            query["filter"] = filters
        code = request.raw_query.strip()
        if request.sort == "relevance":
            should = []
            if code:
                should.append(
                    {
                        "constant_score": {
                            "filter": {"term": {"code_lower": ascii_lower(code)}},
                            "boost": CODE_BOOST,
                            "_name": CODE,
                        }
                    }
                )
            titles = [
                {"match_phrase": {"title_chars": joined_tokens(tokens)}}
                for term in positive_terms(request.query)
                if (tokens := char_tokens(term))
            ]
            if titles and self.relevance.tie_break[:1] == ("title",):
                # Breaks ties only (taken off the score shown): a title holding a term first.
                should.append(
                    {"constant_score": {"filter": any_of(titles), "boost": TITLE_TIE_BOOST, "_name": TITLE}}
                )
            if should:
                query["should"] = should
        return {"bool": query}

    def sort(self, request: SearchRequest) -> list[Any]:
        """Sort keys: relevance (score, then the tie-break keys, then id), date (missing
        last, then id) or 档号 (archive, code, id); an exact 档号 query first in the latter
        two. A first tie-break key ``title`` (a title holding a query term) is a
        tiny score boost (:meth:`query`), a later one a sort key."""
        code = request.raw_query.strip()
        if request.sort in ("date", "date_desc"):
            order = "desc" if request.sort == "date_desc" else "asc"
            keys: list[Any] = [code_first_sort(ascii_lower(code))] if code else []
            return keys + [{"date": {"order": order, "missing": "_last"}}, {"id": "asc"}]
        if request.sort == "code":
            keys = [code_first_sort(ascii_lower(code))] if code else []
            return keys + [{"archive": "asc"}, {"archive_code": "asc"}, {"id": "asc"}]
        keys = [{"_score": "desc"}]
        for n, key in enumerate(self.relevance.tie_break):
            if key == "title" and n > 0:
                keys.append(title_sort(positive_terms(request.query)))
            elif key == "date":  # in the catalog's order an empty date sorts before every date
                keys.append({"date": {"order": "asc", "missing": "_first"}})
            elif key == "newest":
                keys.append({"date": {"order": "desc", "missing": "_last"}})
        return keys + [{"id": "asc"}]

    def search_body(self, request: SearchRequest, scope: Scope) -> dict[str, Any]:
        """The one request a search sends (query, sort, facet aggregations), first page
        window included; what the benchmark sends straight to the node as its floor."""
        body: dict[str, Any] = {
            "query": self.query(request, scope),
            "sort": self.sort(request),
            "track_total_hits": True,
            "_source": False,
        }
        if request.sort != "relevance":
            body["track_scores"] = True
        if request.with_facets:
            body["aggs"] = facet_aggs(self.facet_sample_size)
        return body

    def search(self, request: SearchRequest, scope: Scope) -> SearchResult:
        """Visible matches: one page of hits, the total and facet counts, in one request."""
        body = self.search_body(request, scope)
        offset = (request.page - 1) * request.size
        if offset + request.size <= MAX_WINDOW:
            response = self._search({**body, "from": offset, "size": request.size})
            head = response
        else:
            head, response = self._deep_page(body, offset, request.size)
        hits = [self._hit(h) for h in response["hits"]["hits"]]
        facets: dict[str, dict[str, int]] = {}
        sample = (head.get("aggregations") or {}).get(SAMPLE) or {}
        for facet, agg in sample.items():
            if isinstance(agg, dict) and "buckets" in agg:
                facets[facet] = {str(b["key"]): b["doc_count"] for b in agg["buckets"]}
        total = head["hits"]["total"]["value"]
        return SearchResult(
            total=total,
            hits=hits,
            facets=facets,
            total_is_exact=total <= self.exact_total_limit,
            facets_sampled=request.with_facets and total > self.facet_sample_size,
        )

    def _deep_page(self, body: dict, offset: int, size: int) -> tuple[dict, dict]:
        """A page beyond ``MAX_WINDOW``: walk with search_after on the sort (ending in id)."""
        head: dict | None = None
        after: list | None = None
        skipped = 0
        while skipped < offset:
            step = min(MAX_WINDOW, offset - skipped)
            walk = {**body, "size": step}
            if head is not None:
                walk.pop("aggs", None)
                walk["track_total_hits"] = False
            if after is not None:
                walk["search_after"] = after
            response = self._search(
                walk, filter_path=["hits.hits.sort", "hits.total", "aggregations", "timed_out", "_shards"]
            )
            head = head or response
            page = response.get("hits", {}).get("hits", [])
            if not page:
                return head, {"hits": {"hits": []}}
            skipped += len(page)
            after = page[-1]["sort"]
            if len(page) < step:
                return head, {"hits": {"hits": []}}
        final = {**body, "size": size}
        if after is not None:
            final["search_after"] = after
        if head is not None:
            final.pop("aggs", None)
            final["track_total_hits"] = False
        response = self._search(final)
        return head or response, response

    @staticmethod
    def _hit(hit: dict) -> Hit:
        matched = hit.get("matched_queries") or []
        score = hit.get("_score") or 0.0
        if CODE in matched:
            score = max(score - CODE_BOOST, 0.0)
        if TITLE in matched:
            score = max(score - TITLE_TIE_BOOST, 0.0)
        return Hit(id=hit["_id"], score=round(score, 4), visibility="full" if FULL in matched else "catalog")

    def suggest(self, prefix: str, scope: Scope, size: int = 8) -> list[str]:
        """Visible titles containing the normalized prefix: earliest position first,
        then shorter titles, then by title."""
        prefix = prefix.strip()
        if not prefix:
            return []
        pattern = "*" + re.sub(r"([*?\\])", r"\\\1", prefix) + "*"
        body = {
            "query": {
                "bool": {"filter": [visible_filter(scope), {"wildcard": {"title_text": {"value": pattern}}}]}
            },
            "sort": [
                {
                    "_script": {
                        "type": "number",
                        "order": "asc",
                        "script": {
                            "lang": "painless",
                            "source": "doc['title_text'].value.indexOf(params.prefix)",
                            "params": {"prefix": prefix},
                        },
                    }
                },
                {"title_length": "asc"},
                {"title": "asc"},
            ],
            "size": size * 3,
            "_source": ["title"],
            "track_total_hits": False,
        }
        response = self._search(body, "a suggestion request")
        titles = [h["_source"]["title"] for h in response["hits"]["hits"]]
        return list(dict.fromkeys(titles))[:size]
