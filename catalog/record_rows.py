"""Records as rows of the catalog's records table (目录记录行), and back: pure conversions,
shared by the store and by ingest workers that compute a row before it is written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import fields

from analyzers.pii import find_personal_data
from catalog.records import Record

_RECORD_FIELDS = tuple(f.name for f in fields(Record))


def _fields_of(record: Record) -> dict:
    """A record's fields by name (flat: its values are strings and tuples of strings, so
    this is ``dataclasses.asdict`` without the deep copy, which bulk loads paid for)."""
    return {name: getattr(record, name) for name in _RECORD_FIELDS}


def content_hash(record: Record) -> str:
    """Stable hash of everything a record holds, to tell changed rows from unchanged ones."""
    payload = json.dumps(_fields_of(record), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def row_values(record: Record, personal_data: Iterable[str] | None = None) -> dict:
    """The catalog columns of a record (a pure function: ingest workers compute it too).

    ``personal_data`` are the kinds :func:`analyzers.pii.find_personal_data` finds in the
    record's text, when the caller has them already.
    """
    values = _fields_of(record)
    values["subjects"] = json.dumps(list(record.subjects), ensure_ascii=False)
    values["files"] = json.dumps(list(record.files), ensure_ascii=False)
    values["content_hash"] = content_hash(record)
    kinds = sorted(
        set(personal_data) if personal_data is not None else {p.kind for p in find_personal_data(record.text)}
    )
    values["personal_data"] = json.dumps(kinds)
    return values


#: Columns of the records table that are the store's own, not fields of a Record.
_STORE_ONLY = (
    "pk",
    "content_hash",
    "personal_data",
    "decided_at",
    "next_review",
    "source",
    "row_hash",
    "source_hash",
    "indexed_hash",
    "entities",
    "imported_at",
)


def record_from_row(row) -> Record:
    """The :class:`Record` a row of the records table holds (the store's own columns left out)."""
    data = dict(row._mapping)
    for name in _STORE_ONLY:
        data.pop(name, None)
    data["subjects"] = tuple(json.loads(data["subjects"]))
    data["files"] = tuple(json.loads(data["files"]))
    return Record(**data)


def index_item(row) -> tuple[int, str, Record, dict | None]:
    """What the indexer reads of a records row: its key, content hash, record and the
    entities ingest stored for it (None when it stored none)."""
    return (
        row.pk,
        row.content_hash,
        record_from_row(row),
        json.loads(row.entities) if row.entities else None,
    )
