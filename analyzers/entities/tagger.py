"""The statistical entity component (实体标注), registered as ``lantai_entity_tagger``: a
softmax tagger of BILUO classes per character for PERSON, PLACE and ORG, decoded by
Viterbi into well-formed entities, with a confidence per entity."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy
from spacy.attrs import ENT_IOB, ENT_TYPE, IDX, LENGTH
from spacy.language import Language
from spacy.pipeline import Tagger
from spacy.tokens import Doc, Span
from spacy.training import Example, validate_examples
from thinc.api import Config, SequenceCategoricalCrossentropy

from analyzers.entities.char_tokens import WordFeatures, doc_text
from analyzers.entities.kernels import chosen_probability, predecessors, viterbi_path

MODEL_LABELS = ("PERSON", "PLACE", "ORG")

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
    per-token class scores (compiled: :func:`.kernels.viterbi_path`).

    Well-formed: a sequence starts and ends outside an entity (``O``, ``L-``, ``U-``);
    after those come ``O``, ``B-`` or ``U-``; after ``B-x`` or ``I-x`` come ``I-x`` or
    ``L-x``. ``scores`` are logits or log-probabilities (a constant added to all the
    scores of a token changes no path's rank), not probabilities.
    """
    start, preds, first, last = _biluo_transitions(tags)
    return [viterbi_path(numpy.ascontiguousarray(s, dtype="f"), start, preds, first, last) for s in scores]


@lru_cache(maxsize=8)
def _biluo_transitions(
    tags: tuple[str, ...],
) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """``(start, preds, first, last)``: which tags may precede each (:func:`.kernels.predecessors`),
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
    return (*predecessors(allowed), first, last)


CONFIDENCE_KEY = "lantai_entity_confidence"


class Mention(NamedTuple):
    """An entity of a doc (实体提及) as plain values, what :func:`entity_mentions` reads
    from the doc's arrays: a ``Span`` costs a Python object per token it touches.

    Tokens ``[start, end)``, characters ``[start_char, end_char)``, the label's id and name;
    it answers the attributes of a ``Span`` that the functions below read."""

    start: int
    end: int
    start_char: int
    end_char: int
    label: int
    label_: str


def entity_confidence(doc: Doc, span: Span | Mention) -> float | None:
    """The model's confidence in an entity: the smallest probability of its characters'
    tags; None for an entity the model did not find (a rule's)."""
    return entity_confidences(doc, [span])[0]


def entity_confidences(doc: Doc, spans: Sequence[Span | Mention]) -> list[float | None]:
    """:func:`entity_confidence` of each of ``spans``, in one pass over the doc's array.

    >>> import spacy
    >>> doc = spacy.blank("zh")("毛泽东在北京")
    >>> doc.user_data[CONFIDENCE_KEY] = numpy.array([0.9, 0.8, 0.99, float("nan"), 0.7, 0.6], "f")
    >>> [round(c, 2) if c else c for c in entity_confidences(doc, [doc[0:3], doc[4:6], doc[2:4]])]
    [0.8, 0.6, None]
    """
    values = doc.user_data.get(CONFIDENCE_KEY)
    if values is None or len(values) != len(doc) or not spans:
        return [None] * len(spans)
    bounds = numpy.array([(s.start, s.end) for s in spans], dtype=numpy.intp).ravel()
    # the minimum of values[start:end] for each span (one more value, so that an end may be len)
    smallest = numpy.minimum.reduceat(numpy.append(values, numpy.float32(0)), bounds)[::2]
    return [None if v != v else v for v in smallest.tolist()]  # NaN: a character has none


def cut_inside_word(
    doc: Doc, span: Span | Mention, context: int = 6, *, tags: numpy.ndarray | None = None
) -> bool:
    """Whether ``span`` starts or ends inside a jieba word of the text: read from the word
    features of :class:`CharTokenizer` (``E-ns`` at its start, ``B-n`` at its end ...) when
    the doc has them (``tags``: ``doc.to_array(TAG)``, when the caller has it), else from
    a jieba cut of the span and ``context`` characters around it."""
    if tags is None:
        first, last = doc[span.start].tag_, doc[span.end - 1].tag_
    else:
        strings = doc.vocab.strings
        first, last = strings[int(tags[span.start])], strings[int(tags[span.end - 1])]
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
    faster at the same tok2vec. Decoding keeps the best well-formed tag sequence
    (:func:`viterbi_biluo`), so every entity is a ``B``/``I``/``L`` run or a ``U``. Unknown gold
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
        scores = [numpy.ascontiguousarray(s, dtype="f") for s in self.model.predict(docs)]
        paths = viterbi_biluo(scores, self.tags)
        return [(path, chosen_probability(s, path)) for s, path in zip(scores, paths, strict=True)]

    def set_annotations(self, docs, batch_tag_ids) -> None:  # type: ignore[no-untyped-def]
        """``doc.ents`` from the tags (``B-``/``U-`` begin an entity, ``I-``/``L-`` go on
        with it: a well-formed sequence); the probability of the tags of each entity
        character in ``doc.user_data[CONFIDENCE_KEY]`` (NaN outside the model's entities)."""
        if isinstance(docs, Doc):
            docs = [docs]
        columns = self._entity_columns()
        for doc, (tag_ids, probability) in zip(docs, batch_tag_ids, strict=True):
            doc.user_data[CONFIDENCE_KEY] = numpy.where(tag_ids != 0, probability, numpy.nan).astype("f")
            if len(doc):
                doc.from_array([ENT_IOB, ENT_TYPE], columns[tag_ids])

    def _entity_columns(self) -> numpy.ndarray:
        """Per tag id, its ``ENT_IOB`` (3 begin, 1 inside, 2 outside) and ``ENT_TYPE``."""
        strings = self.vocab.strings
        return numpy.array(
            [
                (2, 0) if tag == "O" else (3 if tag[0] in "BU" else 1, strings.add(tag[2:]))
                for tag in self.tags
            ],
            dtype="uint64",
        )


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
    return [Span(doc, m.start, m.end, label=m.label) for m in entity_mentions(doc)]


MENTION_COLUMNS = (ENT_IOB, ENT_TYPE, IDX, LENGTH)


def entity_mentions(doc: Doc, array: numpy.ndarray | None = None) -> list[Mention]:
    """The entities of ``doc.ents`` as :class:`Mention` values, without a ``Span`` each
    (``array``: ``doc.to_array`` of :data:`MENTION_COLUMNS` and maybe more, when the
    caller has it)."""
    n = len(doc)
    if not n:
        return []
    if array is None:
        array = doc.to_array(list(MENTION_COLUMNS))
    iob = array[:, 0]
    starts = numpy.flatnonzero(iob == 3)  # B
    if not len(starts):
        return []
    breaks = numpy.append(numpy.flatnonzero(iob != 1), n)  # tokens that are not I
    ends = breaks[numpy.searchsorted(breaks, starts, side="right")]
    labels = array[starts, 1].tolist()
    strings = doc.vocab.strings
    names = {label: strings[label] for label in set(labels)}
    last = ends - 1
    return list(
        map(
            Mention,
            starts.tolist(),
            ends.tolist(),
            array[starts, 2].tolist(),
            (array[last, 2] + array[last, 3]).tolist(),
            labels,
            [names[label] for label in labels],
        )
    )
