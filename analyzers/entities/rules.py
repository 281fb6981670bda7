"""Rule components of the entity pipeline (规则识别): titles in 《》 (``lantai_doc_titles``),
date expressions (``lantai_dates``) and the gazetteer of administrative divisions
(``lantai_divisions``). Every rule span carries its normalized value in
``span._.lantai_normalized``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy
from spacy.attrs import ENT_IOB
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from analyzers.entities.char_tokens import bigram_codes, code_points, doc_text
from analyzers.entities.dates import find_dates
from analyzers.entities.names import SURE
from analyzers.entities.tagger import (
    Mention,
    cut_inside_word,
    entity_confidence,
    entity_mentions,
    entity_spans,
)

TITLE_SPANS_KEY = "doc_titles"

Span.set_extension("lantai_normalized", default=None, force=True)


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


_NOT_DIVISIONS = ("ORG", "PERSON")


class Divisions:
    """Gazetteer (地名表) of China's provinces, prefecture cities and counties -> ``PLACE``.

    Longest match, left to right; a name is tagged only where the statistical model found
    no entity. A model entity that is exactly a division's name is a ``PLACE``, whatever
    label the model gave it. ``exclude`` lists short forms that are mostly common words (see
    ``config.cfg``).
    """

    def __init__(self, min_length: int = 2, exclude: Sequence[str] = ()) -> None:
        self.names = division_names(min_length, tuple(sorted(exclude)))
        #: Division names left out as mostly common words (东至 "east to").
        self.excluded = division_names(min_length) - self.names
        lengths: dict[str, set[int]] = {}
        for name in self.names:
            lengths.setdefault(name[0], set()).add(len(name))
        self.lengths = {c: sorted(ls, reverse=True) for c, ls in lengths.items()}
        #: The first two characters of every name, as :func:`.char_tokens.bigram_codes`.
        self._heads = numpy.unique(
            numpy.array(
                [(ord(name[0]) << 32) | ord(name[1]) for name in self.names if len(name) > 1], dtype="uint64"
            )
        )
        self._short = any(len(name) == 1 for name in self.names)

    def matches(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of the longest division names in ``text``, not overlapping."""
        out: list[tuple[int, int]] = []
        names, lengths = self.names, self.lengths
        n = len(text)
        end = 0  # where the last name found ends
        for i in range(n) if self._short else self._candidates(text):
            if i < end:
                continue
            for size in lengths.get(text[i], ()):
                if i + size <= n and text[i : i + size] in names:
                    out.append((i, i + size))
                    end = i + size
                    break
        return out

    def _candidates(self, text: str) -> list[int]:
        """Positions where a name of two characters or more may start: its first two
        characters stand there (found for the whole text at once)."""
        heads = self._heads
        if not len(heads) or len(text) < 2:
            return []
        codes = bigram_codes(code_points(text))
        at = numpy.searchsorted(heads, codes)
        at[at == len(heads)] = 0
        return numpy.flatnonzero(heads[at] == codes).tolist()  # type: ignore[no-any-return]

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        found = self.matches(text)
        ents = entity_mentions(doc)
        starts = dict(found)
        kept = [
            self._as_place(text, e) for e in ents if not self._gives_way(doc, e, starts.get(e.start_char))
        ]
        if kept != ents:  # a Span only for the docs that change
            doc.ents = [Span(doc, e.start, e.end, label=e.label_) for e in kept]
        spans = []
        for start, end in found:
            span = doc.char_span(start, end, label="PLACE")
            if span is not None:
                spans.append(span)
        _merge_ents(doc, spans, override=False)
        return doc

    def _as_place(self, text: str, entity: Mention) -> Mention:
        """``entity``, a PLACE when it is exactly a division's name: 宝鸡市 alone is the
        city, never an organisation or a person."""
        if entity.label_ in _NOT_DIVISIONS and text[entity.start_char : entity.end_char] in self.names:
            return entity._replace(label=get_string_id("PLACE"), label_="PLACE")
        return entity

    @staticmethod
    def _gives_way(doc: Doc, entity: Mention, division_end: int | None) -> bool:
        """Whether a model entity gives way to the division name it starts with: an
        organisation or person that ends inside a word, of which the model is not sure
        (宝鸡市人 of 宝鸡市人民政府). Places may end inside a word (北仑河 of 北仑河口)."""
        if entity.label_ not in _NOT_DIVISIONS or division_end is None or division_end >= entity.end_char:
            return False
        if not cut_inside_word(doc, entity):
            return False
        confidence = entity_confidence(doc, entity)
        return confidence is None or confidence < SURE


@Language.factory("lantai_divisions", default_config={"min_length": 2, "exclude": []})
def make_divisions(nlp: Language, name: str, min_length: int, exclude: list[str]) -> Divisions:
    return Divisions(min_length=min_length, exclude=exclude)
