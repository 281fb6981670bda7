"""Which pages of a record a query matched (命中页), for hits and record pages.

Display only: whether a record may be seen, and matched at all, is decided before, by the
index under the caller's scope. Pages are matched on their stored search text
(normalized, personal data masked, exactly what the index could match), term by term: a
term matches a page when all its word pieces occur in it; a page matches when any of the
query's positive terms does.
"""

from __future__ import annotations

from collections.abc import Sequence

from analyzers.normalize import normalize
from analyzers.query import highlight_terms
from catalog.store import CatalogStore
from search.query_terms import term_tokens

#: At most this many page numbers are listed per hit.
MAX_HIT_PAGES = 20


def query_terms(query: str | Sequence[str] | None) -> list[str]:
    """Positive terms of a query string (or the terms as given).

    >>> query_terms('土地改革 NOT 草案')
    ['土地改革']
    """
    if query is None:
        return []
    if isinstance(query, str):
        return highlight_terms(query)
    return [t for t in query if t]


def term_groups(terms: Sequence[str]) -> list[list[str]]:
    """For each term, the normalized pieces that must all occur in a page's search text.

    >>> term_groups(['寶雞', '土地 改革', '宝鸡县 农会'])
    [['宝鸡'], ['土地改革'], ['宝鸡县', '农会']]
    """
    groups = []
    for term in terms:
        norm = normalize(term).text.strip()
        if not norm:
            continue
        pieces = term_tokens(norm) or norm.split()
        groups.append(list(dict.fromkeys(pieces)))
    return groups


def page_matches(search_text: str, groups: Sequence[Sequence[str]]) -> bool:
    """True when one term's pieces all occur in the page's search text (as the SQL does).

    >>> page_matches('宝鸡县土地改革', [['延安'], ['土地', '改革']])
    True
    """
    text = search_text.lower()
    return any(group and all(piece.lower() in text for piece in group) for group in groups)


def hit_pages(
    store: CatalogStore, record_ids: Sequence[str], terms: Sequence[str], limit: int = MAX_HIT_PAGES
) -> dict[str, list[int]]:
    """Matched page numbers per record id (records without pages or matches are left out)."""
    groups = term_groups(terms)
    if not groups or not record_ids:
        return {}
    return store.matching_pages(record_ids, groups, limit=limit)
