"""Pinyin search (拼音检索): ``baoji``, ``bao ji`` or ``bjsdaj`` finds 宝鸡市档案局.

Titles and entity names are indexed with :func:`pinyin_tokens` (full toneless pinyin
and initials of words and short word runs); a query that :func:`is_pinyin_query`
accepts is looked up by its :func:`pinyin_key`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from analyzers._syllables import strip_tones

__all__ = ["is_pinyin_query", "pinyin_key", "pinyin_tokens"]

MAX_RUN = 4  # longest run of consecutive words indexed together
_HAN_RE = re.compile("[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_PINYIN_QUERY_RE = re.compile(r"[a-zü' ]*[a-zü][a-zü' ]*")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
_NOT_LETTER_RE = re.compile("[^a-z]")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()


def is_pinyin_query(text: str) -> bool:
    """True if ``text`` is toneless pinyin: Latin letters, spaces and apostrophes only.

    >>> is_pinyin_query("dang'an guan"), is_pinyin_query('Baoji'), is_pinyin_query('宝鸡')
    (True, True, False)
    >>> is_pinyin_query('1949'), is_pinyin_query('bǎo jī'), is_pinyin_query('  ')
    (False, False, False)
    """
    return _PINYIN_QUERY_RE.fullmatch(_fold(text)) is not None


def pinyin_key(text: str) -> str:
    """The lookup key of a pinyin query (拼音键): lowercase letters only, ``ü`` as ``v``.

    >>> pinyin_key('bao ji'), pinyin_key("dang'an guan"), pinyin_key('Baoji')
    ('baoji', 'danganguan', 'baoji')
    >>> pinyin_key('lǜ dì')
    'lvdi'
    """
    return _NOT_LETTER_RE.sub("", strip_tones(_fold(text)).lower())


@lru_cache(maxsize=1)
def _lazy_pinyin() -> Callable[[str], list[str]]:
    from pypinyin import Style, lazy_pinyin

    def syllables(text: str) -> list[str]:
        # pypinyin's errors= callback may return a list of syllables (its stubs say str)
        out = lazy_pinyin(text, style=Style.NORMAL, errors=lambda chars: [""] * len(chars))  # type: ignore[arg-type,return-value]
        if len(out) != len(text):  # keep one syllable per character
            out = [
                (lazy_pinyin(c, style=Style.NORMAL, errors=lambda x: [""]) or [""])[0]  # type: ignore[arg-type,return-value]
                for c in text
            ]
        return [s.lower() for s in out]

    return syllables


def _keys(syllables: list[str]) -> tuple[str, str]:
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables if s)
    return full, initials


def pinyin_tokens(normalized: str) -> list[str]:
    """Pinyin index tokens (拼音索引词) of a title or entity name.

    For each word (jieba precise mode, plus the dictionary words inside it), each run
    of 2..4 consecutive words and each whole run of Chinese characters: the toneless
    pinyin joined and the initials (initials of one letter are left out).

    >>> tokens = pinyin_tokens('宝鸡市档案局')
    >>> [t for t in ('baoji', 'baojishi', 'danganju', 'bjsdaj') if t in tokens]
    ['baoji', 'baojishi', 'danganju', 'bjsdaj']
    """
    from analyzers.segment import subword_spans, tokenizer

    syllables_of = _lazy_pinyin()
    tk = tokenizer()
    out: dict[str, None] = {}

    def add(syllables: list[str]) -> None:
        full, initials = _keys(syllables)
        if full:
            out.setdefault(full)
        if len(initials) >= 2:
            out.setdefault(initials)

    for m in _HAN_RE.finditer(normalized):
        run = m.group()
        syllables = syllables_of(run)
        spans: list[tuple[int, int]] = []
        pos = 0
        for word in tk.cut(run, HMM=False):
            spans.append((pos, pos + len(word)))
            pos += len(word)
        for k, (a, b) in enumerate(spans):
            add(syllables[a:b])
            if b - a > 2:
                for i, j in subword_spans(run[a:b]):
                    add(syllables[a + i : a + j])
            for size in range(2, MAX_RUN + 1):
                if k + size <= len(spans):
                    add(syllables[a : spans[k + size - 1][1]])
        add(syllables)
    return list(out)
