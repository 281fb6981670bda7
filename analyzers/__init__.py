"""Chinese text analysis for Lantai (兰台): normalization, segmentation, queries, snippets.

>>> result = analyze('中國(guó)檔案館')
>>> result['normalized'], result['tokens'], result['quality']
('中国档案馆', ['中国', '档案', '档案馆'], 1.0)
"""

from __future__ import annotations

from analyzers.highlight import highlight, highlight_full
from analyzers.normalize import NormalizedText, normalize, page_quality, reading_text
from analyzers.pinyin import is_pinyin_query, pinyin_key, pinyin_tokens
from analyzers.query import (
    FIELDS,
    And,
    Node,
    Not,
    Or,
    Phrase,
    Term,
    YearRange,
    parse_query,
    positive_terms,
)
from analyzers.segment import add_words, index_tokens, query_tokens

__all__ = [
    "analyze",
    "NormalizedText",
    "normalize",
    "reading_text",
    "page_quality",
    "index_tokens",
    "query_tokens",
    "add_words",
    "Term",
    "Phrase",
    "And",
    "Or",
    "Not",
    "YearRange",
    "Node",
    "FIELDS",
    "parse_query",
    "positive_terms",
    "highlight",
    "highlight_full",
    "is_pinyin_query",
    "pinyin_key",
    "pinyin_tokens",
]


def analyze(text: str) -> dict:
    """Analyze a text (文本分析): normalized form, index tokens, entities, quality.

    ``entities`` stays empty until named-entity recognition is added.
    """
    normalized = normalize(text)
    return {
        "normalized": normalized.text,
        "tokens": index_tokens(normalized.text),
        "entities": [],
        "quality": normalized.quality,
    }
