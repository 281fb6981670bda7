"""Hints for an empty result (无结果提示): the other script, fewer words, no filters."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from flask import url_for

from analyzers.query import parse_query, positive_terms
from app.facet_links import SearchState
from catalog.policy import PUBLIC
from search.base import SearchRequest
from search.service import SearchService

# Of a query of several words, at most this many are each searched alone.
WORDS_TRIED = 4


@lru_cache(maxsize=2)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def empty_hints(search_request: SearchRequest, state: SearchState, search: SearchService) -> dict:
    """Ways out of an empty public result: the query in the other script (简繁), without its
    operators, each of its words alone (one small search per word, up to WORDS_TRIED, with
    the count it finds), the search without filters; ``pinyin`` when the query is Latin
    letters (the template then points to the search tips page)."""
    q = search_request.raw_query.strip()
    hints: dict = {}
    if q:
        simplified = _converter("t2s").convert(q)
        traditional = _converter("s2t").convert(q)
        if simplified != q:
            hints["simplified"] = {"text": simplified, "url": state.url(q=simplified)}
        elif traditional != q:
            hints["traditional"] = {"text": traditional, "url": state.url(q=traditional)}
        if any(mark in q for mark in ('"', "“", "「", ":", "：", "(", "（")):
            plain = " ".join(positive_terms(parse_query(q)))
            if plain and plain != q:
                hints["plain"] = {"text": plain, "url": state.url(q=plain)}
        if q.isascii() and any(c.isalpha() for c in q):
            hints["pinyin"] = True
        words = [w for w in dict.fromkeys(positive_terms(search_request.query)) if w]
        if len(words) > 1:
            found = []
            for word in words[:WORDS_TRIED]:
                alone = replace(
                    search_request, query=parse_query(word), raw_query=word, page=1, size=1, with_facets=False
                )
                total = search.search(alone, PUBLIC)["total"]
                if total:
                    found.append({"text": word, "total": total, "url": state.url(q=word)})
            hints["words"] = found
    if state.filtered:
        hints["unfiltered"] = url_for("public.search", q=q) if q else url_for("public.search")
    return hints
