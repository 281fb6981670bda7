"""Proximity in the query language (邻近检索): the operators ``NEAR/n`` (``邻近/n``) and
``W/n`` (``前/n``, ordered), ``"…"~n``, their checks and the :class:`Near` nodes they make.

The distance is the number of characters allowed between the two words, as the index's
phrase fields count them: one per CJK character, one per Latin word or number,
punctuation and spaces not counted. A malformed proximity is not guessed at: it raises
:class:`QuerySyntaxError` naming the problem (answered with 400).
"""

from __future__ import annotations

import re
import unicodedata

from analyzers.normalize import normalize
from analyzers.query_nodes import And, Near, Node, Or, Phrase, Term

__all__ = [
    "MAX_DISTANCE",
    "QuerySyntaxError",
    "distance_of",
    "make_near",
    "proximities",
    "proximity_operator",
]

#: The largest distance, in characters (a passage, not a whole text).
MAX_DISTANCE = 100

#: The operators before ``/n`` (邻近算符), and whether each keeps the words' order.
OPERATORS = {"NEAR": False, "邻近": False, "鄰近": False, "W": True, "前": True}
_OPERATOR_RE = re.compile(r"^(NEAR|邻近|鄰近|W|前)/(.*)$", re.I | re.S)


class QuerySyntaxError(ValueError):
    """A query whose meaning cannot be guessed (a malformed proximity); answered with 400."""


def distance_of(operator: str, raw: str) -> int:
    """The distance typed after ``operator`` (``NEAR/``, ``"…"~``): a whole number of
    characters from 1 to :data:`MAX_DISTANCE`, full-width digits too.

    >>> distance_of("NEAR/", "１０")
    10
    >>> distance_of("~", "0")
    Traceback (most recent call last):
    ...
    analyzers.proximity.QuerySyntaxError: ~0: the distance must be a whole number of characters from 1 to 100
    """
    value = normalize(raw).text
    if not re.fullmatch(r"\d{1,6}", value) or not 1 <= int(value) <= MAX_DISTANCE:
        raise QuerySyntaxError(
            f"{operator}{raw}: the distance must be a whole number of characters from 1 to {MAX_DISTANCE}"
        )
    return int(value)


def proximity_operator(word: str, checked: bool = True) -> tuple[int, bool] | None:
    """``(distance, ordered)`` when ``word`` is a proximity operator (``NEAR/10``, ``前/5``,
    any case, full-width forms too), else None; ``checked``: a bad distance raises
    :class:`QuerySyntaxError` (else it gives ``(0, ordered)``).

    >>> proximity_operator("near/10"), proximity_operator("前/５"), proximity_operator("NEARBY")
    ((10, False), (5, True), None)
    """
    m = _OPERATOR_RE.match(unicodedata.normalize("NFKC", word))
    if not m:
        return None
    ordered = OPERATORS[m.group(1).upper()]
    if not checked:
        return 0, ordered
    return distance_of(f"{word[: len(m.group(1))]}/", m.group(2)), ordered


def make_near(operator: str, first: Node | None, second: Node | None, distance: int, ordered: bool) -> Near:
    """The Near of two operands, which must be a word or a phrase each, searched in the text."""
    if not isinstance(first, Term | Phrase) or not isinstance(second, Term | Phrase):
        raise QuerySyntaxError(f"{operator}: joins two words or phrases, nothing else")
    for operand in (first, second):
        if operand.field is not None:
            raise QuerySyntaxError(
                f"{operator}: searches the text; the field {operand.field}: cannot be used"
            )
    return Near(first.text, second.text, distance, ordered)


def proximities(node: Node | None) -> list[Near]:
    """The proximities of a query not under a Not (for snippets that show their window).

    >>> from analyzers.query import parse_query
    >>> proximities(parse_query('宝鸡 W/5 解放 NOT (延安 NEAR/3 边区)'))
    [Near(first='宝鸡', second='解放', distance=5, ordered=True)]
    """
    if isinstance(node, Near):
        return [node]
    if isinstance(node, And | Or):
        return [near for child in node.children for near in proximities(child)]
    return []
