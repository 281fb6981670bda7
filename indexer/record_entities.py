"""Entity names of records (记录实体) as ingest stores them: per part (catalog fields, and
the text with personal data masked), per facet.

:func:`find_entities_many` runs the entity model over the records of a worker's task at
once: its sentences go through the model in large batches, which costs much less per
record than one record at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

from analyzers.normalize import normalize
from analyzers.pii import mask_personal_data
from catalog.records import Record

PARTS = ("catalog", "text")


def record_texts(record: Record) -> tuple[str, str]:
    """The texts entities are found in: the catalog fields, and the text with personal
    data masked (a name in an ID number's place is no name)."""
    catalog = " ".join([record.title, *record.subjects, record.description])
    return mask_personal_data(catalog), mask_personal_data(record.text)


def find_entities_many(records: Sequence[Record]) -> list[dict]:
    """:func:`find_entities` of each record, in order, the model run over all at once.

    >>> records = [Record(archive="a", archive_code="1", title="宝鸡市档案", text="毛泽东在延安")]
    >>> [(found["catalog"]["place"], found["text"]["person"]) for found in find_entities_many(records)]
    [(['宝鸡市'], ['毛泽东'])]
    """
    from analyzers.entities import entities_of_normalized, entity_names

    texts = [text for record in records for text in record_texts(record)]
    found = entities_of_normalized([(t, normalize(t)) for t in texts])
    out = []
    for i in range(0, len(found), len(PARTS)):
        out.append(
            {
                part: {
                    facet: names
                    for facet, names in entity_names(ents).items()
                    if facet in ("person", "place", "org")
                }
                for part, ents in zip(PARTS, found[i : i + len(PARTS)], strict=True)
            }
        )
    return out


def find_entities(record: Record) -> dict:
    """Entity names in a record's catalog fields and (personal data masked) its text:
    ``{"catalog": {"person": [...], "place": [...], "org": [...]}, "text": {...}}``."""
    return find_entities_many([record])[0]


def entity_words(entities: dict | None) -> list[str]:
    """The names of stored entities (``find_entities``), every part and facet.

    >>> entity_words({"catalog": {"place": ["宝鸡"]}, "text": {"person": ["李有财"], "org": []}})
    ['宝鸡', '李有财']
    """
    return [n for part in (entities or {}).values() for names in part.values() for n in names]
