"""spaCy components of the entity pipeline (实体识别), registered by name.

Importing this module registers, with spaCy's registries (the tokenizer lives in
:mod:`.char_tokens`, the statistical component in :mod:`.tagger`, the rule components in
:mod:`.rules`; this module gathers them, the CPU ops and the scorer):

* ``lantai.char_tokenizer.v2`` (``@tokenizers``; ``.v1`` for models trained before):
  one token per character, with the character bigram starting at each token stored as
  its ``LEMMA`` (a feature of the statistical model; Chinese has no word boundaries to
  align with, see ``config.cfg``);
* ``lantai.Tok2Vec.v1`` (``@architectures``): spaCy's ``spacy.Tok2Vec.v2`` with a faster
  forward pass for prediction (:mod:`.tok2vec`);
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
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy
from spacy.scorer import Scorer
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import registry
from thinc.api import NumpyOps, get_current_ops, set_current_ops

from analyzers.entities import tok2vec  # noqa: F401 - registers lantai.Tok2Vec.v1
from analyzers.entities.char_tokens import CharTokenizer, WordFeatures
from analyzers.entities.char_tokens import doc_text as _text_of
from analyzers.entities.names import remembered_facet_name
from analyzers.entities.rules import TITLE_SPANS_KEY, Dates, Divisions, DocTitles, division_names
from analyzers.entities.tagger import (
    CONFIDENCE_KEY,
    MODEL_LABELS,
    EntityTagger,
    Mention,
    cut_inside_word,
    entity_confidence,
    entity_confidences,
    entity_mentions,
    entity_spans,
)

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
    "entity_mentions",
    "Mention",
    "entity_confidence",
    "cut_inside_word",
    "CONFIDENCE_KEY",
    "cpu_ops",
    "entity_facet_value",
    "entity_facet_values",
    "entity_confidences",
]

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


# --------------------------------------------------------------------------- scorer


def score_model_labels(examples: Iterable[Example], **kwargs) -> dict:
    """Exact-span precision, recall, F1 of PERSON, PLACE, ORG entities (``ents_*`` keys)."""

    def getter(doc: Doc, attr: str) -> list[Span]:
        return [e for e in doc.ents if e.label_ in MODEL_LABELS]

    return Scorer.score_spans(examples, "ents", getter=getter, **kwargs)


@registry.scorers("lantai.ner_scorer.v1")
def make_ner_scorer() -> Callable[..., dict]:
    return score_model_labels


# --------------------------------------------------------------------------- facet names


def entity_facet_value(
    doc: Doc,
    span: Span | Mention,
    min_confidence: float | None = None,
    *,
    common_words: frozenset[str],
    doc_text: str | None = None,
) -> str | None:
    """:func:`analyzers.entities.facet_value`, with the gazetteer's ``common_words`` given."""
    return entity_facet_values(doc, [span], min_confidence, common_words=common_words, doc_text=doc_text)[0]


def entity_facet_values(
    doc: Doc,
    spans: Sequence[Span | Mention],
    min_confidence: float | None = None,
    *,
    common_words: frozenset[str],
    doc_text: str | None = None,
    tags: numpy.ndarray | None = None,
) -> list[str | None]:
    """:func:`entity_facet_value` of each of ``spans``, PERSON, PLACE or ORG entities of
    ``doc`` (``doc_text``, ``tags``: the doc's text and ``TAG`` array, when the caller has
    them); the confidences are read in one pass."""
    whole = _text_of(doc) if doc_text is None else doc_text
    divisions = division_names()
    dictionary_tag = WordFeatures.dictionary_tag
    out: list[str | None] = []
    for span, confidence in zip(spans, entity_confidences(doc, spans), strict=True):
        text = whole[span.start_char : span.end_char]  # span.text makes an object per token
        out.append(
            remembered_facet_name(
                text,
                span.label_,
                confidence=confidence,
                cut_inside_word=cut_inside_word(doc, span, tags=tags),
                word_tag=dictionary_tag(text),
                divisions=divisions,
                common_words=common_words,
                min_confidence=min_confidence,
            )
        )
    return out
