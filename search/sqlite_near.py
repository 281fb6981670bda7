"""Ordered proximity (W/n, 前/n) in the embedded backend.

FTS5's ``NEAR`` counts the tokens between phrases but has no order. On the ``*_chars``
columns, whose tokens are characters, an ordered proximity is matched as an unordered
``NEAR`` of the same distance, and each candidate's columns are then checked by
:func:`ordered_near`, registered on the reading connections as ``lantai_ordered``. The
query language allows ordered proximity only where every match must have it (not inside
OR or NOT), so the check joins the branch's conditions with AND.
"""

from __future__ import annotations

import bisect

from analyzers.query import And, Near, Node
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


def ordered_sql(node: Node, columns: str) -> tuple[str, list]:
    """The check of every ordered proximity a match of ``node`` must have, in the ``fts``
    ``columns`` (names separated by spaces: those the branch may search), as SQL with its
    parameters; ``('', [])`` when there is none."""
    found: list[Near] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, And):
            stack.extend(current.children)
        elif isinstance(current, Near) and current.ordered:
            found.append(current)
    values = ", ".join(f"fts.{c}" for c in columns.split())
    checks = [f"{ORDERED_FUNCTION}(?, ?, ?, {values})" for _ in found]
    params: list = []
    for near in found:
        params += [" ".join(char_tokens(near.first)), " ".join(char_tokens(near.second)), near.distance]
    return " AND ".join(checks), params
