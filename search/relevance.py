"""Relevance you can explain (相关度): the field weights, the exact-phrase boost and the
order of ties, read once from the settings and given to both backends in the same terms.

The settings name four fields a reader knows (题名 title, 主题词/摘要 subjects, 责任者
creator, 全文 text) and the 档号; :meth:`Relevance.field_weights` turns them into the weight
of every indexed field: the embedded backend's bm25 column weights and OpenSearch's field
boosts are this one table. Fields a reader does not set keep fixed weights: names found by
the entity model (persons, places, organizations) 3, the pinyin of the title 2, the year 0.5.
Exact-phrase columns (one token per character) weigh what their word columns weigh, the
title's half of it and the subjects' three quarters, as they always did.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzers.query import And, Node, Not, Phrase, Term
from config.settings import Settings
from config.values import parse_tie_break
from search.query_terms import char_tokens, term_tokens

NAME_WEIGHT = 3.0
PINYIN_WEIGHT = 2.0
YEAR_WEIGHT = 0.5


@dataclass(frozen=True)
class Relevance:
    """How a search ranks: field weights, boosts and the tie-break order (see the
    ``relevance_*`` settings, where each is declared)."""

    title: float
    subjects: float
    creator: float
    text: float
    code: float
    phrase: float
    tie_break: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> Relevance:
        """The ``relevance_*`` settings of an installation."""
        return cls(
            title=settings.relevance_title_weight,
            subjects=settings.relevance_subjects_weight,
            creator=settings.relevance_creator_weight,
            text=settings.relevance_text_weight,
            code=settings.relevance_code_boost,
            phrase=settings.relevance_phrase_boost,
            tie_break=parse_tie_break(settings.relevance_tie_break),
        )

    def field_weights(self) -> dict[str, float]:
        """The weight of every indexed field, by its OpenSearch name (the embedded backend's
        columns map onto them one to one, ``search.sqlite_query.COLUMN_FIELDS``).

        >>> DEFAULT.field_weights()["title_chars"]
        5.0
        """
        return {
            "title_words": self.title,
            "code_chars": self.code,
            "creator_words": self.creator,
            "meta_words": self.subjects,
            "body_words": self.text,
            "person_words": NAME_WEIGHT,
            "place_words": NAME_WEIGHT,
            "org_words": NAME_WEIGHT,
            "pinyin": PINYIN_WEIGHT,
            "year_terms": YEAR_WEIGHT,
            "title_chars": self.title / 2,
            "meta_chars": self.subjects * 0.75,
            "body_chars": self.text,
        }


#: The relevance of the settings' defaults.
DEFAULT = Relevance.from_settings(Settings())


def phrase_tokens(node: Node | None) -> list[str] | None:
    """The exact phrase a query's words make when written together, as typed (one token per
    character, as the phrase columns hold them), for the phrase boost; None when it has
    none worth boosting.

    A query of plain words (``土地改革 复查``, or one word the segmenter splits, such as
    ``土地改革复查``) has one; a record holding it as one string ranks above records holding
    the words apart. Queries with fields or OR, and a single indexed word (which every
    match holds anyway), have none.

    >>> phrase_tokens(And((Term("土地改革"), Term("复查"), Not(Term("草案")))))
    ['土', '地', '改', '革', '复', '查']
    >>> phrase_tokens(Term("宝鸡")) is None
    True
    """
    children = node.children if isinstance(node, And) else (node,)
    words = [c for c in children if not isinstance(c, Not)]
    if not words or not all(isinstance(c, Term | Phrase) and c.field is None for c in words):
        return None
    tokens = [t for c in words for t in char_tokens(c.text)]  # type: ignore[union-attr]
    if len(tokens) < 2:
        return None
    first = words[0]
    if len(words) == 1 and (isinstance(first, Phrase) or first.text in term_tokens(first.text)):  # type: ignore[union-attr]
        return None
    return tokens
