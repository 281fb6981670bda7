"""The query language (检索式) shared by the search backends.

Syntax, by example::

    宝鸡 红色档案              both terms (AND; a full-width space works too)
    "数字档案馆" “土地改革”    phrases: "…", “…”, 「…」, 『…』
    档案 OR 文书  档案 或 文书  either; AND/与 and NOT/非 likewise, -term = NOT term
    (宝鸡 OR 延安) 档案        grouping with ( ) or （ ）
    title:档案 org:"档案局"    field filters: title code creator person place org
    year:1949  year:1949-1951  year filter (YearRange); full-width colon ： works
    宝鸡 NEAR/10 解放          proximity (邻近检索, Near): both within 10 characters, either
    "宝鸡 解放"~10             order; also 宝鸡 邻近/10 解放
    宝鸡 W/10 解放             ordered proximity: 宝鸡 first; also 宝鸡 前/10 解放

Precedence: NEAR/W > NOT > AND > OR. A malformed query is read as plain terms
instead, except a malformed proximity (NEAR/abc, NEAR/0, a word missing), which
raises :class:`QuerySyntaxError` naming the problem. Term texts are normalized
(NFKC, simplified, lowercase).
"""

from __future__ import annotations

import re

from analyzers.entities.dates import years_as_digits
from analyzers.normalize import normalize
from analyzers.proximity import (
    MAX_DISTANCE,
    QuerySyntaxError,
    distance_of,
    make_near,
    proximities,
    proximity_operator,
)
from analyzers.query_nodes import And, Near, Node, Not, Or, Phrase, Term, YearRange

__all__ = [
    "Term",
    "Phrase",
    "And",
    "Or",
    "Not",
    "YearRange",
    "Near",
    "Node",
    "QuerySyntaxError",
    "MAX_DISTANCE",
    "FIELDS",
    "parse_query",
    "positive_terms",
    "proximities",
    "highlight_terms",
]


FIELDS = {"title", "code", "creator", "person", "place", "org", "year"}

# Chinese names of the fields (simplified; traditional is converted before lookup).
FIELD_ALIASES = {
    "题名": "title",
    "标题": "title",
    "档号": "code",
    "责任者": "creator",
    "形成者": "creator",
    "人物": "person",
    "人名": "person",
    "地点": "place",
    "地名": "place",
    "机构": "org",
    "年份": "year",
    "年代": "year",
}

YEAR_MIN, YEAR_MAX = 1, 9999
MAX_DEPTH = 64

_OPERATORS = {
    "AND": "AND",
    "&&": "AND",
    "与": "AND",
    "OR": "OR",
    "||": "OR",
    "或": "OR",
    "NOT": "NOT",
    "非": "NOT",
}
_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』"}
_CLOSING_QUOTES = set(_QUOTES.values()) - {'"'}
_STRUCTURE = str.maketrans({"（": "(", "）": ")", "：": ":", "＂": '"', "－": "-", "／": "/", "～": "~"})
_SEPARATORS = ",;，、；"
_BREAK = set("()" + "".join(_QUOTES) + "".join(_CLOSING_QUOTES) + _SEPARATORS)
_FIELD_RE = re.compile(r"^([^\W\d_]\w*):(.*)$", re.S)
_YEAR_RE = re.compile(r"^(\d{1,4})?年?(?:(-|–|—|~|～|\.\.|至|到)(\d{1,4})?年?)?$")


class _Malformed(Exception):
    """The query does not follow the syntax; it is then read as plain terms."""


# --------------------------------------------------------------------------- lexer

# Tokens: ("LP",) ("RP",) ("OP", name) ("NEG",) ("FIELD", name) ("TERM", s) ("PHRASE", s)
# ("NEAR", text as typed, distance, "1" when ordered else "") ("SLOP", phrase, distance)
_Token = tuple[str, ...]


def _field_name(name: str) -> str | None:
    key = normalize(name).text
    if key in FIELDS:
        return key
    return FIELD_ALIASES.get(key)


def _lex(query: str) -> list[_Token]:
    s = query.translate(_STRUCTURE)
    n = len(s)
    tokens: list[_Token] = []
    i = 0
    while i < n:
        c = s[i]
        if c.isspace() or c in _SEPARATORS:
            i += 1
        elif c == "(":
            tokens.append(("LP",))
            i += 1
        elif c == ")":
            tokens.append(("RP",))
            i += 1
        elif c in _QUOTES:
            end = s.find(_QUOTES[c], i + 1)
            if end < 0:
                raise _Malformed("unbalanced quote")
            text, i = s[i + 1 : end], end + 1
            if i < n and s[i] == "~":  # "宝鸡 解放"~10: the phrase's words near each other
                j = i + 1
                while j < n and not s[j].isspace() and s[j] not in _BREAK:
                    j += 1
                tokens.append(("SLOP", text, str(distance_of(f'"{text}"~', s[i + 1 : j]))))
                i = j
            else:
                tokens.append(("PHRASE", text))
        elif c in _CLOSING_QUOTES:
            raise _Malformed("unbalanced quote")
        else:
            j = i
            while j < n and not s[j].isspace() and s[j] not in _BREAK:
                j += 1
            _lex_word(s[i:j], s[j] if j < n else "", tokens)
            i = j
    return tokens


def _lex_word(word: str, following: str, tokens: list[_Token]) -> None:
    if word in _OPERATORS:
        tokens.append(("OP", _OPERATORS[word]))
        return
    proximity = proximity_operator(word)
    if proximity:
        distance, ordered = proximity
        tokens.append(("NEAR", word, str(distance), "1" if ordered else ""))
        return
    if word.startswith("-"):
        word = word.lstrip("-")
        if not word and following not in ("(", *_QUOTES):
            return  # a lone dash is punctuation, not an operator
        tokens.append(("NEG",))
        if not word:
            return
    m = _FIELD_RE.match(word)
    if m:
        field = _field_name(m.group(1))
        if field:
            tokens.append(("FIELD", field))
            if m.group(2):
                tokens.append(("TERM", m.group(2)))
            return
    tokens.append(("TERM", word))


# --------------------------------------------------------------------------- parser


def _make_and(children: list[Node | None]) -> Node | None:
    flat: list[Node] = []
    for child in children:
        if isinstance(child, And):
            flat.extend(child.children)
        elif child is not None:
            flat.append(child)
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def _make_or(children: list[Node | None]) -> Node | None:
    flat: list[Node] = []
    for child in children:
        if isinstance(child, Or):
            flat.extend(child.children)
        elif child is not None:
            flat.append(child)
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def _make_not(child: Node | None) -> Node | None:
    if child is None:
        return None
    if isinstance(child, Not):
        return child.child
    return Not(child)


def _leaf(kind: str, text: str, field: str | None) -> Node | None:
    if field == "year":
        return _year_range(text)
    normalized = normalize(text).text
    if not any(c.isalnum() for c in normalized):
        return None  # punctuation only: nothing to search for
    return Phrase(normalized, field) if kind == "PHRASE" else Term(normalized, field)


def _year_range(text: str) -> YearRange:
    value = years_as_digits(re.sub(r"\s+", "", normalize(text).text))
    m = _YEAR_RE.match(value)
    if not value or not m or not (m.group(1) or m.group(3)):
        raise _Malformed(f"bad year {text!r}")
    start = int(m.group(1)) if m.group(1) else YEAR_MIN
    if m.group(2):
        end = int(m.group(3)) if m.group(3) else YEAR_MAX
    else:
        end = start
    start, end = sorted((max(start, YEAR_MIN), max(end, YEAR_MIN)))
    return YearRange(start, end)


class _Parser:
    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise _Malformed("unexpected end")
        self.pos += 1
        return token

    def parse(self) -> Node | None:
        node = self.or_expr(None)
        if self.pos != len(self.tokens):
            raise _Malformed("unexpected token")
        return node

    def or_expr(self, field: str | None) -> Node | None:
        children = [self.and_expr(field)]
        while self.peek() == ("OP", "OR"):
            self.pos += 1
            children.append(self.and_expr(field))
        return _make_or(children)

    def and_expr(self, field: str | None) -> Node | None:
        children = [self.unary(field)]
        while True:
            token = self.peek()
            if token is None or token == ("RP",) or token == ("OP", "OR"):
                break
            if token == ("OP", "AND"):
                self.pos += 1
            children.append(self.unary(field))
        return _make_and(children)

    def unary(self, field: str | None) -> Node | None:
        negations = 0
        while self.peek() in (("OP", "NOT"), ("NEG",)):
            self.pos += 1
            negations += 1
        node = self.near(field)
        return _make_not(node) if negations % 2 else node

    def near(self, field: str | None) -> Node | None:
        """A primary, or two words or phrases joined by a proximity operator (NEAR/10)."""
        node = self.primary(field)
        while (token := self.peek()) is not None and token[0] == "NEAR":
            self.pos += 1
            operator = token[1]
            following = self.peek()
            if following is None or following[0] not in ("TERM", "PHRASE", "FIELD"):
                raise QuerySyntaxError(f"{operator}: a word or phrase must follow it")
            right = self.primary(field)
            node = make_near(operator, node, right, int(token[2]), ordered=bool(token[3]))
        return node

    def primary(self, field: str | None) -> Node | None:
        token = self.take()
        kind = token[0]
        if kind in ("TERM", "PHRASE"):
            return _leaf(kind, token[1], field)
        if kind == "SLOP":
            words = token[1].split()
            if len(words) != 2:
                raise QuerySyntaxError(f'"{token[1]}"~{token[2]}: put exactly two words in the quotes')
            first, second = (_leaf("PHRASE", w, field) for w in words)
            return make_near(f"~{token[2]}", first, second, int(token[2]), ordered=False)
        if kind == "NEAR":
            raise QuerySyntaxError(f"{token[1]}: a word or phrase must come before it")
        if kind == "LP":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _Malformed("nested too deeply")
            node = self.or_expr(field)
            if self.take() != ("RP",):
                raise _Malformed("unbalanced parenthesis")
            self.depth -= 1
            return node
        if kind == "FIELD":
            value = self.peek()
            if value is None or value[0] not in ("TERM", "PHRASE", "LP"):
                raise _Malformed("field without a value")
            return self.primary(token[1])
        raise _Malformed(f"unexpected {token}")


# --------------------------------------------------------------------------- fallback


def _literal(query: str) -> Node | None:
    """Read a malformed query as plain terms: quotes, brackets and operators dropped."""
    s = query.translate(_STRUCTURE)
    s = "".join(" " if c in _BREAK else c for c in s)
    words = [w.strip("-:") for w in s.split()]
    words = [w for w in words if w and not proximity_operator(w, checked=False)]
    plain = [w for w in words if w not in _OPERATORS]
    children: list[Node | None] = []
    for word in plain or words:
        m = _FIELD_RE.match(word)
        field = _field_name(m.group(1)) if m else None
        if m and field:
            try:
                children.append(_leaf("TERM", m.group(2), field))
                continue
            except _Malformed:
                pass
        children.append(_leaf("TERM", word, None))
    return _make_and(children)


# --------------------------------------------------------------------------- public API


def parse_query(q: str) -> Node | None:
    """Parse a search box query (检索式) into a tree; None when there is nothing to search.

    >>> parse_query('宝鸡 紅色檔案')
    And(children=(Term(text='宝鸡', field=None), Term(text='红色档案', field=None)))
    >>> parse_query('title:“土地改革” -草案')
    And(children=(Phrase(text='土地改革', field='title'), Not(child=Term(text='草案', field=None))))
    >>> parse_query('year:1949-1951')
    YearRange(start=1949, end=1951)
    >>> parse_query('档案 OR')
    Term(text='档案', field=None)
    >>> parse_query('   ') is None
    True
    >>> parse_query('"宝鸡 解放"~10')
    Near(first='宝鸡', second='解放', distance=10, ordered=False)
    >>> parse_query('宝鸡 前/5 解放 延安')
    And(children=(Near(first='宝鸡', second='解放', distance=5, ordered=True), Term(text='延安', field=None)))
    >>> parse_query('宝鸡 W/0 解放')
    Traceback (most recent call last):
    ...
    analyzers.proximity.QuerySyntaxError: W/0: the distance must be a whole number of characters from 1 to 100
    """
    if not q or not q.strip():
        return None
    try:
        return _Parser(_lex(q)).parse()
    except (_Malformed, RecursionError):
        pass
    try:
        return _literal(q)
    except (_Malformed, RecursionError):
        return None


def positive_terms(node: Node | None) -> list[str]:
    """Texts of the Terms and Phrases not under a Not (for highlighting), without repeats.

    >>> positive_terms(parse_query('档案 (宝鸡 OR 延安) NOT 草案 year:1949'))
    ['档案', '宝鸡', '延安']
    """
    out: list[str] = []
    stack: list[Node] = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, Term | Phrase):
            if current.text not in out:
                out.append(current.text)
        elif isinstance(current, Near):
            out.extend(t for t in (current.first, current.second) if t not in out)
        elif isinstance(current, And | Or):
            stack.extend(reversed(current.children))
    return out


def highlight_terms(q: str) -> list[str]:
    """The texts to highlight for a query as typed (:func:`positive_terms`); a query with a
    malformed proximity highlights nothing (the search itself answers its error).

    >>> highlight_terms('"宝鸡 解放"~10'), highlight_terms('宝鸡 NEAR/0 解放')
    (['宝鸡', '解放'], [])
    """
    try:
        return positive_terms(parse_query(q))
    except QuerySyntaxError:
        return []
