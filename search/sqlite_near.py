"""Ordered proximity (W/n, 前/n) in the embedded backend.

FTS5's ``NEAR`` counts the tokens between phrases but has no order. On the ``*_chars``
columns, whose tokens are characters, an ordered proximity is matched as an unordered
``NEAR`` of the same distance (left out of what a NOT excludes, so that the match is a
superset), and each candidate row is then checked by :class:`OrderedNear`, registered on
the reading connections as ``lantai_ordered`` (:func:`ordered_sql`). The index keeps no
copy of the texts (a contentless table), so the check reads the tokens' positions from
the index itself, through an ``fts5vocab`` table of token instances.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections import defaultdict
from collections.abc import Callable

from analyzers.query import And, Near, Node, Not, Or
from search.query_terms import char_tokens

ORDERED_FUNCTION = "lantai_ordered"
#: The token instances (term, doc, col, offset) of the live full-text table, per connection.
INSTANCES = "temp.lantai_instances"
INSTANCES_TABLE = f"CREATE VIRTUAL TABLE IF NOT EXISTS {INSTANCES} USING fts5vocab(main, 'fts', 'instance')"


def _follows(a_starts: set[int], len_a: int, b_starts: list[int], distance: int) -> bool:
    """Whether a phrase starting at one of ``a_starts`` (``len_a`` tokens long) is followed,
    at most ``distance`` tokens after its end, by one starting at one of ``b_starts``."""
    for start in a_starts:
        end = start + len_a
        k = bisect.bisect_left(b_starts, end)
        if k < len(b_starts) and b_starts[k] - end <= distance:
            return True
    return False


def _starts(tokens: list[str], positions: dict[str, set[int]]) -> set[int]:
    """Where the phrase ``tokens`` starts, given each token's positions in one column."""
    first = positions.get(tokens[0], set())
    return {p for p in first if all(p + j in positions.get(t, ()) for j, t in enumerate(tokens[1:], 1))}


def follows_within(a: list[str], b: list[str], distance: int, positions: dict[str, set[int]]) -> bool:
    """Whether, in one column whose tokens are at ``positions`` (token -> offsets), the
    phrase ``a`` ends and ``b`` begins at most ``distance`` tokens later.

    >>> column = {t: {i} for i, t in enumerate("宝 鸡 市 人 解 放".split())}
    >>> follows_within(["宝", "鸡"], ["解", "放"], 2, column)
    True
    >>> follows_within(["宝", "鸡"], ["解", "放"], 1, column)
    False
    >>> follows_within(["解", "放"], ["宝", "鸡"], 9, column)
    False
    """
    if not a or not b or a[0] not in positions or b[0] not in positions:
        return False
    return _follows(_starts(a, positions), len(a), sorted(_starts(b, positions)), distance)


class OrderedNear:
    """``lantai_ordered(first, second, distance, columns, rowid)``: 1 when, in one of
    ``columns`` (names separated by spaces) of the row ``rowid``, the phrase ``first``
    (tokens separated by spaces) ends and ``second`` begins at most ``distance`` tokens
    later, else 0 (:func:`follows_within` on the positions the index keeps).

    The rows that hold such a pair are found once per proximity and kept until the index
    changes (``PRAGMA data_version`` and the connection's own changes)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.execute(INSTANCES_TABLE)
        self._docs: dict[tuple, set[int]] = {}
        self._version: tuple[int, int] | None = None

    def __call__(self, first: str, second: str, distance: int, columns: str, rowid: int) -> int:
        version = (self.conn.execute("PRAGMA data_version").fetchone()[0], self.conn.total_changes)
        if version != self._version:
            self._docs.clear()
            self._version = version
        key = (first, second, distance, columns)
        if key not in self._docs:
            self._docs[key] = self._rows(first.split(), second.split(), distance, set(columns.split()))
        return int(rowid in self._docs[key])

    def _rows(self, a: list[str], b: list[str], distance: int, columns: set[str]) -> set[int]:
        positions: dict[tuple[int, str], dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        for token in dict.fromkeys(a + b):
            for doc, col, offset in self.conn.execute(
                f"SELECT doc, col, offset FROM {INSTANCES} WHERE term = ?", (token,)
            ):
                if col in columns:
                    positions[doc, col][token].add(offset)
        found = set()
        for (doc, _), tokens in positions.items():
            if doc not in found and follows_within(a, b, distance, tokens):
                found.add(doc)
        return found


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
    first, second = " ".join(char_tokens(near.first)), " ".join(char_tokens(near.second))
    return f"{ORDERED_FUNCTION}(?, ?, ?, ?, fts.rowid)", [first, second, near.distance, columns]


def _required(node: Node) -> list[Near]:
    """The ordered proximities every match of ``node`` must have (through AND only)."""
    if isinstance(node, And):
        return [near for child in node.children for near in _required(child)]
    return [node] if isinstance(node, Near) and node.ordered else []


def exact_sql(node: Node, columns: str, match_of: Callable[[Node], str | None]) -> tuple[str, list]:
    """SQL on the row of ``fts`` true exactly when it matches ``node``, with its parameters:
    each ordered proximity checked by :class:`OrderedNear` in ``columns``, each part without
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
