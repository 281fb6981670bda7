"""您是不是要找 (did you mean): a same-sounding correction for a query without hits.

The words it may offer come from the public view only: they are read from the titles
and entity facets of what a *public* search for the word's pinyin finds (the index holds
the pinyin of every title, see :mod:`analyzers.pinyin`), through the same
:meth:`search.service.SearchService.search` that answers the public, so a closed
record's words can never be offered, whoever asks. The candidates are the words there one
same-sounding character away from a query word (:func:`analyzers.homophones.homophone_substitutions`);
the one whose corrected query finds the most public records wins.
"""

from __future__ import annotations

from dataclasses import replace

from analyzers.homophones import homophone_substitutions, replace_word, word_counts, word_pinyin
from analyzers.normalize import is_cjk, normalize
from analyzers.query import Term, parse_query, positive_terms
from catalog.policy import PUBLIC
from search.base import SearchRequest
from search.service import SearchService

WORDS_TRIED = 3  # query words looked at, at most
PROBE_SIZE = 50  # public records whose titles give the words a query word may become
MAX_WORD = 8  # longer query words are not corrected
ENTITY_FACETS = ("place", "person", "org")


def did_you_mean(search: SearchService, request: SearchRequest) -> dict | None:
    """``{"query": corrected query, "total": public records it finds}`` for a query one
    same-sounding character away from words of public records, else None.

    The caller asks only for a query that found nothing; the answer is the same whoever
    the caller is (computed as the public).
    """
    raw = request.raw_query.strip()
    if request.query is None or not raw:
        return None
    words = [w for w in positive_terms(request.query) if 2 <= len(w) <= MAX_WORD and all(map(is_cjk, w))]
    if not words:
        return None
    names = _public_names(search)
    best: tuple[int, str] | None = None
    for word in words[:WORDS_TRIED]:
        for candidate in homophone_substitutions(word, _public_words(search, word, names)):
            corrected = replace_word(raw, word, candidate)
            if corrected is None:
                continue
            total = _public_total(search, request, corrected)
            if total and (best is None or total > best[0]):
                best = (total, corrected)
    return {"query": best[1], "total": best[0]} if best else None


def with_did_you_mean(answer: dict, search: SearchService, request: SearchRequest) -> dict:
    """The search JSON ``answer`` with its ``did_you_mean`` field: :func:`did_you_mean` when
    it found nothing, else null."""
    answer["did_you_mean"] = did_you_mean(search, request) if not answer["total"] else None
    return answer


def _public_names(search: SearchService) -> dict[str, int]:
    """The persons, places and organizations public records mention most (the entity
    facets of a public search for everything), with the number of records each is in."""
    facets = search.search(SearchRequest(query=None, size=1), PUBLIC)["facets"]
    return {name: n for facet in ENTITY_FACETS for name, n in facets.get(facet, {}).items()}


def _public_words(search: SearchService, word: str, names: dict[str, int]) -> dict[str, int]:
    """Words as long as ``word`` from the public view, with the number of public records
    each is in: in the titles and entity facets of the public records whose titles sound
    like ``word``, and in ``names``."""
    key = word_pinyin(word)
    if not key:
        return {}
    sounding = search.search(SearchRequest(query=Term(key), raw_query=key, size=PROBE_SIZE), PUBLIC)
    counts = word_counts((normalize(hit["title"]).text for hit in sounding["hits"]), len(word))
    facets = sounding["facets"]
    found = {name: n for facet in ENTITY_FACETS for name, n in facets.get(facet, {}).items()}
    for table in (found, names):
        for name, records in table.items():
            for part in word_counts([name], len(word)):
                counts[part] = max(counts.get(part, 0), records)
    return counts


def _public_total(search: SearchService, request: SearchRequest, query: str) -> int:
    """How many public records ``query`` finds with the request's filters."""
    plain = replace(request, query=parse_query(query), raw_query=query, page=1, size=1, with_facets=False)
    return int(search.search(plain, PUBLIC)["total"])
