"""Named entities (命名实体) of archive text: PERSON, PLACE, ORG, DATE, DOC_TITLE.

A spaCy pipeline for Chinese (``config.cfg``; the trained model ships in ``model/``):
a statistical tagger on characters for PERSON, PLACE and ORG, then rules for titles in
《》 (DOC_TITLE), dates (DATE, normalized to ISO) and a gazetteer of China's
administrative divisions (PLACE where the model found nothing).

The model runs on the normalized text (:func:`analyzers.normalize.normalize`: simplified
script, converter debris removed), and offsets are mapped back, so ``start``/``end`` index
the *original* text and ``text == original[start:end]`` whatever its script.

The model is loaded lazily, once per process, from the repository; nothing is
downloaded.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from analyzers.normalize import NormalizedText, normalize

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

__all__ = [
    "LABELS",
    "FACETS",
    "MODEL_DIR",
    "extract_entities",
    "extract_entities_batch",
    "iter_entities",
    "entities_of_normalized",
    "entity_names",
    "facet_value",
    "load_pipeline",
    "reset_pipeline",
    "use_model",
]

LABELS = ("PERSON", "PLACE", "ORG", "DATE", "DOC_TITLE")
FACETS = {"PERSON": "person", "PLACE": "place", "ORG": "org"}
MODEL_DIR = Path(__file__).resolve().parent / "model"

_lock = threading.Lock()
_nlp: Language | None = None
_model_dir: Path = MODEL_DIR


def use_model(path: Path | None) -> None:
    """Load the pipeline from ``path`` from now on (None: the shipped ``model/``), as the
    ``entity_model`` setting says; a pipeline loaded from elsewhere is forgotten."""
    global _model_dir, _nlp
    wanted = Path(path) if path else MODEL_DIR
    with _lock:
        if wanted != _model_dir:
            _model_dir, _nlp = wanted, None


def load_pipeline(path: Path | None = None) -> Language:
    """The entity pipeline, loaded once per process from the model in use (or ``path``)."""
    global _nlp
    if path is not None:
        return _load(Path(path))
    if _nlp is None:
        with _lock:
            if _nlp is None:
                _nlp = _load(_model_dir)
    return _nlp


def reset_pipeline() -> None:
    """Forget the loaded pipeline (after retraining)."""
    global _nlp
    with _lock:
        _nlp = None


def _load(path: Path) -> Language:
    import spacy

    from analyzers.entities.components import cpu_ops  # also registers the components by name

    if not (path / "config.cfg").is_file():
        raise FileNotFoundError(f"no entity model at {path}; train one with `lantai train-ner`")
    with cpu_ops():
        nlp = spacy.load(path)
    nlp.make_doc("兰台")  # loads the tokenizer's word features (jieba) now, not on first use
    return nlp


# --------------------------------------------------------------------------- offsets


def _original_span(norm: NormalizedText, original: str, start: int, end: int) -> tuple[int, int]:
    """Original ``[start, end)`` of normalized ``[start, end)``: from the first character's
    source to the end of the last character's source (with its combining marks)."""
    a = norm.offsets[start]
    b = norm.offsets[end - 1] + 1
    limit = len(original)
    while b < limit and unicodedata.combining(original[b]):
        b += 1
    return a, b


_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
MAX_PIECE = 1000


def _pieces(text: str, max_length: int = MAX_PIECE) -> Iterator[tuple[int, int]]:
    """``(start, end)`` pieces of ``text`` of whole sentences, at most ``max_length`` long
    (a longer sentence is cut), skipping blank ones."""
    start = 0
    cut = 0
    n = len(text)
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    ends.append(n)
    for end in ends:
        while end - start > max_length:
            stop = cut if cut > start else start + max_length
            if text[start:stop].strip():
                yield start, stop
            start = stop
        cut = end
        if end - start >= max_length // 2 or end == n:
            if end > start and text[start:end].strip():
                yield start, end
            start = end


def facet_value(
    doc: Doc,
    span: Span,
    min_confidence: float | None = None,
    *,
    common_words: frozenset[str] | None = None,
    doc_text: str | None = None,
) -> str | None:
    """The facet name of a PERSON, PLACE or ORG entity of ``doc`` (see :mod:`.names`):
    its confidence, whether it cuts a word and its dictionary tag decide. ``common_words``:
    the division names the gazetteer leaves out (None: those of the pipeline in use);
    ``doc_text``: the doc's text, when the caller has it."""
    from analyzers.entities.components import entity_facet_value

    if common_words is None:
        common_words = _common_word_places()
    return entity_facet_value(doc, span, min_confidence, common_words=common_words, doc_text=doc_text)


def _common_word_places() -> frozenset[str]:
    """Division names the gazetteer of the pipeline in use leaves out as common words."""
    from analyzers.entities.components import Divisions

    gazetteer = load_pipeline().get_pipe("lantai_divisions")
    return gazetteer.excluded if isinstance(gazetteer, Divisions) else frozenset()


def _entities(
    doc: Doc,
    offset: int,
    norm: NormalizedText,
    original: str,
    reference: date | None,
    common_words: frozenset[str],
) -> list[dict]:
    from spacy.attrs import TAG
    from spacy.tokens import Span

    from analyzers.entities.char_tokens import doc_text
    from analyzers.entities.components import TITLE_SPANS_KEY, entity_facet_values, entity_mentions
    from analyzers.entities.dates import find_dates, resolve_relative
    from analyzers.entities.tagger import MENTION_COLUMNS

    array = doc.to_array([*MENTION_COLUMNS, TAG])  # one call: each costs as much as many values
    ents = entity_mentions(doc, array)
    text = doc_text(doc)
    named = [m for m in ents if m.label_ in FACETS]
    values = entity_facet_values(doc, named, common_words=common_words, doc_text=text, tags=array[:, -1])
    facet_values = {(m.start, m.end): v for m, v in zip(named, values, strict=True)}
    mentions: list = [*ents, *doc.spans.get(TITLE_SPANS_KEY, ())]
    mentions.sort(key=lambda s: (s.start_char, -s.end_char))
    out = []
    for mention in mentions:
        a, b = _original_span(norm, original, offset + mention.start_char, offset + mention.end_char)
        label = mention.label_
        if label in FACETS:
            value: str | None = facet_values[mention.start, mention.end]
        else:  # a rule's: its value is kept on the span
            span = mention
            if not isinstance(span, Span):
                span = Span(doc, mention.start, mention.end, label=label)
            value = span._.lantai_normalized
            if label == "DATE" and value is None and reference is not None:
                matches = find_dates(span.text)
                value = resolve_relative(matches[0], reference) if matches else None
        out.append({"text": original[a:b], "label": label, "start": a, "end": b, "normalized": value})
    return out


def entities_of_normalized(
    pairs: Sequence[tuple[str, NormalizedText]], *, reference: date | None = None, batch_size: int = 64
) -> list[list[dict]]:
    """Entities of texts already normalized: ``pairs`` of ``(text, normalize(text))``.

    Texts are cut into pieces of whole sentences (at most 1,000 characters) that go
    through ``nlp.pipe`` together; the model is not loaded when all texts are blank.
    """
    results: list[list[dict]] = [[] for _ in pairs]
    jobs = [(i, start, end) for i, (_, norm) in enumerate(pairs) for start, end in _pieces(norm.text)]
    if not jobs:
        return results
    nlp = load_pipeline()
    docs = nlp.pipe((pairs[i][1].text[a:b] for i, a, b in jobs), batch_size=batch_size)
    common_words = _common_word_places()  # looked up once, not per entity
    for (i, start, _), doc in zip(jobs, docs, strict=True):
        original, norm = pairs[i]
        results[i].extend(_entities(doc, start, norm, original, reference, common_words))
    return results


# --------------------------------------------------------------------------- public API


def extract_entities(text: str, *, reference: date | None = None) -> list[dict]:
    """Entities of ``text`` (every mention, in text order).

    Each is ``{"text", "label", "start", "end", "normalized"}``: ``start``/``end`` are
    character offsets into ``text`` (end exclusive, ``text[start:end] == entity["text"]``);
    ``normalized`` is the facet name (PERSON, PLACE, ORG: simplified and cleaned, 美 ->
    美国; ``None`` when the mention is not a plausible name, see :mod:`.names`), the ISO date or ``None``
    (DATE; relative dates are resolved against ``reference`` when given), or the title
    without 《》 (DOC_TITLE).

    >>> found = extract_entities('1949年7月14日《關於土地改革的報告》')
    >>> [(e['text'], e['label'], e['normalized']) for e in found]
    [('1949年7月14日', 'DATE', '1949-07-14'), ('《關於土地改革的報告》', 'DOC_TITLE', '关于土地改革的报告')]
    """
    return entities_of_normalized([(text, normalize(text))], reference=reference)[0]


def extract_entities_batch(
    texts: Iterable[str], *, reference: date | None = None, batch_size: int = 64
) -> list[list[dict]]:
    """:func:`extract_entities` of many texts at once (spaCy ``nlp.pipe``, batched)."""
    return list(iter_entities(texts, reference=reference, batch_size=batch_size))


def iter_entities(
    texts: Iterable[str], *, reference: date | None = None, batch_size: int = 64
) -> Iterator[list[dict]]:
    """Lazily, the entities of each text, in order, ``batch_size`` texts at a time."""
    chunk: list[tuple[str, NormalizedText]] = []
    for text in texts:
        chunk.append((text, normalize(text)))
        if len(chunk) >= batch_size:
            yield from entities_of_normalized(chunk, reference=reference, batch_size=batch_size)
            chunk = []
    if chunk:
        yield from entities_of_normalized(chunk, reference=reference, batch_size=batch_size)


def entity_names(entities: Iterable[dict]) -> dict[str, list[str]]:
    """Deduplicated normalized names per facet, in order of first mention.

    >>> entity_names([{'label': 'PLACE', 'normalized': '宝鸡'}, {'label': 'PLACE', 'normalized': '宝鸡'},
    ...               {'label': 'DATE', 'normalized': '1949'}])
    {'person': [], 'place': ['宝鸡'], 'org': []}
    """
    out: dict[str, list[str]] = {facet: [] for facet in FACETS.values()}
    seen: set[tuple[str, str]] = set()
    for entity in entities:
        facet = FACETS.get(entity.get("label", ""))
        name = entity.get("normalized")
        if facet is None or not name or (facet, name) in seen:
            continue
        seen.add((facet, name))
        out[facet].append(name)
    return out
