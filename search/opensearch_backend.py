"""OpenSearch search backend: a real node or cluster, for installations that outgrow one machine.

The index holds the same tokens as the embedded SQLite backend (``search.query_terms``),
pre-segmented and space-joined, in ``text`` fields with a whitespace analyzer: ``*_words``
fields hold search-mode word tokens, ``*_chars`` fields one token per character for exact
phrases. Catalog values sit in ``keyword`` fields for filters, facets and sorting.

Indices are versioned (``{index}-v{N}``) behind the alias ``{index}``, so several
installations can share a cluster by prefix and ``lantai reindex`` can build a new index
while searches keep answering, then switch the alias atomically.

Visibility is part of every query, in filter context, for hits, totals, aggregations and
suggestions alike: one ``bool`` query has a branch for records whose text is visible (the
full query) and a branch for catalog-only records (the query over catalog fields); the
named branch that matched gives each hit its visibility.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import (
    ConnectionError as OSConnectionError,
)
from opensearchpy.exceptions import (
    NotFoundError,
    RequestError,
    TransportError,
)

from analyzers.query import And, Node, Not, Or, Phrase, Term, YearRange, positive_terms
from catalog.policy import Scope
from config import Settings
from search.base import (
    ENTITY_LABELS,
    BackendUnavailable,
    Hit,
    IndexDoc,
    SearchRequest,
    SearchResult,
)
from search.query_terms import (
    char_tokens,
    needs_string_match,
    pinyin_term,
    term_tokens,
    word_tokens,
    year_terms,
)

#: Field boosts; the same weights the SQLite backend gives its bm25 columns.
BOOSTS = {
    "title_words": 10.0,
    "code_chars": 10.0,
    "creator_words": 3.0,
    "meta_words": 2.0,
    "body_words": 1.0,
    "person_words": 3.0,
    "place_words": 3.0,
    "org_words": 3.0,
    "pinyin": 2.0,
    "year_terms": 0.5,
    "title_chars": 5.0,
    "meta_chars": 1.5,
    "body_chars": 1.0,
}
TERM_FIELDS = {
    True: (
        "title_words",
        "code_chars",
        "creator_words",
        "meta_words",
        "body_words",
        "person_words",
        "place_words",
        "org_words",
    ),
    False: (
        "title_words",
        "code_chars",
        "creator_words",
        "meta_words",
        "person_words",
        "place_words",
        "org_words",
    ),
}
PHRASE_FIELDS = {True: ("title_chars", "meta_chars", "body_chars"), False: ("title_chars", "meta_chars")}
FIELD_FIELDS = {
    "title": ("title_words",),
    "creator": ("creator_words",),
    "person": ("person_words",),
    "place": ("place_words",),
    "org": ("org_words",),
    "code": ("code_chars",),
}
TOKEN_FIELDS = tuple(BOOSTS)
ENTITY_FIELDS = {"person": "persons", "place": "places", "org": "orgs"}
FACET_FIELDS = {"archive": "archive", "year": "year", "record_type": "record_type"}
FACET_LIMIT = 100  # archive, year, record_type
ENTITY_FACET_LIMIT = 30

# Combined fields (copy_to) for queries too long for one clause per token and field.
COMBINED_FIELDS = {True: "all_words", False: "catalog_words"}
CLAUSE_BUDGET = 800  # below Lucene's maxClauseCount (1024 by default)

FULL, CATALOG, CODE = "lantai.full", "lantai.catalog", "lantai.code"
SAMPLE = "best"  # the sampler aggregation holding the facets
CODE_BOOST = 1_000_000.0  # an exact reference code ranks first (relevance sort)
TITLE = "lantai.title"
TITLE_TIE_BOOST = 1e-4  # among equal scores, a title holding a query term first
POOL_SIZE = 16  # kept-alive HTTP connections to the node, per process
MAX_WINDOW = 10_000  # index.max_result_window: deeper pages walk with search_after
BULK_TIMEOUT = 120.0  # seconds for one bulk, refresh or index-management request
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

_KEYWORD = {"type": "keyword"}
_TOKENS = {"type": "text", "analyzer": "lantai_tokens"}


def _token_field(name: str) -> dict[str, Any]:
    targets = [COMBINED_FIELDS[v] for v in (True, False) if name in TERM_FIELDS[v]]
    return {**_TOKENS, "copy_to": targets} if targets else _TOKENS


INDEX_SETTINGS: dict[str, Any] = {
    "number_of_shards": 1,  # exact facet counts; one shard holds millions of records
    "auto_expand_replicas": "0-1",
    "analysis": {
        "analyzer": {
            # Tokens come pre-segmented from search.query_terms, one space between them.
            "lantai_tokens": {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]},
        },
    },
}

MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    # Token fields are rebuilt from the catalog, never read back: keep them out of _source.
    "_source": {"excludes": list(TOKEN_FIELDS)},
    "properties": {
        "id": _KEYWORD,
        "archive": _KEYWORD,
        "archive_code": _KEYWORD,
        "code_lower": _KEYWORD,  # ASCII-lowercased reference code, for the code-first rule
        "title": {"type": "keyword", "ignore_above": 4096},  # the original title, as stored
        "title_text": {"type": "keyword", "ignore_above": 4096},  # normalized: suggestions
        "title_length": {"type": "integer"},
        "date": _KEYWORD,  # ISO text (1949, 1949-07, 1949-07-14): sorts like the catalog
        "date_value": {"type": "date", "format": "yyyy-MM-dd||yyyy-MM||yyyy", "ignore_malformed": True},
        "year": {"type": "integer"},
        "record_type": _KEYWORD,
        "visibility": _KEYWORD,
        "classified": {"type": "boolean"},
        "persons": _KEYWORD,
        "places": _KEYWORD,
        "orgs": _KEYWORD,
        **{name: _token_field(name) for name in TOKEN_FIELDS},
        # Matching only (no frequencies, positions or norms): the compact query form.
        **{name: {**_TOKENS, "index_options": "docs", "norms": False} for name in COMBINED_FIELDS.values()},
    },
}


def _ascii_lower(text: str) -> str:
    """Lowercase ASCII letters only, as SQLite's ``lower()`` does."""
    return text.translate(_ASCII_LOWER)


def _joined(tokens: Iterable[str]) -> str:
    return " ".join(tokens)


def source_of(doc: IndexDoc) -> dict[str, Any]:
    """The OpenSearch document for ``doc``: the same tokens the SQLite backend indexes."""

    def words(text: str) -> str:
        return _joined(word_tokens(text))

    def names(values: tuple[str, ...]) -> str:
        return " ".join(" ".join([*word_tokens(v), v]) for v in values)

    return {
        "id": doc.id,
        "archive": doc.archive,
        "archive_code": doc.archive_code,
        "code_lower": _ascii_lower(doc.archive_code),
        "title": doc.title,
        "title_text": doc.title_text,
        "title_length": len(doc.title),
        "date": doc.date or None,
        "date_value": doc.date or None,
        "year": doc.year,
        "record_type": doc.record_type or None,
        "visibility": doc.visibility,
        "classified": doc.classified,
        "persons": list(dict.fromkeys(doc.persons)),
        "places": list(dict.fromkeys(doc.places)),
        "orgs": list(dict.fromkeys(doc.orgs)),
        "title_words": words(doc.title_text),
        "code_chars": _joined(char_tokens(doc.archive_code)),
        "creator_words": words(doc.creator_text),
        "meta_words": words(doc.meta_text),
        "body_words": words(doc.body_text),
        "person_words": names(doc.persons),
        "place_words": names(doc.places),
        "org_words": names(doc.orgs),
        "pinyin": _joined(doc.pinyin),
        "year_terms": f"y{doc.year}" if doc.year else "",
        "title_chars": _joined(char_tokens(doc.title_text)),
        "meta_chars": _joined(char_tokens(doc.meta_text)),
        "body_chars": _joined(char_tokens(doc.body_text)),
    }


def _any_of(queries: list[dict]) -> dict:
    return queries[0] if len(queries) == 1 else {"bool": {"should": queries, "minimum_should_match": 1}}


class QueryBuilder:
    """Translate a query tree into OpenSearch DSL for one visibility level.

    The rules are those of the SQLite backend: terms must all occur (each in any of the
    searchable fields), phrases are contiguous characters, ``NOT`` excludes, a bare ``NOT``
    inside ``OR`` is left out, and catalog-only records are matched (and excluded) on
    catalog fields only. ``compact`` matches terms on one combined field instead of each
    field with its weight: the same matches with one clause per token, for long queries.
    """

    def __init__(self, text_visible: bool, compact: bool = False) -> None:
        self.text_visible = text_visible
        self.compact = compact

    def leaf(self, node: Term | Phrase | YearRange) -> dict | None:
        """DSL for one term, phrase or year range; None when it has no tokens."""
        if isinstance(node, YearRange):
            return {"terms": {"year_terms": year_terms(node.start, node.end), "boost": BOOSTS["year_terms"]}}
        field = node.field
        if field == "code":
            tokens = char_tokens(node.text)
            return self._phrase(("code_chars",), tokens) if tokens else None
        if isinstance(node, Phrase) and field in (None, "title"):
            tokens = char_tokens(node.text)
            fields = ("title_chars",) if field == "title" else PHRASE_FIELDS[self.text_visible]
            return self._phrase(fields, tokens) if tokens else None
        tokens = list(dict.fromkeys(term_tokens(node.text)))  # all must occur: once is enough
        fields = FIELD_FIELDS.get(field or "", TERM_FIELDS[self.text_visible])
        query = self._terms(fields, tokens) if tokens else None
        if query and field in (None, "title") and needs_string_match(node.text):
            # The term as a string too: texts indexed before a word was learned still match.
            chars = char_tokens(node.text)
            strings = ("title_chars",) if field == "title" else PHRASE_FIELDS[self.text_visible]
            query = _any_of([query, self._phrase(strings, chars)])
        key = pinyin_term(node.text) if field in (None, "title", "person", "place", "org") else None
        if key:
            pinyin = {"match": {"pinyin": {"query": key, "boost": BOOSTS["pinyin"]}}}
            query = _any_of([query, pinyin]) if query else pinyin
        return query

    @staticmethod
    def _phrase(fields: Sequence[str], tokens: list[str]) -> dict:
        return _any_of(
            [{"match_phrase": {f: {"query": _joined(tokens), "boost": BOOSTS[f]}}} for f in fields]
        )

    def _terms(self, fields: Sequence[str], tokens: list[str]) -> dict:
        if self.compact and tuple(fields) == TERM_FIELDS[self.text_visible]:
            field = COMBINED_FIELDS[self.text_visible]
            return {"match": {field: {"query": _joined(tokens), "operator": "and"}}}
        if len(fields) == 1:
            return {
                "match": {
                    fields[0]: {"query": _joined(tokens), "operator": "and", "boost": BOOSTS[fields[0]]}
                }
            }
        # cross_fields with operator "and": every token must occur in one of the fields.
        return {
            "multi_match": {
                "query": _joined(tokens),
                "type": "cross_fields",
                "operator": "and",
                "fields": [f"{f}^{BOOSTS[f]:g}" for f in fields],
            }
        }

    def positive(self, node: Node) -> dict | None:
        """DSL for ``node``; None when it has nothing positive to match."""
        if isinstance(node, And):
            must = [p for c in node.children if not isinstance(c, Not) if (p := self.positive(c)) is not None]
            if not must:
                return None
            must_not = [
                n for c in node.children if isinstance(c, Not) if (n := self.positive(c.child)) is not None
            ]
            if len(must) == 1 and not must_not:
                return must[0]
            query: dict[str, Any] = {"must": must}
            if must_not:
                query["must_not"] = must_not
            return {"bool": query}
        if isinstance(node, Or):
            parts = [
                p for c in node.children if not isinstance(c, Not) if (p := self.positive(c)) is not None
            ]
            return _any_of(parts) if parts else None
        if isinstance(node, Not):
            return None
        return self.leaf(node)

    def negative(self, node: Node) -> list[dict] | None:
        """For a purely negative query (NOT a, NOT b): what to exclude; else None."""
        children = node.children if isinstance(node, And) else (node,)
        if not all(isinstance(c, Not) for c in children):
            return None
        parts = [p for c in children if (p := self.positive(c.child)) is not None]  # type: ignore[union-attr]
        return parts or None


def text_visible_filter(scope: Scope) -> dict:
    """Filter for 'the text of a record is visible to scope' (policy.Scope's rule)."""
    full = {"term": {"visibility": "full"}}
    unclassified = {"term": {"classified": False}}
    if scope.all_archives:
        return {"match_all": {}} if scope.clearance else _any_of([full, unclassified])
    if scope.own_archives:
        own: list[dict] = [{"terms": {"archive": sorted(scope.own_archives)}}]
        if not scope.clearance:
            own.append(unclassified)
        return _any_of([full, {"bool": {"filter": own}}])
    return full


def catalog_filter(scope: Scope) -> dict | None:
    """Filter for records only the catalog fields of which are visible; None when none are."""
    text = text_visible_filter(scope)
    if "match_all" in text:
        return None
    return {"bool": {"filter": [{"term": {"visibility": "catalog"}}], "must_not": [text]}}


def visible_filter(scope: Scope) -> dict:
    """Filter for records visible to scope at all (text or catalog fields)."""
    text = text_visible_filter(scope)
    return text if "match_all" in text else _any_of([text, {"term": {"visibility": "catalog"}}])


def clause_count(query: Any) -> int:
    """An upper estimate of the Lucene clauses ``query`` expands to."""
    if isinstance(query, list):
        return sum(clause_count(q) for q in query)
    if not isinstance(query, dict):
        return 0
    total = 0
    for key, value in query.items():
        if key == "multi_match":
            total += len(value["query"].split()) * len(value["fields"])
        elif key == "match":
            total += sum(len(v["query"].split()) for v in value.values())
        elif key == "terms":
            total += min(16, max((len(v) for v in value.values() if isinstance(v, list)), default=1))
        elif key in ("match_phrase", "term", "range", "wildcard", "match_all", "match_none"):
            total += 1
        else:
            total += clause_count(value)
    return total


def visibility_query(node: Node | None, scope: Scope) -> dict:
    """The query matching ``node`` under both visibility levels, each branch named.

    Terms are matched field by field with the fields' weights; a query that would expand
    to more clauses than the engine allows is matched on the combined fields instead.
    """
    query = _visibility_query(node, scope, compact=False)
    if clause_count(query) > CLAUSE_BUDGET:
        query = _visibility_query(node, scope, compact=True)
    return query


def _visibility_query(node: Node | None, scope: Scope, compact: bool) -> dict:
    branches = []
    for name, visible, text_visible in (
        (FULL, text_visible_filter(scope), True),
        (CATALOG, catalog_filter(scope), False),
    ):
        if visible is None:
            continue
        builder = QueryBuilder(text_visible, compact)
        positive = builder.positive(node) if node is not None else None
        negative = builder.negative(node) if node is not None else None
        branch: dict[str, Any] = {"filter": [visible], "_name": name}
        if positive is not None:
            branch["must"] = [positive]
        elif node is None or negative is not None:
            if negative:
                branch["must_not"] = negative
        else:
            continue  # nothing to match at this level
        branches.append({"bool": branch})
    if not branches:
        return {"match_none": {}}
    return _any_of(branches)


def request_filters(request: SearchRequest) -> list[dict]:
    """Filters of a request: archives, record types, years, entities."""
    filters: list[dict] = []
    if request.archives:
        filters.append({"terms": {"archive": list(request.archives)}})
    if request.record_types:
        filters.append({"terms": {"record_type": list(request.record_types)}})
    if request.year_from is not None or request.year_to is not None:
        years: dict[str, int] = {}
        if request.year_from is not None:
            years["gte"] = request.year_from
        if request.year_to is not None:
            years["lte"] = request.year_to
        filters.append({"range": {"year": years}})
    for facet, name in request.entities:
        field = ENTITY_FIELDS.get(facet)
        filters.append({"term": {field: name}} if field else {"match_none": {}})
    return filters


def facet_aggs(sample_size: int) -> dict[str, Any]:
    """Terms aggregations for the facets, with the SQLite backend's limits and order,
    over the best-ranked ``sample_size`` matches (all of them when there are fewer)."""
    order = [{"_count": "desc"}, {"_key": "asc"}]
    aggs = {
        facet: {"terms": {"field": field, "size": FACET_LIMIT, "order": order}}
        for facet, field in FACET_FIELDS.items()
    }
    for facet in ENTITY_LABELS:
        aggs[facet] = {"terms": {"field": ENTITY_FIELDS[facet], "size": ENTITY_FACET_LIMIT, "order": order}}
    return {SAMPLE: {"sampler": {"shard_size": sample_size}, "aggs": aggs}}


def _code_first_sort(code: str) -> dict:
    return {
        "_script": {
            "type": "number",
            "order": "asc",
            "script": {
                "lang": "painless",
                "source": "doc['code_lower'].size() > 0 && doc['code_lower'].value == params.code ? 0 : 1",
                "params": {"code": code},
            },
        }
    }


class OpenSearchBackend:
    """Search backend on OpenSearch (``settings.opensearch_url``, alias ``settings.index``)."""

    name = "opensearch"

    def __init__(self, settings: Settings) -> None:
        self.url = settings.opensearch_url
        self.alias = settings.index
        self.timeout = settings.search_timeout
        self.exact_total_limit = settings.exact_total_limit
        self.facet_sample_size = settings.facet_sample_size
        # One pool of kept-alive HTTP connections per process, shared by its threads.
        self.client = OpenSearch(
            hosts=[self.url],
            timeout=self.timeout,
            retry_on_timeout=False,
            max_retries=1,
            maxsize=POOL_SIZE,
        )
        self._ready = False
        self._version_pattern = re.compile(rf"^{re.escape(self.alias)}-v(\d+)$")

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
            if not self.client.indices.exists_alias(name=self.alias):
                if self.client.indices.exists(index=self.alias):
                    raise RuntimeError(
                        f"OpenSearch index {self.alias!r} exists but is not an alias; "
                        "rename it or choose another 'index' setting"
                    )
                try:
                    self._create_index(self._next_index_name(), alias=True)
                except RequestError as exc:  # another process created it first
                    if "already_exists" not in str(exc.error):
                        raise
                    if not self.client.indices.exists_alias(name=self.alias):
                        raise
        self._ready = True

    def _versions(self) -> dict[str, int]:
        """This installation's versioned index names, with their numbers."""
        found = self.client.indices.get(
            index=f"{self.alias}-v*",
            allow_no_indices=True,
            expand_wildcards="open,closed",
            request_timeout=BULK_TIMEOUT,
        )
        return {name: int(m.group(1)) for name in found if (m := self._version_pattern.match(name))}

    def _next_index_name(self) -> str:
        return f"{self.alias}-v{max(self._versions().values(), default=0) + 1}"

    def _create_index(self, name: str, alias: bool, building: bool = False) -> None:
        settings = dict(INDEX_SETTINGS)
        if building:  # bulk load: no refreshes until the build is complete
            settings["refresh_interval"] = "-1"
        body: dict[str, Any] = {"settings": settings, "mappings": MAPPINGS}
        if alias:
            body["aliases"] = {self.alias: {}}
        self.client.indices.create(index=name, body=body, request_timeout=BULK_TIMEOUT)

    def _aliased(self) -> list[str]:
        """The indices the alias points to now."""
        try:
            return sorted(self.client.indices.get_alias(name=self.alias, request_timeout=BULK_TIMEOUT))
        except NotFoundError:
            return []

    # -- writing --------------------------------------------------------------

    def _bulk(self, actions: Iterable[dict], index: str) -> int:
        """Send actions in chunks with retries on 429; returns how many succeeded."""
        done = 0
        failed: list[dict] = []
        for ok, item in helpers.streaming_bulk(
            self.client,
            actions,
            index=index,
            chunk_size=500,
            max_chunk_bytes=20 * 1024 * 1024,
            max_retries=3,
            initial_backoff=1,
            raise_on_error=False,
            request_timeout=BULK_TIMEOUT,
        ):
            if ok:
                done += 1
            else:
                op = next(iter(item.values()))
                if not (op.get("status") == 404 and "delete" in item):
                    failed.append(op)
        if failed:
            first = failed[0]
            raise RuntimeError(
                f"OpenSearch refused {len(failed)} documents; first: {first.get('_id')}: {first.get('error')}"
            )
        return done

    def index(self, docs: Sequence[IndexDoc]) -> None:
        """Add or replace documents; searchable when this returns (explicit refresh)."""
        if not docs:
            return
        self._ensure()
        with self._answering("an index request"):
            self._bulk(({"_id": d.id, "_source": source_of(d)} for d in docs), self.alias)
            self.client.indices.refresh(index=self.alias, request_timeout=BULK_TIMEOUT)

    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        if not ids:
            return
        self._ensure()
        with self._answering("a delete request"):
            self._bulk(({"_op_type": "delete", "_id": i} for i in ids), self.alias)
            self.client.indices.refresh(index=self.alias, request_timeout=BULK_TIMEOUT)

    def rebuild(self, docs: Iterable[IndexDoc]) -> int:
        """Build a new versioned index from ``docs``, switch the alias to it atomically,
        drop the old index; searches keep answering from the old one meanwhile.

        Returns the number of documents indexed. On failure the new index is removed
        and the alias still points to the old one.
        """
        with self._answering("a rebuild"):
            if not self.client.indices.exists_alias(name=self.alias) and self.client.indices.exists(
                index=self.alias
            ):
                raise RuntimeError(f"OpenSearch index {self.alias!r} exists but is not an alias")
            new = self._next_index_name()
            self._create_index(new, alias=False, building=True)
            try:
                count = self._bulk(({"_id": d.id, "_source": source_of(d)} for d in docs), new)
                self.client.indices.put_settings(
                    index=new, body={"index": {"refresh_interval": None}}, request_timeout=BULK_TIMEOUT
                )
                self.client.indices.refresh(index=new, request_timeout=BULK_TIMEOUT)
                old = self._aliased()
                actions: list[dict] = [{"remove": {"index": o, "alias": self.alias}} for o in old]
                actions.append({"add": {"index": new, "alias": self.alias}})
                self.client.indices.update_aliases(body={"actions": actions}, request_timeout=BULK_TIMEOUT)
            except BaseException:
                try:
                    self.client.indices.delete(
                        index=new, ignore_unavailable=True, request_timeout=BULK_TIMEOUT
                    )
                except TransportError:
                    pass  # the node went away too; the unused index is harmless
                raise
            if old:
                self.client.indices.delete(
                    index=",".join(old), ignore_unavailable=True, request_timeout=BULK_TIMEOUT
                )
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
            names = sorted(self._versions())
            if names:
                self.client.indices.delete(
                    index=",".join(names), ignore_unavailable=True, request_timeout=BULK_TIMEOUT
                )
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
        query: dict[str, Any] = {"must": [visibility_query(request.query, scope)]}
        filters = request_filters(request)
        if filters:
            query["filter"] = filters
        code = request.raw_query.strip()
        if request.sort not in ("date", "date_desc"):
            should = []
            if code:
                should.append(
                    {
                        "constant_score": {
                            "filter": {"term": {"code_lower": _ascii_lower(code)}},
                            "boost": CODE_BOOST,
                            "_name": CODE,
                        }
                    }
                )
            titles = [
                {"match_phrase": {"title_chars": _joined(tokens)}}
                for term in positive_terms(request.query)
                if (tokens := char_tokens(term))
            ]
            if titles:
                # Breaks ties only (taken off the score shown): a title holding a term first.
                should.append(
                    {"constant_score": {"filter": _any_of(titles), "boost": TITLE_TIE_BOOST, "_name": TITLE}}
                )
            if should:
                query["should"] = should
        return {"bool": query}

    @staticmethod
    def sort(request: SearchRequest) -> list[Any]:
        """Sort keys: relevance (score, date, id) or date (missing last, then id); ties of
        score put a title holding a query term first (:meth:`query`)."""
        code = request.raw_query.strip()
        if request.sort in ("date", "date_desc"):
            order = "desc" if request.sort == "date_desc" else "asc"
            keys: list[Any] = [_code_first_sort(_ascii_lower(code))] if code else []
            return keys + [{"date": {"order": order, "missing": "_last"}}, {"id": "asc"}]
        # In the catalog's order an empty date sorts before every date.
        return [{"_score": "desc"}, {"date": {"order": "asc", "missing": "_first"}}, {"id": "asc"}]

    def search_body(self, request: SearchRequest, scope: Scope) -> dict[str, Any]:
        """The one request a search sends (query, sort, facet aggregations), first page
        window included; what the benchmark sends straight to the node as its floor."""
        body: dict[str, Any] = {
            "query": self.query(request, scope),
            "sort": self.sort(request),
            "track_total_hits": True,
            "_source": False,
        }
        if request.sort in ("date", "date_desc"):
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
