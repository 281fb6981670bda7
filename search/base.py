"""The backend protocol every search engine implements, and the values it exchanges.

The index is a projection of the catalog: everything in it can be rebuilt with
``lantai reindex``. Engines receive analysed documents (:class:`IndexDoc`) and
parsed queries (:class:`SearchRequest`), and they filter by :class:`catalog.policy.Scope`
inside the engine, for hits, totals, facets and suggestions alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Protocol, TypeVar

from analyzers.archive_code import ANY_ARCHIVE, DEFAULT_PATTERN, code_parts
from analyzers.query import Node
from catalog.policy import Scope

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter), read lazily.

    >>> list(batched(range(5), 2))
    [[0, 1], [2, 3], [4]]
    """
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


FACETS = ("archive", "year", "record_type", "fonds", "series", "person", "place", "org")
#: Orders of results: relevance; date, oldest or newest first; 档号 order (archive, then
#: reference code, as an archivist lists a fonds' files).
SORTS = ("relevance", "date", "date_desc", "code")
DEFAULT_PATTERNS = {ANY_ARCHIVE: DEFAULT_PATTERN}
ENTITY_LABELS = {"person": "PERSON", "place": "PLACE", "org": "ORG"}


class BackendUnavailable(RuntimeError):
    """The search engine cannot answer now (down, too slow); the catalog is unaffected."""


@dataclass(frozen=True)
class IndexDoc:
    """One record as the index sees it: catalog fields, normalized texts, visibility."""

    id: str
    archive: str
    archive_code: str
    title: str
    date: str
    year: int | None
    record_type: str
    visibility: str  # public visibility: full, catalog or none
    classified: bool
    title_text: str  # normalized texts (simplified, OCR-repaired)
    creator_text: str
    meta_text: str  # subjects and description: catalog fields
    body_text: str  # the record's full text: visible only where the text is
    persons: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    pinyin: tuple[str, ...] = ()
    fonds: str = ""  # 全宗号, from the catalogue or the 档号 (see with_code_parts)
    series: str = ""  # 目录号 or 类别 (the 档号's middle part)
    file: str = ""  # 案卷号 or 件号


def with_code_parts(doc: IndexDoc, patterns: Mapping[str, str] | None) -> IndexDoc:
    """``doc`` with the parts of its 档号 (全宗号, 目录号/类别, 案卷号/件号) read by its
    archive's pattern (the ``archive_code_patterns`` setting; None: the default one); a
    全宗号 the catalogue gave wins. Backends call it on every document they store.

    >>> doc = IndexDoc("a/J1-2-3", "a", "J1-2-3", "t", "", None, "", "full", False, "t", "", "", "")
    >>> parts = with_code_parts(doc, None)
    >>> parts.fonds, parts.series, parts.file
    ('J1', '2', '3')
    """
    parts = code_parts(doc.archive, doc.archive_code, patterns or DEFAULT_PATTERNS, fonds=doc.fonds)
    return replace(doc, fonds=parts.fonds, series=parts.series, file=parts.file)


@dataclass(frozen=True)
class SearchRequest:
    """A parsed query with its filters, sort and page."""

    query: Node | None
    raw_query: str = ""
    page: int = 1
    size: int = 10
    archives: tuple[str, ...] = ()
    record_types: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    entities: tuple[tuple[str, str], ...] = ()  # (facet, name), e.g. ("place", "宝鸡")
    fonds: tuple[str, ...] = ()  # 全宗号
    series: tuple[str, ...] = ()  # 目录号/类别
    sort: str = "relevance"
    with_facets: bool = True


@dataclass(frozen=True)
class Hit:
    """One matching record: its id, score, and the visibility it was matched under."""

    id: str
    score: float
    visibility: str


@dataclass
class SearchResult:
    """Hits of one page, the total, and facet counts over the matches.

    ``total_is_exact`` is False above the ``exact_total_limit`` setting: the total is then
    approximate (约). ``facets_sampled`` is True above the ``facet_sample_size`` setting:
    the facets then count the best-ranked ``facet_sample_size`` matches only.
    """

    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    total_is_exact: bool = True
    facets_sampled: bool = False


class SearchBackend(Protocol):
    """What a search engine must offer Lantai."""

    name: str

    def index(self, docs: Sequence[IndexDoc]) -> None:
        """Add or replace documents; visible to searches when this returns."""

    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""

    def search(self, request: SearchRequest, scope: Scope) -> SearchResult:
        """Matches visible to ``scope``: hits of the requested page, total and facets."""

    def suggest(self, prefix: str, scope: Scope, size: int = 8) -> list[str]:
        """Titles visible to ``scope`` that start with or contain ``prefix``."""

    def ids(self) -> set[str]:
        """All document ids in the index."""

    def clear(self) -> None:
        """Remove every document."""

    def rebuild(self, docs: Iterable[IndexDoc]) -> int:
        """Build a new index from ``docs`` beside the live one and switch to it atomically
        (重建索引), so searches keep answering; on failure the old one goes on serving.
        Returns the number of documents indexed."""

    def optimize(self) -> None:
        """After a bulk load (ingest of many records): merge what the load fragmented and
        refresh statistics, so searches do not pay for it."""

    def close(self) -> None:
        """Release connections."""
