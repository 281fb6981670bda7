"""A search's filters on the embedded index: as conditions on ``docs d``, and as the
reserved tokens of the full-text table's ``tags`` column (a record's public visibility,
archive, record type and entities: ``vfull``, ``a``/``t``/``e`` + hex), which put them
into the full-text match itself. No user term reaches ``tags`` (every term names its
columns) and its bm25 weight is 0.
"""

from __future__ import annotations

from collections.abc import Iterable

from catalog.policy import Scope
from search.base import SearchRequest


def tag(kind: str, value: str) -> str:
    """The reserved token of a visibility (``v``), archive (``a``), record type (``t``) or
    entity (``e``) in the ``tags`` column: the value in hex, so that the tokenizer keeps it
    whole.

    >>> tag("v", "full"), tag("t", "文书")
    ('vfull', 'te69687e4b9a6')
    """
    return kind + (value if kind == "v" else value.encode().hex())


def entity_tag(facet: str, name: str) -> str:
    """The reserved token of an entity (实体) of a facet (``person``, ``place``, ``org``).

    >>> entity_tag("place", "延安")
    'e706c61636520e5bbb6e5ae89'
    """
    return tag("e", f"{facet} {name}")


def tags_text(
    visibility: str, archive: str, record_type: str, entities: Iterable[tuple[str, str]] = ()
) -> str:
    """The ``tags`` column of a record: its visibility, archive, type and each distinct
    (facet, name) of its entities."""
    named = dict.fromkeys(entity_tag(facet, name) for facet, name in entities)
    return " ".join((tag("v", visibility), tag("a", archive), tag("t", record_type), *named))


def branch_tags(request: SearchRequest, scope: Scope, text_visible: bool) -> str:
    """The FTS5 expression on ``tags`` a branch's matches must satisfy ('' for none)."""
    parts = []
    if not text_visible:
        parts.append(f"{{tags}} : {tag('v', 'catalog')}")
    elif scope.is_public:
        parts.append(f"{{tags}} : {tag('v', 'full')}")
    for kind, values in (("a", request.archives), ("t", request.record_types)):
        if values:
            parts.append("{tags} : (" + " OR ".join(tag(kind, v) for v in values) + ")")
    return " AND ".join(parts)


def filter_sql(request: SearchRequest, entity_tags: bool = False) -> tuple[str, list]:
    """The condition on ``docs d`` of a request's filters. ``entity_tags``: the index has
    each record's entities in its ``tags`` (layout 4), so an entity filter is a lookup in
    the full-text index; before that, in ``doc_entities`` by name."""
    clauses: list[str] = []
    params: list = []
    if request.archives:
        clauses.append(f"d.archive IN ({', '.join('?' * len(request.archives))})")
        params += list(request.archives)
    if request.record_types:
        clauses.append(f"d.record_type IN ({', '.join('?' * len(request.record_types))})")
        params += list(request.record_types)
    if request.year_from is not None:
        clauses.append("d.year >= ?")
        params.append(request.year_from)
    if request.year_to is not None:
        clauses.append("d.year <= ?")
        params.append(request.year_to)
    for column in ("fonds", "series"):
        values = getattr(request, column)
        if values:
            clauses.append(f"d.{column} IN ({', '.join('?' * len(values))})")
            params += list(values)
    for facet, name in request.entities:
        if entity_tags:
            clauses.append("d.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
            params.append(f"{{tags}} : {entity_tag(facet, name)}")
        else:
            clauses.append("d.rowid IN (SELECT rowid FROM doc_entities WHERE facet = ? AND name = ?)")
            params += [facet, name]
    return (" AND ".join(clauses) or "1"), params
