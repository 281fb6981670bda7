"""spaCy components of the entity pipeline (实体识别), registered by name.

Importing this module registers, with spaCy's registries:

* ``lantai.char_tokenizer.v1`` (``@tokenizers``): one token per character, with the
  character bigram starting at each token stored as its ``LEMMA`` (a feature of the
  statistical model; Chinese has no word boundaries to align with, see ``config.cfg``);
* ``lantai_entity_tagger`` (``@Language.factory``): the statistical PERSON, PLACE, ORG
  component, a softmax tagger of BILUO classes per character decoded by Viterbi into
  well-formed entities (:class:`EntityTagger`);
* ``lantai_doc_titles`` (``@Language.factory``): titles in 《》 as ``DOC_TITLE`` spans in
  ``doc.spans["doc_titles"]`` (they may contain other entities: 《毛泽东选集》);
* ``lantai_dates``: Chinese date expressions as ``DATE`` entities (:mod:`.dates`);
* ``lantai_divisions``: a gazetteer of China's administrative divisions
  (``analyzers/data/divisions.txt``) adding ``PLACE`` where the model found nothing;
* ``lantai.ner_scorer.v1`` (``@scorers``): exact-span scores on PERSON, PLACE and ORG only.

Every rule span carries its normalized value in ``span._.lantai_normalized``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache

import jieba
import numpy
from spacy.attrs import ENT_IOB, ENT_TYPE, LEMMA, TAG
from spacy.language import Language
from spacy.pipeline import Tagger
from spacy.scorer import Scorer
from spacy.strings import StringStore, get_string_id
from spacy.tokens import Doc, Span
from spacy.training import Example, validate_examples
from spacy.util import DummyTokenizer, registry
from spacy.vocab import Vocab
from thinc.api import Config, NumpyOps, SequenceCategoricalCrossentropy, get_current_ops, set_current_ops

from analyzers.entities.dates import find_dates
from analyzers.wordcut import FastTokenizer

__all__ = [
    "MODEL_LABELS",
    "TITLE_SPANS_KEY",
    "CharTokenizer",
    "EntityTagger",
    "DocTitles",
    "Dates",
    "Divisions",
    "division_names",
    "entity_spans",
    "entity_confidence",
    "cut_inside_word",
    "CONFIDENCE_KEY",
    "cpu_ops",
]

MODEL_LABELS = ("PERSON", "PLACE", "ORG")
TITLE_SPANS_KEY = "doc_titles"

Span.set_extension("lantai_normalized", default=None, force=True)


# --------------------------------------------------------------------------- backend


@contextlib.contextmanager
def cpu_ops() -> Iterator[NumpyOps]:
    """Build models (``spacy.load``, training) on thinc's CPU backend with matrix products
    by numpy's BLAS instead of the bundled BLIS.

    The models keep these ops for their lifetime. On this project's machines numpy's
    OpenBLAS ``sgemm`` is about 3x faster than BLIS on a single core (81 against 28
    GFLOPS for a 50,000 x 288 x 192 product), which makes the tok2vec layer about twice as
    fast; results are the same up to float rounding. Set ``OPENBLAS_NUM_THREADS=1`` in
    processes that already run one per core (parallel ingest).
    """
    previous = get_current_ops()
    ops = NumpyOps(use_blis=False)
    set_current_ops(ops)
    try:
        yield ops
    finally:
        set_current_ops(previous)


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
    def _word_features(word: str, tags: dict[str, str]) -> list[str]:
        if not word.strip() or not any(c.isalnum() for c in word):
            return ["w"] * len(word)
        tag = tags.get(word, "x")
        if len(word) == 1:
            return ["S-" + tag]
        return ["B-" + tag, *(["M-" + tag] * (len(word) - 2)), "E-" + tag]

    def ids(self, text: str, strings: StringStore) -> list[int]:
        """:meth:`__call__` as string ids of ``strings`` (added there), cached per word."""
        tk, tags = self._load()
        cache = self._ids
        if len(cache) > _CACHE_SIZE:
            cache.clear()
        out: list[int] = []
        for word in tk.cut(text, HMM=True):
            ids = cache.get(word)
            if ids is None:
                ids = cache[word] = [strings.add(f) for f in self._word_features(word, tags)]
            out.extend(ids)
        return out

    def __init__(self) -> None:
        self._ids: dict[str, list[int]] = {}


_CACHE_SIZE = 200_000


@lru_cache(maxsize=_CACHE_SIZE)
def _string_id(text: str) -> int:
    return get_string_id(text)


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
        doc = Doc(self.vocab, words=words, spaces=spaces)
        columns: list[int | str] = []
        values: list[list[int]] = []
        if self.bigrams and words:
            columns.append(LEMMA)  # ids of the bigrams, not added to the string store
            values.append([_string_id(a + b) for a, b in zip(words, words[1:], strict=False)])
            values[-1].append(_string_id(words[-1] + "</s>"))
        if self.words is not None and text:
            features = self.words.ids(text, self.vocab.strings)
            columns.append(TAG)
            values.append(features if index is None else [features[i] for i in index])
        if columns:
            doc.from_array(columns, numpy.array(values, dtype="uint64").T.copy())  # type: ignore[arg-type]
        doc.user_data[TEXT_KEY] = text
        return doc


TEXT_KEY = "lantai_text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, kept by :class:`CharTokenizer` (``doc.text`` joins a Python object
    per token: it took a quarter of the rule components' time)."""
    text = doc.user_data.get(TEXT_KEY)
    if text is not None and len(doc) and doc[-1].idx + len(doc[-1].text_with_ws) == len(text):
        return text
    return doc.text


@registry.tokenizers("lantai.char_tokenizer.v1")
def create_char_tokenizer(bigrams: bool = True, words: bool = False) -> Callable[[Language], CharTokenizer]:
    def factory(nlp: Language) -> CharTokenizer:
        return CharTokenizer(nlp.vocab, bigrams=bigrams, words=words)

    return factory


# --------------------------------------------------------------------------- entity tagger

ENTITY_TAGS = ("O", *(f"{p}-{label}" for label in MODEL_LABELS for p in "BILU"))

_TAGGER_MODEL = """
[model]
@architectures = "spacy.Tagger.v2"
nO = null
normalize = false

[model.tok2vec]
@architectures = "spacy.Tok2VecListener.v1"
width = 64
upstream = "*"
"""


def viterbi_biluo(scores: list[numpy.ndarray], tags: tuple[str, ...]) -> list[numpy.ndarray]:
    """The best well-formed BILUO tag sequence (ids into ``tags``) of each doc, from its
    per-token class scores: all docs of a batch at once, longest first.

    Well-formed: a sequence starts and ends outside an entity (``O``, ``L-``, ``U-``);
    after those come ``O``, ``B-`` or ``U-``; after ``B-x`` or ``I-x`` come ``I-x`` or
    ``L-x``. ``scores`` are logits or log-probabilities (a constant added to all the
    scores of a token changes no path's rank), not probabilities. Docs whose per-token
    best tags already form a well-formed sequence keep them (no constrained path scores
    more); the dynamic programme runs only over the others.
    """
    greedy = [s.argmax(axis=1) for s in scores]
    allowed, first, last = _biluo_transitions(tags)
    hard = [b for b, path in enumerate(greedy) if not _well_formed(path, allowed, first, last)]
    if len(hard) < len(scores):  # each token's best tag already forms a well-formed sequence:
        out = greedy  # no constrained path scores more
        if hard:
            for b, path in zip(hard, _viterbi_biluo([scores[b] for b in hard], tags), strict=True):
                out[b] = path
        return out
    return _viterbi_biluo(scores, tags)


@lru_cache(maxsize=8)
def _biluo_transitions(tags: tuple[str, ...]) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """``(allowed, first, last)``: which tag may follow which (a square boolean matrix),
    which may start a sequence and which may end it."""
    size = len(tags)
    allowed = numpy.zeros((size, size), dtype=bool)
    for i, a in enumerate(tags):
        for j, b in enumerate(tags):
            if a[0] in "OLU":
                allowed[i, j] = b[0] in "OBU"
            else:
                allowed[i, j] = b[0] in "IL" and b[2:] == a[2:]
    first = numpy.array([tag[0] in "OBU" for tag in tags])
    last = numpy.array([tag[0] in "OLU" for tag in tags])
    return allowed, first, last


def _well_formed(
    path: numpy.ndarray, allowed: numpy.ndarray, first: numpy.ndarray, last: numpy.ndarray
) -> bool:
    """Whether the tag ids ``path`` form a well-formed BILUO sequence."""
    if not len(path):
        return True
    return bool(first[path[0]] and last[path[-1]] and allowed[path[:-1], path[1:]].all())


def _viterbi_biluo(scores: list[numpy.ndarray], tags: tuple[str, ...]) -> list[numpy.ndarray]:
    """:func:`viterbi_biluo` by dynamic programming over all docs, without the shortcut.

    The tags are reordered ``B-*, O, U-*, L-*, I-*`` so that those that may open a
    sequence (``B O U``), those that close one (``O U L``) and those inside an entity
    (``L I``) are each a contiguous slice: every step is a few operations on views.
    """
    index = {tag: i for i, tag in enumerate(tags)}
    kinds = sorted({tag[2:] for tag in tags if tag != "O"})
    k = len(kinds)
    perm = numpy.array(
        [
            *(index[f"B-{x}"] for x in kinds),
            index["O"],
            *(index[f"U-{x}"] for x in kinds),
            *(index[f"L-{x}"] for x in kinds),
            *(index[f"I-{x}"] for x in kinds),
        ]
    )
    opening, closing = slice(0, 2 * k + 1), slice(k, 3 * k + 1)
    b_part, l_part, i_part = slice(0, k), slice(2 * k + 1, 3 * k + 1), slice(3 * k + 1, 4 * k + 1)
    b_pos, i_pos = numpy.arange(k, dtype=numpy.int8), numpy.arange(3 * k + 1, 4 * k + 1, dtype=numpy.int8)
    lengths = numpy.array([len(s) for s in scores])
    order = numpy.argsort(-lengths, kind="stable")
    sorted_lengths = lengths[order].tolist()
    batch, width, size = len(scores), sorted_lengths[0], len(tags)
    logp = numpy.zeros((batch, width, size), dtype="f")
    for row, b in enumerate(order.tolist()):
        logp[row, : lengths[b]] = scores[b][:, perm]
    back = numpy.zeros((batch, width, size), dtype=numpy.int8)
    best = numpy.full((batch, size), -numpy.inf, dtype="f")
    best[:, opening] = logp[:, 0, opening]
    live = batch
    for t in range(1, width):
        while sorted_lengths[live - 1] <= t:
            live -= 1
        prev = best[:live]
        closed = prev[:, closing]
        out_arg = closed.argmax(axis=1)
        out_best = closed.max(axis=1)
        from_b = prev[:, b_part] >= prev[:, i_part]
        in_best = numpy.maximum(prev[:, b_part], prev[:, i_part])
        in_arg = numpy.where(from_b, b_pos, i_pos)
        step = logp[:live, t]
        new = numpy.empty((live, size), dtype="f")
        numpy.add(step[:, opening], out_best[:, None], out=new[:, opening])
        numpy.add(step[:, l_part], in_best, out=new[:, l_part])
        numpy.add(step[:, i_part], in_best, out=new[:, i_part])
        back_t = back[:live, t]
        back_t[:, opening] = (out_arg + k)[:, None]
        back_t[:, l_part] = in_arg
        back_t[:, i_part] = in_arg
        best[:live] = new
    path = numpy.zeros((batch, width), dtype=numpy.intp)
    ends = numpy.maximum(lengths[order] - 1, 0)
    rows = numpy.arange(batch)
    path[rows, ends] = best[:, closing].argmax(axis=1) + k
    live = 0
    for t in range(width - 1, 0, -1):
        while live < batch and sorted_lengths[live] > t:
            live += 1
        path[:live, t - 1] = back[rows[:live], t, path[:live, t]]
    out: list[numpy.ndarray] = [numpy.zeros(0, dtype=numpy.intp)] * batch
    for row, b in enumerate(order.tolist()):
        out[b] = perm[path[row, : lengths[b]]]
    return out


CONFIDENCE_KEY = "lantai_entity_confidence"


def _chosen_probability(scores: numpy.ndarray, path: numpy.ndarray) -> numpy.ndarray:
    """Softmax probability of the chosen tag of each token, from its logits."""
    if not len(path):
        return numpy.zeros(0, dtype="f")
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = numpy.exp(shifted)
    return (exp[numpy.arange(len(path)), path] / exp.sum(axis=1)).astype("f")


def entity_confidence(doc: Doc, span: Span) -> float | None:
    """The model's confidence in an entity: the smallest probability of its characters'
    tags; None for an entity the model did not find (a rule's)."""
    values = doc.user_data.get(CONFIDENCE_KEY)
    if values is None or len(values) != len(doc):
        return None
    part = values[span.start : span.end]
    if numpy.isnan(part).any():
        return None
    return float(part.min())


def cut_inside_word(doc: Doc, span: Span, context: int = 6) -> bool:
    """Whether ``span`` starts or ends inside a jieba word of the text: read from the word
    features of :class:`CharTokenizer` (``E-ns`` at its start, ``B-n`` at its end ...) when
    the doc has them, else from a jieba cut of the span and ``context`` characters around it."""
    first, last = doc[span.start].tag_, doc[span.end - 1].tag_
    if first and last:
        return first[:2] in ("M-", "E-") or last[:2] in ("B-", "M-")
    text = doc_text(doc)
    a, b = span.start_char, span.end_char
    left = max(0, a - context)
    tk, _ = WordFeatures._load()
    bounds = {left}
    position = left
    for word in tk.cut(text[left : b + context], HMM=True):
        position += len(word)
        bounds.add(position)
    return a not in bounds or b not in bounds


class EntityTagger(Tagger):
    """PERSON, PLACE and ORG by tagging each character ``O``/``B-``/``I-``/``L-``/``U-``
    (BILUO) with a softmax layer over the tok2vec vectors, decoded into ``doc.ents``.

    spaCy's transition-based ``ner`` spends a step (a small network) per token; this
    tagger spends one matrix product for the whole batch, which makes it several times
    faster at the same tok2vec. Decoding is greedy and lenient: a run of ``B``/``I``/
    ``L`` tags of one label is an entity even where its ``L`` is missing. Unknown gold
    spans (``-`` in the training examples) are left out of the loss. ``labels`` are the
    entity labels; ``tags`` the per-character classes.
    """

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self.cfg["labels"])

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({tag[2:] for tag in self.cfg["labels"] if tag != "O"}))

    @property
    def label_data(self) -> tuple[str, ...]:
        return self.tags

    def add_label(self, label: str) -> int:
        tags = [label] if label in ENTITY_TAGS else [f"{p}-{label}" for p in "BILU"]
        added = 0
        for tag in ["O", *tags]:
            if tag not in self.cfg["labels"]:
                self.cfg["labels"].append(tag)
                self.vocab.strings.add(tag)
                added = 1
        return added

    def _gold(self, example: Example) -> list[str | None]:
        return [tag if tag in self.cfg["labels"] else None for tag in example.get_aligned_ner()]

    def initialize(self, get_examples, *, nlp=None, labels=None) -> None:  # type: ignore[no-untyped-def]
        for label in labels if labels is not None else MODEL_LABELS:
            self.add_label(label)
        tags = self.tags
        docs, truths = [], []
        for example in get_examples():
            docs.append(example.x)
            gold = self._gold(example)
            truths.append(
                self.model.ops.asarray(
                    [[1.0 if tag == g else 0.0 for tag in tags] for g in gold], dtype="float32"
                )
            )
            if len(docs) >= 10:
                break
        self.model.initialize(X=docs, Y=truths)

    def get_loss(self, examples, scores):  # type: ignore[no-untyped-def]
        validate_examples(examples, "EntityTagger.get_loss")
        loss_func = SequenceCategoricalCrossentropy(
            names=self.tags, normalize=False, label_smoothing=self.cfg["label_smoothing"]
        )
        d_scores, loss = loss_func(scores, [self._gold(eg) for eg in examples])
        return float(loss), d_scores

    def predict(self, docs):  # type: ignore[no-untyped-def]
        """Per doc, the tag ids of the best well-formed sequence and each tag's probability."""
        if not any(len(doc) for doc in docs):
            return [(numpy.zeros((len(doc),), dtype="i"), numpy.ones((len(doc),), dtype="f")) for doc in docs]
        scores = [numpy.asarray(s) for s in self.model.predict(docs)]
        paths = viterbi_biluo(scores, self.tags)
        return [(path, _chosen_probability(s, path)) for s, path in zip(scores, paths, strict=True)]

    def set_annotations(self, docs, batch_tag_ids) -> None:  # type: ignore[no-untyped-def]
        """``doc.ents`` from the tags; the probability of the tags of each entity character
        in ``doc.user_data[CONFIDENCE_KEY]`` (NaN outside the model's entities)."""
        if isinstance(docs, Doc):
            docs = [docs]
        tags = [(tag[0], tag[2:]) for tag in self.tags]
        for doc, (tag_ids, probability) in zip(docs, batch_tag_ids, strict=True):
            doc.user_data[CONFIDENCE_KEY] = numpy.where(tag_ids != 0, probability, numpy.nan).astype("f")
            spans = []
            start = last = -1
            label = ""
            found = numpy.flatnonzero(tag_ids)  # tag 0 is "O"
            for i, tag_id in zip(found.tolist(), tag_ids[found].tolist(), strict=True):
                prefix, kind = tags[tag_id]
                if start >= 0 and (prefix in "BU" or kind != label or i != last + 1):
                    spans.append(Span(doc, start, last + 1, label=label))
                    start = -1
                if start < 0:
                    start, label = i, kind
                last = i
                if prefix in "LU":
                    spans.append(Span(doc, start, i + 1, label=label))
                    start = -1
            if start >= 0:
                spans.append(Span(doc, start, last + 1, label=label))
            doc.set_ents(spans, default="outside")


@Language.factory(
    "lantai_entity_tagger",
    assigns=["doc.ents"],
    default_config={
        "model": Config().from_str(_TAGGER_MODEL)["model"],
        "scorer": {"@scorers": "lantai.ner_scorer.v1"},
        "label_smoothing": 0.0,
    },
)
def make_entity_tagger(nlp: Language, name: str, model, scorer, label_smoothing: float) -> EntityTagger:  # type: ignore[no-untyped-def]
    return EntityTagger(nlp.vocab, model, name, scorer=scorer, label_smoothing=label_smoothing)


# --------------------------------------------------------------------------- helpers


def entity_spans(doc: Doc) -> list[Span]:
    """``list(doc.ents)``, read from the token arrays (``doc.ents`` makes a Python object of
    every token: a quarter of the pipeline's time before this)."""
    n = len(doc)
    if not n:
        return []
    array = doc.to_array([ENT_IOB, ENT_TYPE])
    iob = array[:, 0]
    starts = numpy.flatnonzero(iob == 3)  # B
    if not len(starts):
        return []
    breaks = numpy.append(numpy.flatnonzero(iob != 1), n)  # tokens that are not I
    ends = breaks[numpy.searchsorted(breaks, starts, side="right")]
    labels = array[starts, 1]
    return [
        Span(doc, s, e, label=label)
        for s, e, label in zip(starts.tolist(), ends.tolist(), labels.tolist(), strict=True)
    ]


def _merge_ents(doc: Doc, spans: Iterable[Span], *, override: bool) -> None:
    """Add ``spans`` to ``doc.ents``: replacing what they overlap (``override``) or only
    where nothing is yet (otherwise). ``spans`` must not overlap one another."""
    spans = list(spans)
    if not spans:
        return
    iob = doc.to_array(ENT_IOB)
    taken = (iob == 1) | (iob == 3)  # I or B
    free = [s for s in spans if not taken[s.start : s.end].any()]
    if len(free) == len(spans) or not override:
        if free:
            doc.set_ents(free, default="unmodified")
        return
    covered = numpy.zeros(len(doc), dtype=bool)
    for span in spans:
        covered[span.start : span.end] = True
    kept = [e for e in entity_spans(doc) if not covered[e.start : e.end].any()]
    doc.ents = sorted([*kept, *spans], key=lambda s: s.start)


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
        text = doc_text(doc)
        if "《" not in text:
            return doc
        titles: list[Span] = []
        for m in self.pattern.finditer(text):
            inner = m.group(1).strip()
            span = doc.char_span(m.start(), m.end(), label="DOC_TITLE", alignment_mode="expand")
            if span is None or not inner:
                continue
            span._.lantai_normalized = inner
            titles.append(span)
        doc.spans[self.spans_key] = titles
        if titles:
            ents = entity_spans(doc)
            kept = [e for e in ents if not any(_crosses(e, t) for t in titles)]
            if len(kept) < len(ents):
                doc.ents = kept
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
        for match in find_dates(doc_text(doc)):
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
        for start, end in self.matches(doc_text(doc)):
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
