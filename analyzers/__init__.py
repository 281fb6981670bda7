"""Chinese text analysis for Lantai (兰台): normalization, segmentation, entities, queries, snippets.

>>> result = analyze('中國(guó)檔案館藏1949年7月的檔案')
>>> result['normalized'], result['quality']
('中国档案馆藏1949年7月的档案', 1.0)
>>> [(e['text'], e['label'], e['normalized']) for e in result['entities'] if e['label'] == 'DATE']
[('1949年7月', 'DATE', '1949-07')]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from analyzers.entities import entity_names, extract_entities
from analyzers.highlight import highlight, highlight_full
from analyzers.normalize import NormalizedText, normalize, page_quality, reading_text
from analyzers.pinyin import is_pinyin_query, pinyin_key, pinyin_tokens
from analyzers.preload import warm_up
from analyzers.query import *  # noqa: F403 - the query language, as listed in its __all__
from analyzers.query import __all__ as _query_names
from analyzers.segment import add_words, index_tokens, query_tokens

__all__ = [
    "analyze",
    "analyze_batch",
    "analyze_many",
    "warm_up",
    "extract_entities",
    "entity_names",
    "NormalizedText",
    "normalize",
    "reading_text",
    "page_quality",
    "index_tokens",
    "query_tokens",
    "add_words",
    *_query_names,
    "highlight",
    "highlight_full",
    "is_pinyin_query",
    "pinyin_key",
    "pinyin_tokens",
]


def analyze(text: str) -> dict:
    """Analyze a text (文本分析): normalized form, index tokens, entities, quality.

    ``entities`` are those of :func:`analyzers.entities.extract_entities` (offsets into
    ``text``). Their PERSON, PLACE and ORG names are added to the segmenter's dictionary
    (:func:`add_words`) before ``tokens`` are made, so a learned name is one token.
    """
    return next(analyze_batch([text]))


def analyze_batch(texts: Iterable[str], *, batch_size: int = 64) -> Iterator[dict]:
    """:func:`analyze` for many texts, in order; entities are found in batches (faster)."""
    chunk: list[tuple[str, NormalizedText]] = []
    for text in texts:
        chunk.append((text, normalize(text)))
        if len(chunk) >= batch_size:
            yield from _analyze_chunk(chunk, batch_size)
            chunk = []
    if chunk:
        yield from _analyze_chunk(chunk, batch_size)


def analyze_many(texts: Iterable[str], *, batch_size: int = 64) -> list[dict]:
    """:func:`analyze` of many texts (文本批量分析), in order: what an ingest worker calls
    for the records of one task. The entity model runs over the texts' sentences in
    batches of ``batch_size`` pieces, and each text's names are learned before its
    index tokens are made, so the results equal ``[analyze(t) for t in texts]``.

    >>> [r['normalized'] for r in analyze_many(['檔案館', '', '1949年'])]
    ['档案馆', '', '1949年']
    """
    return list(analyze_batch(texts, batch_size=batch_size))


def _analyze_chunk(chunk: list[tuple[str, NormalizedText]], batch_size: int) -> Iterator[dict]:
    from analyzers.entities import entities_of_normalized

    found = entities_of_normalized(chunk, batch_size=batch_size)
    for (_, norm), entities in zip(chunk, found, strict=True):
        names = entity_names(entities)
        add_words([name for facet in names.values() for name in facet], normalized=True)
        yield {
            "normalized": norm.text,
            "tokens": index_tokens(norm.text),
            "entities": entities,
            "quality": norm.quality,
        }
