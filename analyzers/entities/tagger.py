"""The statistical entity component (实体标注), registered as ``lantai_entity_tagger``: a
softmax tagger of BILUO classes per character for PERSON, PLACE and ORG, decoded by
Viterbi into well-formed entities, with a confidence per entity."""

from __future__ import annotations

from functools import lru_cache

import numpy
from spacy.attrs import ENT_IOB, ENT_TYPE
from spacy.language import Language
from spacy.pipeline import Tagger
from spacy.tokens import Doc, Span
from spacy.training import Example, validate_examples
from thinc.api import Config, SequenceCategoricalCrossentropy

from analyzers.entities.char_tokens import WordFeatures, doc_text

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
