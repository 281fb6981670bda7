"""Rows looked up by their key (archive, 档号): one probe of the unique index per key.

A row-value list, ``(archive, archive_code) IN (VALUES …)``, makes SQLite scan the whole
table for every statement, so writing or reading a batch cost time in proportion to the
catalog's size (ingest grew quadratic with it). :func:`by_keys` writes one ``archive = ?
AND archive_code = ?`` term per key instead, which SQLite and PostgreSQL answer from the
(archive, archive_code) index.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, TextClause, text

#: Keys per statement: well under SQLite's limit of bound parameters.
CHUNK = 200


def by_keys(table: Table, keys: Sequence[tuple[str, str]]) -> TextClause:
    """A WHERE clause for the rows of ``table`` with these (archive, archive_code) keys;
    no keys match no row.

    >>> from catalog.schema import records_table
    >>> str(by_keys(records_table, [("baoji-city", "J001-001-0001")]))
    '((records.archive = :a0 AND records.archive_code = :c0))'
    >>> str(by_keys(records_table, [("a", "1"), ("b", "2")])).count(" OR ")
    1
    >>> str(by_keys(records_table, []))
    '0 = 1'
    """
    if not keys:
        return text("0 = 1")
    name = table.name
    terms = (f"({name}.archive = :a{n} AND {name}.archive_code = :c{n})" for n in range(len(keys)))
    params = {f"a{n}": archive for n, (archive, _) in enumerate(keys)}
    params.update({f"c{n}": code for n, (_, code) in enumerate(keys)})
    # In parentheses: SQLAlchemy joins a text clause to other conditions as it stands.
    return text(f"({' OR '.join(terms)})").bindparams(**params)
