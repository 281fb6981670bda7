"""spaCy components of the entity pipeline (实体识别), registered by name.

Importing this module registers, with spaCy's registries:

* ``lantai.char_tokenizer.v1`` (``@tokenizers``): one token per character, with the
  character bigram starting at each token stored as its ``LEMMA`` (a feature of the
  statistical model; Chinese has no word boundaries to align with, see ``config.cfg``);
* ``lantai_doc_titles`` (``@Language.factory``): titles in 《》 as ``DOC_TITLE`` spans in
  ``doc.spans["doc_titles"]`` (they may contain other entities: 《毛泽东选集》);
* ``lantai_dates``: Chinese date expressions as ``DATE`` entities (:mod:`.dates`);
* ``lantai_divisions``: a gazetteer of China's administrative divisions
  (``analyzers/data/divisions.txt``) adding ``PLACE`` where the model found nothing;
* ``lantai.ner_scorer.v1`` (``@scorers``): exact-span scores on PERSON, PLACE and ORG only.

Every rule span carries its normalized value in ``span._.lantai_normalized``.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

import jieba
from spacy.language import Language
from spacy.scorer import Scorer
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import DummyTokenizer, registry
from spacy.vocab import Vocab

from analyzers.entities.dates import find_dates

__all__ = [
    "MODEL_LABELS",
    "TITLE_SPANS_KEY",
    "CharTokenizer",
    "DocTitles",
    "Dates",
    "Divisions",
    "division_names",
]

MODEL_LABELS = ("PERSON", "PLACE", "ORG")
TITLE_SPANS_KEY = "doc_titles"

Span.set_extension("lantai_normalized", default=None, force=True)


# --------------------------------------------------------------------------- tokenizer


class WordFeatures:
    """Per-character word features from jieba's own dictionary: ``B-ns``, ``E-nr``, ``S-v``.

    The position of the character in its jieba word (Begin, Middle, End, Single) and the
    word's part-of-speech tag in jieba's dictionary (``nr`` person, ``ns`` place, ``nt``
    organisation ...; ``x`` for a word the HMM found, ``w`` for punctuation and spaces).
    A private jieba tokenizer with the stock dictionary is used, never the search
    segmenter, whose learned names would change the model's input over time.
    """

    _lock = threading.Lock()
    _tokenizer: jieba.Tokenizer | None = None
    _tags: dict[str, str] = {}

    @classmethod
    def _load(cls) -> tuple[jieba.Tokenizer, dict[str, str]]:
        if cls._tokenizer is None:
            with cls._lock:
                if cls._tokenizer is None:
                    jieba.setLogLevel(logging.WARNING)
                    tk = jieba.Tokenizer()
                    tk.initialize()
                    tags: dict[str, str] = {}
                    with open(tk.get_dict_file().name, encoding="utf-8") as handle:
                        for line in handle:
                            parts = line.split()
                            if len(parts) == 3:
                                tags[parts[0]] = sys.intern(parts[2])
                    cls._tags = tags
                    cls._tokenizer = tk
        assert cls._tokenizer is not None
        return cls._tokenizer, cls._tags

    def __call__(self, text: str) -> list[str]:
        tk, tags = self._load()
        out: list[str] = []
        for word in tk.cut(text, HMM=True):
            if not word.strip() or not any(c.isalnum() for c in word):
                out.extend(["w"] * len(word))
                continue
            tag = tags.get(word, "x")
            if len(word) == 1:
                out.append("S-" + tag)
            else:
                out.append("B-" + tag)
                out.extend(["M-" + tag] * (len(word) - 2))
                out.append("E-" + tag)
        return out


class CharTokenizer(DummyTokenizer):
    """One token per character (a single space after a token attaches to it, as in spaCy).

    Token features for the statistical model: ``NORM`` the character; ``LEMMA`` the
    character bigram starting at the token (the last one pairs with ``</s>``), when
    ``bigrams``; ``TAG`` the :class:`WordFeatures` of the character, when ``words``.
    """

    def __init__(self, vocab: Vocab, bigrams: bool = True, words: bool = False) -> None:
        self.vocab = vocab
        self.bigrams = bigrams
        self.words = WordFeatures() if words else None

    def __call__(self, text: str) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        index: list[int] = []
        for i, ch in enumerate(text):
            if ch == " " and words and not spaces[-1]:
                spaces[-1] = True
            else:
                words.append(ch)
                spaces.append(False)
                index.append(i)
        lemmas = tags = None
        if self.bigrams:
            nxt = [*words[1:], "</s>"]
            lemmas = [a + b for a, b in zip(words, nxt, strict=True)]
        if self.words is not None and text:
            features = self.words(text)
            tags = [features[i] for i in index]
        return Doc(self.vocab, words=words, spaces=spaces, lemmas=lemmas, tags=tags)


@registry.tokenizers("lantai.char_tokenizer.v1")
def create_char_tokenizer(bigrams: bool = True, words: bool = False) -> Callable[[Language], CharTokenizer]:
    def factory(nlp: Language) -> CharTokenizer:
        return CharTokenizer(nlp.vocab, bigrams=bigrams, words=words)

    return factory


# --------------------------------------------------------------------------- helpers


def _merge_ents(doc: Doc, spans: Iterable[Span], *, override: bool) -> None:
    """Add ``spans`` to ``doc.ents``: replacing what they overlap (``override``) or only
    where nothing is yet (otherwise). ``spans`` must not overlap one another."""
    spans = list(spans)
    if not spans:
        return
    taken = bytearray(len(doc))
    if override:
        for span in spans:
            taken[span.start : span.end] = b"\x01" * len(span)
        kept = [e for e in doc.ents if not any(taken[e.start : e.end])]
        doc.ents = sorted([*kept, *spans], key=lambda s: s.start)
        return
    ents = list(doc.ents)
    for ent in ents:
        taken[ent.start : ent.end] = b"\x01" * len(ent)
    added = [s for s in spans if not any(taken[s.start : s.end])]
    if added:
        doc.ents = sorted([*ents, *added], key=lambda s: s.start)


# --------------------------------------------------------------------------- DOC_TITLE


class DocTitles:
    """Titles of documents, books, laws in 《》 (书名号) -> ``DOC_TITLE`` spans.

    The span includes the brackets; ``span._.lantai_normalized`` is the inner text. Model
    entities that cross a title's boundary are dropped (entities inside it stay). A text
    without 《 gets no ``doc.spans`` group.
    """

    def __init__(self, max_length: int = 100, spans_key: str = TITLE_SPANS_KEY) -> None:
        self.spans_key = spans_key
        self.pattern = re.compile(f"《([^《》\n]{{1,{max_length}}})》")

    def __call__(self, doc: Doc) -> Doc:
        if "《" not in doc.text:
            return doc
        titles: list[Span] = []
        for m in self.pattern.finditer(doc.text):
            inner = m.group(1).strip()
            span = doc.char_span(m.start(), m.end(), label="DOC_TITLE", alignment_mode="expand")
            if span is None or not inner:
                continue
            span._.lantai_normalized = inner
            titles.append(span)
        doc.spans[self.spans_key] = titles
        if titles and doc.ents:
            doc.ents = [e for e in doc.ents if not any(_crosses(e, t) for t in titles)]
        return doc


def _crosses(a: Span, b: Span) -> bool:
    """Whether ``a`` overlaps ``b`` without either containing the other."""
    if a.end <= b.start or b.end <= a.start:
        return False
    inside = b.start <= a.start and a.end <= b.end
    contains = a.start <= b.start and b.end <= a.end
    return not (inside or contains)


@Language.factory(
    "lantai_doc_titles",
    default_config={"max_length": 100, "spans_key": TITLE_SPANS_KEY},
)
def make_doc_titles(nlp: Language, name: str, max_length: int, spans_key: str) -> DocTitles:
    return DocTitles(max_length=max_length, spans_key=spans_key)


# --------------------------------------------------------------------------- DATE


class Dates:
    """Chinese date expressions -> ``DATE`` entities with ISO values (see :mod:`.dates`).

    Dates replace model entities they overlap (the model is not trained on dates).
    """

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for match in find_dates(doc.text):
            span = doc.char_span(match.start, match.end, label="DATE", alignment_mode="expand")
            if span is None:
                continue
            span._.lantai_normalized = match.normalized
            spans.append(span)
        _merge_ents(doc, _non_overlapping(spans), override=True)
        return doc


def _non_overlapping(spans: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    for span in spans:
        if not out or span.start >= out[-1].end:
            out.append(span)
    return out


@Language.factory("lantai_dates")
def make_dates(nlp: Language, name: str) -> Dates:
    return Dates()


# --------------------------------------------------------------------------- gazetteer


@lru_cache(maxsize=4)
def division_names(min_length: int = 2, exclude: tuple[str, ...] = ()) -> frozenset[str]:
    """Names of administrative divisions from ``analyzers/data/divisions.txt``."""
    from analyzers.segment import dictionary_words

    excluded = set(exclude)
    return frozenset(
        w for w in dictionary_words("divisions.txt") if len(w) >= min_length and w not in excluded
    )


class Divisions:
    """Gazetteer (地名表) of China's provinces, prefecture cities and counties -> ``PLACE``.

    Longest match, left to right; a name is tagged only where the statistical model found
    no entity. ``exclude`` lists short forms that are mostly common words (see
    ``config.cfg``).
    """

    def __init__(self, min_length: int = 2, exclude: Sequence[str] = ()) -> None:
        self.names = division_names(min_length, tuple(sorted(exclude)))
        lengths: dict[str, set[int]] = {}
        for name in self.names:
            lengths.setdefault(name[0], set()).add(len(name))
        self.lengths = {c: sorted(ls, reverse=True) for c, ls in lengths.items()}

    def matches(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of the longest division names in ``text``, not overlapping."""
        out: list[tuple[int, int]] = []
        names, lengths = self.names, self.lengths
        i, n = 0, len(text)
        while i < n:
            for size in lengths.get(text[i], ()):
                if i + size <= n and text[i : i + size] in names:
                    out.append((i, i + size))
                    i += size
                    break
            else:
                i += 1
        return out

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for start, end in self.matches(doc.text):
            span = doc.char_span(start, end, label="PLACE")
            if span is not None:
                spans.append(span)
        _merge_ents(doc, spans, override=False)
        return doc


@Language.factory("lantai_divisions", default_config={"min_length": 2, "exclude": []})
def make_divisions(nlp: Language, name: str, min_length: int, exclude: list[str]) -> Divisions:
    return Divisions(min_length=min_length, exclude=exclude)


# --------------------------------------------------------------------------- scorer


def score_model_labels(examples: Iterable[Example], **kwargs) -> dict:
    """Exact-span precision, recall, F1 of PERSON, PLACE, ORG entities (``ents_*`` keys)."""

    def getter(doc: Doc, attr: str) -> list[Span]:
        return [e for e in doc.ents if e.label_ in MODEL_LABELS]

    return Scorer.score_spans(examples, "ents", getter=getter, **kwargs)


@registry.scorers("lantai.ner_scorer.v1")
def make_ner_scorer() -> Callable[..., dict]:
    return score_model_labels
