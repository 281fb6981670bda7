"""Word segmentation (分词) with jieba and Lantai's archival user dictionary.

One private :class:`jieba.Tokenizer` is built lazily, on first use, from jieba's default
dictionary plus ``analyzers/data/terms.txt`` (archival and administrative terms) and
``analyzers/data/divisions.txt`` (China's administrative divisions). Entity names the
indexer learns are added with :func:`add_words`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from importlib import resources

import jieba

from analyzers.normalize import normalize
from analyzers.wordcut import FastTokenizer

__all__ = [
    "index_tokens",
    "query_tokens",
    "add_words",
    "contains_learned_word",
    "dictionary_words",
    "subword_spans",
    "tokenizer",
]

DATA_FILES = ("terms.txt", "divisions.txt")
_MAX_SUBWORD = 8  # longest dictionary sub-word emitted by search mode
_MAX_LEARNED = 32  # longest learned word looked for inside a query term
_MAX_MEMO = 100_000  # words whose sub-words are remembered
_MAX_CHECKED = 8  # words added since a word's sub-words were found, checked before finding them again

_lock = threading.RLock()
_tokenizer: FastTokenizer | None = None
_added: set[str] = set()


def dictionary_words(name: str) -> list[str]:
    """Words of a packaged dictionary file (``terms.txt`` or ``divisions.txt``).

    Lines are ``word [freq] [tag]``; ``#`` starts a comment. A missing file gives ``[]``.

    >>> '数字档案馆' in dictionary_words('terms.txt')
    True
    """
    try:
        content = resources.files("analyzers.data").joinpath(name).read_text("utf-8")
    except FileNotFoundError:
        return []
    words = []
    for line in content.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.append(line.split()[0])
    return words


def tokenizer() -> FastTokenizer:
    """The shared tokenizer (分词器), initialised with the user dictionary on first call."""
    global _tokenizer
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading at DEBUG
            tk = FastTokenizer()  # jieba's segmentation, faster (analyzers/wordcut.py)
            tk.initialize()
            for name in DATA_FILES:
                for word in dictionary_words(name):
                    if len(word) >= 2:
                        tk.add_word(word)
            for word in _added:
                tk.add_word(word)
            _tokenizer = tk
    return _tokenizer


def _is_word(token: str) -> bool:
    return token.isalnum() or any(c.isalnum() for c in token)


def subword_spans(word: str) -> Iterator[tuple[int, int]]:
    """Spans of the dictionary words strictly inside ``word``, shortest first, in order.

    >>> ['宝鸡市档案局'[i:j] for i, j in subword_spans('宝鸡市档案局')]
    ['宝鸡', '档案', '宝鸡市', '档案局']
    """
    freq = tokenizer().FREQ
    n = len(word)
    for size in range(2, min(n - 1, _MAX_SUBWORD) + 1):
        for i in range(n - size + 1):
            if freq.get(word[i : i + size]):
                yield i, i + size


def index_tokens(normalized: str) -> list[str]:
    """Tokens for the full-text index (索引分词): jieba search mode, HMM off.

    Every precise-mode word is preceded by the dictionary words inside it (a superset of
    ``cut_for_search``); punctuation and whitespace are dropped, Latin lowercased.

    >>> index_tokens('档案局的建设工作')
    ['档案', '档案局', '的', '建设', '工作']
    """
    out: list[str] = []
    tk = tokenizer()
    for token in tk.cut_precise(normalized):
        if not (token.isalnum() or _is_word(token)):
            continue
        token = token.lower()
        if len(token) > 2:
            out.extend(_subwords(tk, token))
        out.append(token)
    return out


def _subwords(tk: FastTokenizer, word: str) -> list[str]:
    """The dictionary words inside ``word`` (:func:`subword_spans`), remembered in the
    tokenizer's memo until a word added to the dictionary stands inside it (or more
    words were added than it pays to check)."""
    memo, added = tk.memo, tk.added
    entry = memo.get(word)
    if entry is not None:
        inner, checked = entry
        if checked == len(added):  # nothing added since
            return inner  # type: ignore[no-any-return]
        fresh = added[checked:] if 0 < len(added) - checked <= _MAX_CHECKED else None
        if fresh is not None and not any(new in word and new != word for new in fresh):
            memo[word] = (inner, len(added))
            return inner  # type: ignore[no-any-return]
    if len(memo) > _MAX_MEMO:
        memo.clear()
    inner = [word[i:j] for i, j in subword_spans(word)]
    memo[word] = (inner, len(added))
    return inner


def query_tokens(normalized: str) -> list[str]:
    """Tokens of a query term (查询分词): jieba precise mode, HMM off.

    For a string that forms whole words in a text, its query tokens are among that
    text's :func:`index_tokens`.

    >>> query_tokens('数字档案馆')
    ['数字档案馆']
    >>> query_tokens('宝鸡市 档案局')
    ['宝鸡市', '档案局']
    """
    return [t.lower() for t in tokenizer().cut_precise(normalized) if _is_word(t)]


def add_words(words: Iterable[str], *, normalized: bool = False) -> None:
    """Add learned entity names (实体名) to the dictionary; idempotent.

    Names are normalized (simplified, lowercased) first, unless ``normalized`` says they
    are already (entity facet names, cut from normalized text); single characters are
    ignored.

    >>> add_words(['兰台学社'])
    >>> query_tokens('兰台学社')
    ['兰台学社']
    """
    with _lock:
        tk = _tokenizer
        for word in words:
            if word in _added:  # a learned name, given again in its normalized form
                continue
            text = word if normalized else normalize(word).text
            if len(text) < 2 or " " in text or text in _added:
                continue
            _added.add(text)
            if tk is not None:
                tk.add_word(text)


def contains_learned_word(normalized: str) -> bool:
    """True when a word added with :func:`add_words` (学习词) occurs in the text.

    Texts indexed before such a word was learned were segmented without it, so a query
    holding it must also match the text as a string of characters.

    >>> add_words(['兰台学社'])
    >>> contains_learned_word('兰台学社的章程'), contains_learned_word('1949-07')
    (True, False)
    """
    text = normalized.lower()
    with _lock:
        if not _added:
            return False
        return any(
            text[i:j] in _added
            for i in range(len(text))
            for j in range(i + 2, min(len(text), i + _MAX_LEARNED) + 1)
        )
