"""From a catalog record to the document the search index stores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from analyzers.normalize import NormalizedText, normalize
from analyzers.pii import mask_personal_data
from analyzers.pinyin import pinyin_tokens
from catalog.policy import public_visibility
from catalog.records import Record
from search.base import IndexDoc
from search.query_terms import TOKEN_SEPARATOR, prepare_words

Entities = Mapping[str, Mapping[str, Sequence[str]]]


def index_doc(
    record: Record, entities: Entities | None = None, body: NormalizedText | None = None
) -> IndexDoc:
    """Analyse a record into an :class:`IndexDoc` with its public visibility precomputed.

    ``entities`` are the entity names ingest found (``ingest_entities``, on by default):
    ``{"catalog": {"person": [...], "place": [...], "org": [...]}, "text": {...}}``. Names
    found in the text are left out while the record's text is not public (目录开放), so
    entity facets and filters can never reveal what the text says. ``body`` is
    ``normalize(mask_personal_data(record.text))`` when the caller has it already.
    """
    title = normalize(record.title).text
    meta = normalize(mask_personal_data(" ".join([*record.subjects, record.description]))).text
    visibility = public_visibility(record.access, record.classification)
    names = entity_facets(entities, text_visible=visibility != "catalog")
    return IndexDoc(
        id=record.id,
        archive=record.archive,
        archive_code=record.archive_code,
        title=record.title,
        date=record.date,
        year=record.year,
        record_type=record.record_type,
        visibility=visibility,
        classified=record.classification != "none",
        title_text=title,
        creator_text=normalize(record.creator).text,
        meta_text=meta,
        # Personal data is masked before indexing, so no query can match it.
        body_text=(body or normalize(mask_personal_data(record.text))).text,
        persons=names["person"],
        places=names["place"],
        orgs=names["org"],
        pinyin=tuple(dict.fromkeys(pinyin_tokens(title))),
        fonds=record.fonds.strip(),  # the 档号's parts are read by the backend (with_code_parts)
    )


def entity_facets(entities: Entities | None, text_visible: bool) -> dict[str, tuple[str, ...]]:
    """Entity names per facet from stored entities; text ones only when ``text_visible``.

    >>> entity_facets({"catalog": {"place": ["宝鸡"]}, "text": {"place": ["延安"]}}, False)["place"]
    ('宝鸡',)
    """
    out: dict[str, tuple[str, ...]] = {}
    parts = ("catalog", "text") if text_visible else ("catalog",)
    for facet in ("person", "place", "org"):
        names = [n for part in parts for n in ((entities or {}).get(part) or {}).get(facet, ())]
        out[facet] = tuple(dict.fromkeys(normalize(n).text for n in names if n))
    return out


# --------------------------------------------------------------------------- prepared tokens
#
# Every backend turns an IndexDoc's texts into search-mode word tokens (jieba) when it
# indexes (``search.query_terms.word_tokens``), in the process that writes: at archive
# scale that single process would spend most of its time segmenting. Ingest therefore
# segments in its worker processes (:func:`doc_tokens`, the very same function) and hands
# the results to the writer through ``search.query_terms.prepared_tokens``.


def doc_tokens(doc: IndexDoc) -> dict[str, str]:
    """Search-mode word tokens of a document's texts, as the backends would compute them
    (:func:`search.query_terms.word_tokens`: segmented, then only the words kept), joined
    by :data:`search.query_terms.TOKEN_SEPARATOR`, cheaper to send between processes."""
    from analyzers.segment import index_tokens

    out = {}
    texts = (
        doc.title_text,
        doc.creator_text,
        doc.meta_text,
        doc.body_text,
        *doc.persons,
        *doc.places,
        *doc.orgs,
    )  # entity names are segmented for the index too
    for text in dict.fromkeys(texts):
        if text and TOKEN_SEPARATOR not in text:  # (tokens are pieces of the text)
            out[text] = TOKEN_SEPARATOR.join(prepare_words(index_tokens(text)))
    return out
