"""Ordered proximity (W/n, 前/n) in the embedded backend.

FTS5's ``NEAR`` counts the tokens between phrases but has no order. On the ``*_chars``
columns, whose tokens are characters, an ordered proximity is matched as an unordered
``NEAR`` of the same distance (left out of what a NOT excludes, so that the match is a
superset), and each candidate's columns are then checked by :func:`ordered_near`,
registered on the reading connections as ``lantai_ordered`` (:func:`ordered_sql`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from analyzers.query import And, Near, Node, Not, Or
from search.query_terms import char_tokens

ORDERED_FUNCTION = "lantai_ordered"


def ordered_near(first: str, second: str, distance: int, *columns: str | None) -> int:
    """1 when, in one of ``columns`` (``*_chars`` values: tokens separated by spaces),
    ``first`` ends and ``second`` begins at most ``distance`` tokens later, else 0.

    >>> ordered_near("宝 鸡", "解 放", 2, "", "宝 鸡 市 人 解 放")
    1
    >>> ordered_near("宝 鸡", "解 放", 2, "解 放 了 宝 鸡")
    0
    >>> ordered_near("宝 鸡", "解 放", 1, "宝 鸡 市 人 解 放")
    0
    """
    a, b = first.split(), second.split()
    if not a or not b:
        return 0
    for text in columns:
        tokens = (text or "").split()
        starts_b = [i for i, t in enumerate(tokens) if t == b[0] and tokens[i : i + len(b)] == b]
        if not starts_b:
            continue
        for i, token in enumerate(tokens):
            if token == a[0] and tokens[i : i + len(a)] == a:
                end = i + len(a)
                k = bisect.bisect_left(starts_b, end)
                if k < len(starts_b) and starts_b[k] - end <= distance:
                    return 1
    return 0


def _ordered(node: Node) -> list[Near]:
    """The ordered proximities anywhere in ``node``."""
    if isinstance(node, Near):
        return [node] if node.ordered else []
    if isinstance(node, And | Or):
        return [near for child in node.children for near in _ordered(child)]
    if isinstance(node, Not):
        return _ordered(node.child)
    return []


def contains_ordered(node: Node) -> bool:
    """Whether ``node`` holds an ordered proximity anywhere."""
    return bool(_ordered(node))


def _check(near: Near, columns: str) -> tuple[str, list]:
    values = ", ".join(f"fts.{c}" for c in columns.split())
    first, second = " ".join(char_tokens(near.first)), " ".join(char_tokens(near.second))
    return f"{ORDERED_FUNCTION}(?, ?, ?, {values})", [first, second, near.distance]


def _required(node: Node) -> list[Near]:
    """The ordered proximities every match of ``node`` must have (through AND only)."""
    if isinstance(node, And):
        return [near for child in node.children for near in _required(child)]
    return [node] if isinstance(node, Near) and node.ordered else []


def exact_sql(node: Node, columns: str, match_of: Callable[[Node], str | None]) -> tuple[str, list]:
    """SQL on the row of ``fts`` true exactly when it matches ``node``, with its parameters:
    each ordered proximity checked by :func:`ordered_near` in ``columns``, each part without
    one matched by its FTS5 expression (``match_of``, the translator's) in a subquery.
    A bare NOT inside OR, or a part with nothing to match, is left out as the translator
    leaves it out."""
    if isinstance(node, Not):
        inner, inner_params = exact_sql(node.child, columns, match_of)
        return f"NOT ({inner})", inner_params
    if not contains_ordered(node):
        # ``+``: the rowid is not used as an index, so SQLite keeps each MATCH in its
        # subquery instead of turning an OR of them into lookups on the outer table.
        expr = match_of(node)
        return ("+fts.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)", [expr]) if expr else ("0", [])
    if isinstance(node, Near):
        return _check(node, columns)
    parts: list[str] = []
    params: list = []
    assert isinstance(node, And | Or)
    for child in node.children:
        if isinstance(child, Not) and (isinstance(node, Or) or match_of(child.child) is None):
            continue
        if not isinstance(child, Not) and match_of(child) is None:
            continue
        sql, child_params = exact_sql(child, columns, match_of)
        parts.append(f"({sql})")
        params += child_params
    joiner = " AND " if isinstance(node, And) else " OR "
    return f"({joiner.join(parts) or '0'})", params


def ordered_sql(node: Node, columns: str, match_of: Callable[[Node], str | None]) -> tuple[str, list]:
    """The condition on ``fts`` that keeps the order of ``node``'s ordered proximities, which
    its FTS5 expression matched as unordered, with its parameters; ``('', [])`` when it has
    none. ``columns``: the ``fts`` columns the branch may search (names separated by spaces).

    Where every match must have them (through AND only), each is checked; inside OR or NOT
    the whole query is decided row by row by :func:`exact_sql`.
    """
    if not contains_ordered(node):
        return "", []
    required = _required(node)
    if len(required) == len(_ordered(node)):
        checks = [_check(near, columns) for near in required]
        return " AND ".join(sql for sql, _ in checks), [value for _, values in checks for value in values]
    return exact_sql(node, columns, match_of)


def excluded_sql(node: Node, columns: str, match_of: Callable[[Node], str | None]) -> tuple[str, list]:
    """For a purely negative query (NOT a, NOT b): the condition on a row of ``fts`` that
    its FTS5 exclusion matched (``'1'`` without ordered proximity), with its parameters."""
    children = node.children if isinstance(node, And) else (node,)
    excluded = [child.child for child in children if isinstance(child, Not)]
    if not excluded or not contains_ordered(node):
        return "1", []
    return exact_sql(excluded[0] if len(excluded) == 1 else Or(tuple(excluded)), columns, match_of)
