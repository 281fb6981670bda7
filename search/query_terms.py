"""Turning normalized text and query leaves into index terms; shared by every engine."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from analyzers.pinyin import is_pinyin_query, pinyin_key
from analyzers.segment import contains_learned_word, index_tokens, query_tokens

_CHAR_TOKENS = re.compile(r"[0-9a-z]+|[^\W\d_a-z]", re.UNICODE)


def char_tokens(text: str) -> list[str]:
    """One token per CJK character and per Latin/digit run, for exact phrase matching.

    >>> char_tokens("宝鸡市(1949年) abc")
    ['宝', '鸡', '市', '1949', '年', 'abc']
    """
    return _CHAR_TOKENS.findall(text.lower())


TOKEN_SEPARATOR = "\x1f"  # tokens never hold control characters
_prepared: dict[str, str] = {}  # normalized text -> its tokens joined by TOKEN_SEPARATOR
_prepared_lock = threading.Lock()


@contextmanager
def prepared_tokens(tokens: Mapping[str, str]) -> Iterator[None]:
    """Use tokens segmented elsewhere (e.g. in ingest's workers) while this block runs.

    ``tokens`` maps a normalized text to its :func:`word_tokens` (what
    :func:`prepare_words` makes of its :func:`analyzers.segment.index_tokens`) joined by
    :data:`TOKEN_SEPARATOR`; texts not in it are segmented as usual, so the index is the
    same either way.
    """
    with _prepared_lock:
        _prepared.update(tokens)
    try:
        yield
    finally:
        with _prepared_lock:
            for text in tokens:
                _prepared.pop(text, None)


def prepare_words(tokens: list[str]) -> list[str]:
    """The index words among segmenter tokens: those with a letter or digit.

    >>> prepare_words(["宝鸡", "，", "1949", " "])
    ['宝鸡', '1949']
    """
    return [t for t in tokens if any(c.isalnum() for c in t)]


def word_tokens(text: str) -> list[str]:
    """Search-mode word tokens of a normalized text, as the index stores them."""
    found = _prepared.get(text)
    if found is not None:  # already filtered where it was prepared
        return found.split(TOKEN_SEPARATOR) if found else []
    return prepare_words(index_tokens(text))


def term_tokens(text: str) -> list[str]:
    """Word tokens of one query term, as they must all occur in a matching text."""
    return [t for t in query_tokens(text) if any(c.isalnum() for c in t)]


def needs_string_match(text: str) -> bool:
    """Whether a query term must also match as a string of characters (字串匹配).

    Only a term holding a word the segmenter learned (``analyzers.segment.add_words``) can
    be segmented differently in a text indexed before the word was learned; every other
    term meets the index's words exactly, and its word match is enough.
    """
    return len(char_tokens(text)) > 1 and contains_learned_word(text)


def pinyin_term(text: str) -> str | None:
    """The pinyin key of a query term that reads as toneless pinyin, else None.

    >>> pinyin_term("bao ji"), pinyin_term("宝鸡")
    ('baoji', None)
    """
    return pinyin_key(text) if is_pinyin_query(text) else None


FIRST_YEAR, LAST_YEAR = 1000, 2200
#: The term of a year range no record can fall in (``year:5``, ``year:3000``): indexed for
#: no record, so it matches nothing, as it should, instead of an empty (invalid) term list.
NO_YEAR = "ynone"


def year_terms(start: int, end: int) -> list[str]:
    """Index terms for the years of a range (``y1949``); never empty.

    Open ranges (``year:-1951``, ``year:1949-``) are clamped to plausible years; a range
    outside them gives :data:`NO_YEAR`, which matches nothing.

    >>> year_terms(1949, 1951)
    ['y1949', 'y1950', 'y1951']
    >>> year_terms(1, 1001)
    ['y1000', 'y1001']
    >>> year_terms(3000, 3000), year_terms(1, 2)
    (['ynone'], ['ynone'])
    """
    start, end = max(min(start, end), FIRST_YEAR), min(max(start, end), LAST_YEAR)
    return [f"y{y}" for y in range(start, end + 1)] or [NO_YEAR]
