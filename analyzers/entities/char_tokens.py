"""The per-character tokenizer of the entity pipeline (逐字切分), registered as
``lantai.char_tokenizer.v2`` (and ``.v1``, for models trained before): one token per
character, the character bigram starting at each token as its ``LEMMA`` and jieba's word
position and part of speech as its ``TAG`` (:class:`WordFeatures`), the features of the
statistical model."""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Callable
from functools import lru_cache
from itertools import chain

import jieba
import numpy
from spacy.attrs import LEMMA, TAG
from spacy.language import Language
from spacy.strings import StringStore, get_string_id
from spacy.tokens import Doc
from spacy.util import DummyTokenizer, registry
from spacy.vocab import Vocab

from analyzers.wordcut import FastTokenizer


class WordFeatures:
    """Per-character word features from jieba's own dictionary: ``B-ns``, ``E-nr``, ``S-v``.

    The position of the character in its jieba word (Begin, Middle, End, Single) and the
    word's part-of-speech tag in jieba's dictionary (``nr`` person, ``ns`` place, ``nt``
    organisation ...; ``x`` for a word the HMM found, ``w`` for punctuation and spaces).
    A private jieba tokenizer with the stock dictionary is used, never the search
    segmenter, whose learned names would change the model's input over time.
    """

    _lock = threading.Lock()
    _tokenizer: FastTokenizer | None = None
    _tags: dict[str, str] = {}

    @classmethod
    def _load(cls) -> tuple[FastTokenizer, dict[str, str]]:
        if cls._tokenizer is None:
            with cls._lock:
                if cls._tokenizer is None:
                    jieba.setLogLevel(logging.WARNING)
                    tk = FastTokenizer()  # jieba's segmentation, faster
                    tk.initialize()
                    tags: dict[str, str] = {}
                    with io.TextIOWrapper(tk.get_dict_file(), encoding="utf-8") as handle:
                        for line in handle:
                            parts = line.split()
                            if len(parts) == 3:
                                tags[parts[0]] = sys.intern(parts[2])
                    cls._tags = tags
                    cls._tokenizer = tk
        assert cls._tokenizer is not None
        return cls._tokenizer, cls._tags

    @classmethod
    def dictionary_tag(cls, word: str) -> str | None:
        """The part-of-speech tag of ``word`` in jieba's stock dictionary (``ns``, ``n`` ...)."""
        return cls._load()[1].get(word)

    def __call__(self, text: str) -> list[str]:
        tk, tags = self._load()
        out: list[str] = []
        for word in tk.cut(text, HMM=True):
            out.extend(self._word_features(word, tags))
        return out

    @staticmethod
    def _word_tag(word: str, tags: dict[str, str]) -> str:
        """The word's dictionary tag, ``x`` when it has none, ``w`` for punctuation and spaces."""
        if not word.isalnum() and (not word.strip() or not any(c.isalnum() for c in word)):
            return "w"
        return tags.get(word, "x")

    @staticmethod
    def _word_features(word: str, tags: dict[str, str]) -> list[str]:
        tag = WordFeatures._word_tag(word, tags)
        if tag == "w":
            return ["w"] * len(word)
        if len(word) == 1:
            return ["S-" + tag]
        return ["B-" + tag, *(["M-" + tag] * (len(word) - 2)), "E-" + tag]

    def _word_ids(self, word: str, tags: dict[str, str], strings: StringStore) -> list[int]:
        """:meth:`_word_features` of a word as string ids (those of a tag made once)."""
        tag = self._word_tag(word, tags)
        single, begin, middle, end = self._tag_ids.get(tag) or self._add_tag(tag, strings)
        if len(word) == 1:
            return [single]
        return [begin, *([middle] * (len(word) - 2)), end]

    def _add_tag(self, tag: str, strings: StringStore) -> tuple[int, int, int, int]:
        names = ("w",) * 4 if tag == "w" else tuple(f"{position}-{tag}" for position in "SBME")
        single, begin, middle, end = (strings.add(name) for name in names)
        self._tag_ids[tag] = ids = (single, begin, middle, end)
        return ids

    def ids(self, text: str, strings: StringStore) -> list[int]:
        """:meth:`__call__` as string ids of ``strings`` (added there), cached per word.

        With ``whole`` the text is cut by :meth:`FastTokenizer.cut_whole` (one call to the
        compiled segmenter; a few words differ from jieba's), otherwise as jieba cuts it.
        """
        tk, tags = self._load()
        cache = self._ids
        if len(cache) > _CACHE_SIZE:
            cache.clear()
        words = tk.cut_whole(text) if self.whole else tk.lcut(text, HMM=True)
        found = list(map(cache.get, words))  # no Python loop when every word was seen
        if None in found:
            for i, word in enumerate(words):
                if found[i] is None:
                    found[i] = cache[word] = self._word_ids(word, tags, strings)
        return list(chain.from_iterable(found))  # type: ignore[arg-type]

    def __init__(self, whole: bool = False) -> None:
        self.whole = whole
        self._ids: dict[str, list[int]] = {}
        self._tag_ids: dict[str, tuple[int, int, int, int]] = {}  # S, B, M, E of a tag


_CACHE_SIZE = 200_000


@lru_cache(maxsize=_CACHE_SIZE)
def _string_id(text: str) -> int:
    return get_string_id(text)


def bigram_codes(chars: numpy.ndarray) -> numpy.ndarray:
    """The bigram starting at each character as one number: its code point times 2**32
    plus the next one's (the last character pairs with 0x110000, past every code point).

    >>> [hex(int(n)) for n in bigram_codes(code_points("毛泽东"))]
    ['0x6bdb00006cfd', '0x6cfd00004e1c', '0x4e1c00110000']
    """
    out = chars.astype("uint64") << numpy.uint64(32)
    out[:-1] |= chars[1:]
    if len(out):
        out[-1] |= numpy.uint64(_PAST_UNICODE)
    return out


def code_points(text: str) -> numpy.ndarray:
    """The code points of ``text`` as an array (``uint32``)."""
    return numpy.frombuffer(text.encode("utf-32-le"), dtype="uint32")


_PAST_UNICODE = 0x110000
_ORTH_TABLE_SIZE = 0x10000  # the Basic Multilingual Plane: 512 KB of string ids


class CharTokenizer(DummyTokenizer):
    """One token per character (a single space after a token attaches to it, as in spaCy).

    Token features for the statistical model: ``NORM`` the character; ``LEMMA`` the
    character bigram starting at the token (the last one pairs with an end mark), when
    ``bigrams``; ``TAG`` the :class:`WordFeatures` of the character, when ``words``.
    ``bigram_ids`` says how a bigram becomes a number: ``"codes"`` its two code points
    (:func:`bigram_codes`, computed for the whole text at once), and the word features cut
    the whole text in one call (:meth:`WordFeatures.ids`); ``"strings"`` the hash of its
    string, as spaCy hashes strings, and words as jieba cuts them (the models trained
    before; a Python call per character).
    """

    def __init__(
        self, vocab: Vocab, bigrams: bool = True, words: bool = False, bigram_ids: str = "codes"
    ) -> None:
        if bigram_ids not in ("codes", "strings"):
            raise ValueError(f"bigram_ids: 'codes' or 'strings', not {bigram_ids!r}")
        self.vocab = vocab
        self.bigrams = bigrams
        self.bigram_ids = bigram_ids
        self.words = WordFeatures(whole=bigram_ids == "codes") if words else None
        self._orth_table = numpy.zeros(_ORTH_TABLE_SIZE, dtype="uint64")  # code point -> string id

    def __call__(self, text: str) -> Doc:
        index: list[int] | None = None
        if " " not in text:  # the usual case for Chinese text: one token per character
            words = list(text)
            spaces = [False] * len(words)
        else:
            words, spaces, index = [], [], []
            for i, ch in enumerate(text):
                if ch == " " and words and not spaces[-1]:
                    spaces[-1] = True
                else:
                    words.append(ch)
                    spaces.append(False)
                    index.append(i)
        chars = code_points(text)
        if index is not None:
            chars = chars[index]
        orths = self._orths(chars, words)  # spaCy takes string ids for words too
        doc = Doc(self.vocab, words=orths, spaces=spaces)  # type: ignore[arg-type]
        columns: list[int | str] = []
        values: list[numpy.ndarray | list[int]] = []
        if self.bigrams and words:
            columns.append(LEMMA)  # ids of the bigrams, not added to the string store
            if self.bigram_ids == "codes":
                values.append(bigram_codes(chars))
            else:
                hashed = [_string_id(a + b) for a, b in zip(words, words[1:], strict=False)]
                values.append([*hashed, _string_id(words[-1] + "</s>")])
        if self.words is not None and text:
            features = self.words.ids(text, self.vocab.strings)
            columns.append(TAG)
            values.append(features if index is None else [features[i] for i in index])
        if columns:
            array = numpy.empty((len(words), len(columns)), dtype="uint64")
            for i, column in enumerate(values):
                array[:, i] = column
            doc.from_array(columns, array)  # type: ignore[arg-type]
        doc.user_data[TEXT_KEY] = text
        return doc

    def _orths(self, chars: numpy.ndarray, words: list[str]) -> list[int] | list[str]:
        """The string ids of ``words``, the characters ``chars``, read from a table by
        code point: a ``Doc`` made of ids skips hashing every character (``words`` when
        one is beyond the table)."""
        table = self._orth_table
        if not len(chars) or int(chars.max()) >= len(table):
            return words
        ids = table[chars]
        missing = numpy.flatnonzero(ids == 0)
        if len(missing):
            add = self.vocab.strings.add
            for i in missing.tolist():
                ids[i] = table[chars[i]] = add(words[i])
        return ids.tolist()  # type: ignore[no-any-return]


TEXT_KEY = "lantai_text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, kept by :class:`CharTokenizer` (``doc.text`` joins a Python object
    per token: it took a quarter of the rule components' time)."""
    text = doc.user_data.get(TEXT_KEY)
    if text is not None and len(doc) and doc[-1].idx + len(doc[-1].text_with_ws) == len(text):
        return text
    return doc.text


@registry.tokenizers("lantai.char_tokenizer.v2")
def create_char_tokenizer(bigrams: bool = True, words: bool = False) -> Callable[[Language], CharTokenizer]:
    """One token per character; bigrams as code points (:func:`bigram_codes`)."""

    def factory(nlp: Language) -> CharTokenizer:
        return CharTokenizer(nlp.vocab, bigrams=bigrams, words=words, bigram_ids="codes")

    return factory


@registry.tokenizers("lantai.char_tokenizer.v1")
def create_char_tokenizer_v1(
    bigrams: bool = True, words: bool = False
) -> Callable[[Language], CharTokenizer]:
    """One token per character; bigrams as string hashes (models trained before v2)."""

    def factory(nlp: Language) -> CharTokenizer:
        return CharTokenizer(nlp.vocab, bigrams=bigrams, words=words, bigram_ids="strings")

    return factory
