"""The OpenSearch index layout (索引结构): fields, boosts, settings, mappings, and the
document each record becomes.

The index holds the same tokens as the embedded SQLite backend (``search.query_terms``),
pre-segmented and space-joined, in ``text`` fields with a whitespace analyzer: ``*_words``
fields hold search-mode word tokens, ``*_chars`` fields one token per character for exact
phrases. Catalog values sit in ``keyword`` fields for filters, facets and sorting.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import Any

from search.base import IndexDoc
from search.query_terms import char_tokens, word_tokens
from search.relevance import DEFAULT

#: Field boosts of the default settings; the same weights the SQLite backend gives its
#: bm25 columns (``search.relevance``: the ``relevance_*`` settings choose them).
BOOSTS = DEFAULT.field_weights()
TERM_FIELDS = {
    True: (
        "title_words",
        "code_chars",
        "creator_words",
        "meta_words",
        "body_words",
        "person_words",
        "place_words",
        "org_words",
    ),
    False: (
        "title_words",
        "code_chars",
        "creator_words",
        "meta_words",
        "person_words",
        "place_words",
        "org_words",
    ),
}
PHRASE_FIELDS = {True: ("title_chars", "meta_chars", "body_chars"), False: ("title_chars", "meta_chars")}
FIELD_FIELDS = {
    "title": ("title_words",),
    "creator": ("creator_words",),
    "person": ("person_words",),
    "place": ("place_words",),
    "org": ("org_words",),
    "code": ("code_chars",),
}
TOKEN_FIELDS = tuple(BOOSTS)
ENTITY_FIELDS = {"person": "persons", "place": "places", "org": "orgs"}
FACET_FIELDS = {
    "archive": "archive",
    "year": "year",
    "record_type": "record_type",
    "fonds": "fonds",
    "series": "series",
}
FACET_LIMIT = 100  # archive, year, record_type, fonds, series
ENTITY_FACET_LIMIT = 30

# Combined fields (copy_to) for queries too long for one clause per token and field.
COMBINED_FIELDS = {True: "all_words", False: "catalog_words"}
CLAUSE_BUDGET = 800  # below Lucene's maxClauseCount (1024 by default)

FULL, CATALOG, CODE = "lantai.full", "lantai.catalog", "lantai.code"
SAMPLE = "best"  # the sampler aggregation holding the facets
CODE_BOOST = 1_000_000.0  # an exact reference code ranks first (relevance sort)
TITLE = "lantai.title"
TITLE_TIE_BOOST = 1e-4  # among equal scores, a title holding a query term first
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

_KEYWORD = {"type": "keyword"}
#: The 档号's parts (全宗号, 目录号/类别, 案卷号/件号); added to the mapping of an index
#: made before them (:data:`PART_MAPPING`).
PART_FIELDS = ("fonds", "series", "file")
_TOKENS = {"type": "text", "analyzer": "lantai_tokens"}


def _token_field(name: str) -> dict[str, Any]:
    targets = [COMBINED_FIELDS[v] for v in (True, False) if name in TERM_FIELDS[v]]
    return {**_TOKENS, "copy_to": targets} if targets else _TOKENS


INDEX_SETTINGS: dict[str, Any] = {
    "number_of_shards": 1,  # exact facet counts; one shard holds millions of records
    "auto_expand_replicas": "0-1",
    "analysis": {
        "analyzer": {
            # Tokens come pre-segmented from search.query_terms, one space between them.
            "lantai_tokens": {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]},
        },
    },
}

MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    # Token fields are rebuilt from the catalog, never read back: keep them out of _source.
    "_source": {"excludes": list(TOKEN_FIELDS)},
    "properties": {
        "id": _KEYWORD,
        "archive": _KEYWORD,
        "archive_code": _KEYWORD,
        "code_lower": _KEYWORD,  # ASCII-lowercased reference code, for the code-first rule
        "title": {"type": "keyword", "ignore_above": 4096},  # the original title, as stored
        "title_text": {"type": "keyword", "ignore_above": 4096},  # normalized: suggestions
        "title_length": {"type": "integer"},
        "date": _KEYWORD,  # ISO text (1949, 1949-07, 1949-07-14): sorts like the catalog
        "date_value": {"type": "date", "format": "yyyy-MM-dd||yyyy-MM||yyyy", "ignore_malformed": True},
        "year": {"type": "integer"},
        "record_type": _KEYWORD,
        "visibility": _KEYWORD,
        "classified": {"type": "boolean"},
        "persons": _KEYWORD,
        "places": _KEYWORD,
        "orgs": _KEYWORD,
        **{name: _KEYWORD for name in PART_FIELDS},
        **{name: _token_field(name) for name in TOKEN_FIELDS},
        # Matching only (no frequencies, positions or norms): the compact query form.
        **{name: {**_TOKENS, "index_options": "docs", "norms": False} for name in COMBINED_FIELDS.values()},
    },
}


PART_MAPPING: dict[str, Any] = {"properties": {name: _KEYWORD for name in PART_FIELDS}}


def ascii_lower(text: str) -> str:
    """Lowercase ASCII letters only, as SQLite's ``lower()`` does."""
    return text.translate(_ASCII_LOWER)


def joined_tokens(tokens: Iterable[str]) -> str:
    return " ".join(tokens)


def source_of(doc: IndexDoc) -> dict[str, Any]:
    """The OpenSearch document for ``doc``: the same tokens the SQLite backend indexes."""

    def words(text: str) -> str:
        return joined_tokens(word_tokens(text))

    def names(values: tuple[str, ...]) -> str:
        return " ".join(" ".join([*word_tokens(v), v]) for v in values)

    return {
        "id": doc.id,
        "archive": doc.archive,
        "archive_code": doc.archive_code,
        "code_lower": ascii_lower(doc.archive_code),
        "title": doc.title,
        "title_text": doc.title_text,
        "title_length": len(doc.title),
        "date": doc.date or None,
        "date_value": doc.date or None,
        "year": doc.year,
        "record_type": doc.record_type or None,
        "visibility": doc.visibility,
        "classified": doc.classified,
        "persons": list(dict.fromkeys(doc.persons)),
        "places": list(dict.fromkeys(doc.places)),
        "orgs": list(dict.fromkeys(doc.orgs)),
        "fonds": doc.fonds or None,
        "series": doc.series or None,
        "file": doc.file or None,
        "title_words": words(doc.title_text),
        "code_chars": joined_tokens(char_tokens(doc.archive_code)),
        "creator_words": words(doc.creator_text),
        "meta_words": words(doc.meta_text),
        "body_words": words(doc.body_text),
        "person_words": names(doc.persons),
        "place_words": names(doc.places),
        "org_words": names(doc.orgs),
        "pinyin": joined_tokens(doc.pinyin),
        "year_terms": f"y{doc.year}" if doc.year else "",
        "title_chars": joined_tokens(char_tokens(doc.title_text)),
        "meta_chars": joined_tokens(char_tokens(doc.meta_text)),
        "body_chars": joined_tokens(char_tokens(doc.body_text)),
    }
