"""OpenSearch query bodies (检索式): a query tree, the audience's visibility and a
request's filters as OpenSearch DSL.

Visibility is part of every query, in filter context, for hits, totals, aggregations and
suggestions alike: one ``bool`` query has a branch for records whose text is visible (the
full query) and a branch for catalog-only records (the query over catalog fields); the
named branch that matched gives each hit its visibility.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analyzers.query import And, Near, Node, Not, Or, Phrase, Term, YearRange
from catalog.policy import Scope
from search.base import ENTITY_LABELS, SearchRequest
from search.opensearch_fields import (
    BOOSTS,
    CATALOG,
    CLAUSE_BUDGET,
    COMBINED_FIELDS,
    ENTITY_FACET_LIMIT,
    ENTITY_FIELDS,
    FACET_FIELDS,
    FACET_LIMIT,
    FIELD_FIELDS,
    FULL,
    PHRASE_FIELDS,
    SAMPLE,
    TERM_FIELDS,
    joined_tokens,
)
from search.query_terms import (
    char_tokens,
    needs_string_match,
    pinyin_term,
    term_tokens,
    year_terms,
)
from search.relevance import DEFAULT, Relevance, phrase_tokens


def any_of(queries: list[dict]) -> dict:
    return queries[0] if len(queries) == 1 else {"bool": {"should": queries, "minimum_should_match": 1}}


class QueryBuilder:
    """Translate a query tree into OpenSearch DSL for one visibility level.

    The rules are those of the SQLite backend: terms must all occur (each in any of the
    searchable fields), phrases are contiguous characters, ``NOT`` excludes, a bare ``NOT``
    inside ``OR`` is left out, and catalog-only records are matched (and excluded) on
    catalog fields only. ``compact`` matches terms on one combined field instead of each
    field with its weight: the same matches with one clause per token, for long queries.
    ``boosts``: the fields' weights (``search.relevance.Relevance.field_weights``).
    """

    def __init__(
        self, text_visible: bool, compact: bool = False, boosts: Mapping[str, float] = BOOSTS
    ) -> None:
        self.text_visible = text_visible
        self.compact = compact
        self.boosts = boosts

    def leaf(self, node: Term | Phrase | YearRange | Near) -> dict | None:
        """DSL for one term, phrase, year range or proximity; None when it has no tokens."""
        if isinstance(node, YearRange):
            return {
                "terms": {"year_terms": year_terms(node.start, node.end), "boost": self.boosts["year_terms"]}
            }
        if isinstance(node, Near):
            return self._near(node)
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
            query = any_of([query, self._phrase(strings, chars)])
        key = pinyin_term(node.text) if field in (None, "title", "person", "place", "org") else None
        if key:
            pinyin = {"match": {"pinyin": {"query": key, "boost": self.boosts["pinyin"]}}}
            query = any_of([query, pinyin]) if query else pinyin
        return query

    def _near(self, node: Near) -> dict | None:
        """Proximity as an intervals query on the phrase fields, whose tokens are characters:
        both phrases with at most ``distance`` positions between them (``max_gaps``), as
        FTS5's ``NEAR`` counts; ``ordered`` keeps their order."""
        first, second = char_tokens(node.first), char_tokens(node.second)
        if not first or not second:
            return None
        phrases = [
            {"match": {"query": joined_tokens(tokens), "ordered": True, "max_gaps": 0}}
            for tokens in (first, second)
        ]
        rule = {"all_of": {"intervals": phrases, "ordered": node.ordered, "max_gaps": node.distance}}
        return any_of(
            [{"intervals": {f: {**rule, "boost": self.boosts[f]}}} for f in PHRASE_FIELDS[self.text_visible]]
        )

    def _phrase(self, fields: Sequence[str], tokens: list[str]) -> dict:
        return any_of(
            [{"match_phrase": {f: {"query": joined_tokens(tokens), "boost": self.boosts[f]}}} for f in fields]
        )

    def _terms(self, fields: Sequence[str], tokens: list[str]) -> dict:
        if self.compact and tuple(fields) == TERM_FIELDS[self.text_visible]:
            field = COMBINED_FIELDS[self.text_visible]
            return {"match": {field: {"query": joined_tokens(tokens), "operator": "and"}}}
        if len(fields) == 1:
            return {
                "match": {
                    fields[0]: {
                        "query": joined_tokens(tokens),
                        "operator": "and",
                        "boost": self.boosts[fields[0]],
                    }
                }
            }
        # cross_fields with operator "and": every token must occur in one of the fields.
        return {
            "multi_match": {
                "query": joined_tokens(tokens),
                "type": "cross_fields",
                "operator": "and",
                "fields": [f"{f}^{self.boosts[f]:g}" for f in fields],
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
            return any_of(parts) if parts else None
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
        return {"match_all": {}} if scope.clearance else any_of([full, unclassified])
    if scope.own_archives:
        own: list[dict] = [{"terms": {"archive": sorted(scope.own_archives)}}]
        if not scope.clearance:
            own.append(unclassified)
        return any_of([full, {"bool": {"filter": own}}])
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
    return text if "match_all" in text else any_of([text, {"term": {"visibility": "catalog"}}])


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
        elif key in ("match_phrase", "term", "range", "wildcard", "match_all", "match_none", "intervals"):
            total += 1
        else:
            total += clause_count(value)
    return total


def visibility_query(node: Node | None, scope: Scope, relevance: Relevance = DEFAULT) -> dict:
    """The query matching ``node`` under both visibility levels, each branch named.

    Terms are matched field by field with the fields' weights (``relevance``); a query
    that would expand to more clauses than the engine allows is matched on the combined
    fields instead.
    """
    query = _visibility_query(node, scope, compact=False, relevance=relevance)
    if clause_count(query) > CLAUSE_BUDGET:
        query = _visibility_query(node, scope, compact=True, relevance=relevance)
    return query


def phrase_boosted(query: dict, node: Node, text_visible: bool, boost: float) -> dict:
    """``query`` with the exact-phrase boost (``relevance_phrase_boost``): the score of a
    match holding the query's words together, as typed (:func:`search.relevance.phrase_tokens`),
    in a field its visibility level may match, multiplied by ``boost``."""
    tokens = phrase_tokens(node)
    if boost == 1 or not tokens:
        return query
    phrase = any_of([{"match_phrase": {f: joined_tokens(tokens)}} for f in PHRASE_FIELDS[text_visible]])
    return {
        "function_score": {
            "query": query,
            "functions": [{"filter": phrase, "weight": boost}],
            "score_mode": "multiply",
            "boost_mode": "multiply",
        }
    }


def _visibility_query(node: Node | None, scope: Scope, compact: bool, relevance: Relevance = DEFAULT) -> dict:
    branches = []
    for name, visible, text_visible in (
        (FULL, text_visible_filter(scope), True),
        (CATALOG, catalog_filter(scope), False),
    ):
        if visible is None:
            continue
        builder = QueryBuilder(text_visible, compact, relevance.field_weights())
        positive = builder.positive(node) if node is not None else None
        negative = builder.negative(node) if node is not None else None
        branch: dict[str, Any] = {"filter": [visible], "_name": name}
        if positive is not None:
            branch["must"] = [phrase_boosted(positive, node, text_visible, relevance.phrase)]  # type: ignore[arg-type]
        elif node is None or negative is not None:
            if negative:
                branch["must_not"] = negative
        else:
            continue  # nothing to match at this level
        branches.append({"bool": branch})
    if not branches:
        return {"match_none": {}}
    return any_of(branches)


def request_filters(request: SearchRequest) -> list[dict]:
    """Filters of a request: archives, record types, years, 全宗号, 目录号, entities."""
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
    if request.fonds:
        filters.append({"terms": {"fonds": list(request.fonds)}})
    if request.series:
        filters.append({"terms": {"series": list(request.series)}})
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


def code_first_sort(code: str) -> dict:
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


def title_sort(terms: list[str]) -> dict:
    """A sort key putting a title that holds one of ``terms`` (normalized) first, as the
    embedded backend's ``instr(title_text, term)`` does."""
    return {
        "_script": {
            "type": "number",
            "order": "asc",
            "script": {
                "lang": "painless",
                "source": "if (doc['title_text'].size() == 0) { return 1; } "
                "String t = doc['title_text'].value; "
                "for (String term : params.terms) { if (t.contains(term)) { return 0; } } return 1;",
                "params": {"terms": terms},
            },
        }
    }
