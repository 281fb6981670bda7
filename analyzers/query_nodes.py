"""The nodes of a parsed query (检索式): what :func:`analyzers.query.parse_query` builds and
the search backends translate."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Term", "Phrase", "And", "Or", "Not", "YearRange", "Near", "Node"]


@dataclass(frozen=True)
class Term:
    """A search term (检索词); ``text`` is normalized; ``field`` restricts where it matches."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class Phrase:
    """An exact phrase (短语), normalized."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class And:
    """All children must match (与)."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """At least one child must match (或)."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """The child must not match (非)."""

    child: Node


@dataclass(frozen=True)
class YearRange:
    """Records dated in ``start``..``end`` inclusive (年份范围)."""

    start: int
    end: int


@dataclass(frozen=True)
class Near:
    """Proximity (邻近检索): ``first`` and ``second`` (normalized strings of characters)
    with at most ``distance`` characters between them; ``ordered``: ``first`` comes first.

    Characters are counted as the phrase columns hold them: one per CJK character, one per
    Latin word or number; punctuation and spaces are not counted.
    """

    first: str
    second: str
    distance: int
    ordered: bool = False


Node = Term | Phrase | And | Or | Not | YearRange | Near
