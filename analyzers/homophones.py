"""Homophone help (同音字纠错): 宝机 → 宝鸡, 凤祥 → 凤翔.

A query word with no hits that is one same-sounding character away from a word that
records use is most often a slip of the pinyin input method. These pure functions find
such words in a vocabulary the caller gives (words of public records only, with the
number of records each is in, see :mod:`search.did_you_mean`); readings are toneless
pinyin from pypinyin's dictionary (the one title pinyin uses), every reading of a
polyphonic character (多音字) counting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

from analyzers.normalize import is_cjk, normalize

__all__ = ["homophone_substitutions", "readings", "replace_word", "word_counts", "word_pinyin"]


@lru_cache(maxsize=8192)
def readings(ch: str) -> frozenset[str]:
    """The toneless pinyin readings of one character (all of a 多音字's); empty for others.

    >>> sorted(readings("长")), sorted(readings("鸡")), readings("a")
    (['chang', 'zhang'], ['ji'], frozenset())
    """
    if not is_cjk(ch):
        return frozenset()
    from pypinyin import Style, pinyin

    found = pinyin(ch, style=Style.NORMAL, heteronym=True, errors=lambda chars: [[] for _ in chars])  # type: ignore[arg-type,return-value]
    return frozenset(r.lower() for group in found for r in group if r and r.isalpha())


def word_pinyin(word: str) -> str:
    """The toneless pinyin of a word as title pinyin indexes it (its pinyin search key).

    >>> word_pinyin("宝机"), word_pinyin("凤祥")
    ('baoji', 'fengxiang')
    """
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(word, style=Style.NORMAL, errors=lambda chars: "")).lower()  # type: ignore[arg-type]


def word_counts(texts: Iterable[str], length: int) -> dict[str, int]:
    """Each run of ``length`` Chinese characters in ``texts`` (normalized), with the number
    of texts it is in.

    >>> word_counts(["宝鸡市", "宝鸡县，凤翔县"], 2)
    {'宝鸡': 2, '鸡市': 1, '鸡县': 1, '凤翔': 1, '翔县': 1}
    """
    counts: dict[str, int] = {}
    for text in texts:
        seen: dict[str, None] = {}
        for start in range(len(text) - length + 1):
            word = text[start : start + length]
            if all(is_cjk(ch) for ch in word):
                seen.setdefault(word)
        for word in seen:
            counts[word] = counts.get(word, 0) + 1
    return counts


def homophone_substitutions(word: str, vocabulary: Mapping[str, int], limit: int = 3) -> list[str]:
    """Words of ``vocabulary`` (word → number of records) that differ from ``word`` in one
    character only, the two characters sharing a reading: most frequent first.

    >>> homophone_substitutions("宝机", {"宝鸡": 12, "宝剑": 30, "宝机": 1, "保鸡": 5})
    ['宝鸡']
    >>> homophone_substitutions("凤祥", {"凤翔": 4, "凤想": 9, "吉祥": 40})
    ['凤想', '凤翔']
    >>> homophone_substitutions("档案", {"档按": 3}), homophone_substitutions("a", {"b": 1})
    (['档按'], [])
    """
    if len(word) < 2 or not all(is_cjk(ch) for ch in word):
        return []
    found = []
    for other, count in vocabulary.items():
        if count < 1 or len(other) != len(word) or other == word:
            continue
        differ = [i for i in range(len(word)) if word[i] != other[i]]
        if len(differ) == 1 and readings(word[differ[0]]) & readings(other[differ[0]]):
            found.append((-count, other))
    return [other for _, other in sorted(found)[:limit]]


def replace_word(query: str, word: str, replacement: str) -> str | None:
    """``query`` with the first place where it reads ``word`` (normalized, so in either
    script) replaced by ``replacement``; None when it does not read ``word``.

    >>> replace_word("寶機 解放", "宝机", "宝鸡"), replace_word("凤祥 OR 扶风", "凤祥", "凤翔")
    ('宝鸡 解放', '凤翔 OR 扶风')
    >>> replace_word("延安", "宝机", "宝鸡") is None
    True
    """
    normalized = normalize(query)
    at = normalized.text.find(word)
    if at < 0:
        return None
    # normalization drops the spaces between Chinese words: end after the word's last character
    start, end = normalized.offsets[at], normalized.offsets[at + len(word) - 1] + 1
    return query[:start] + replacement + query[end:]
