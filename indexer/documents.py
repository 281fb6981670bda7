"""From a catalog record to the document the search index stores."""

from __future__ import annotations

from analyzers.normalize import normalize
from analyzers.pii import mask_personal_data
from analyzers.pinyin import pinyin_tokens
from catalog.policy import public_visibility
from catalog.records import Record
from search.base import IndexDoc


def index_doc(record: Record) -> IndexDoc:
    """Analyse a record into an :class:`IndexDoc` with its public visibility precomputed."""
    title = normalize(record.title).text
    meta = normalize(mask_personal_data(" ".join([*record.subjects, record.description]))).text
    return IndexDoc(
        id=record.id,
        archive=record.archive,
        archive_code=record.archive_code,
        title=record.title,
        date=record.date,
        year=record.year,
        record_type=record.record_type,
        visibility=public_visibility(record.access, record.classification),
        classified=record.classification != "none",
        title_text=title,
        creator_text=normalize(record.creator).text,
        meta_text=meta,
        # Personal data is masked before indexing, so no query can match it.
        body_text=normalize(mask_personal_data(record.text)).text,
        pinyin=tuple(dict.fromkeys(pinyin_tokens(title))),
    )
