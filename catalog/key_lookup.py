"""Rows looked up by their key (archive, 档号): one probe of the unique index per key.

A row-value list, ``(archive, archive_code) IN (VALUES …)``, makes SQLite scan the whole
table for every statement, so writing or reading a batch cost time in proportion to the
catalog's size (ingest grew quadratic with it). :func:`by_keys` writes one ``archive = ?
AND archive_code = ?`` term per key instead, which SQLite and PostgreSQL answer from the
(archive, archive_code) index.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import Table, TextClause, text

#: Keys per statement: well under SQLite's limit of bound parameters.
CHUNK = 200


@lru_cache(maxsize=256)
def _where(table: str, count: int) -> TextClause:
    """The clause for ``count`` keys of ``table``, without values: one object per size, so
    statements built on it are compiled once and found in SQLAlchemy's cache after that."""
    terms = (f"({table}.archive = :a{n} AND {table}.archive_code = :c{n})" for n in range(count))
    # In parentheses: SQLAlchemy joins a text clause to other conditions as it stands.
    return text(f"({' OR '.join(terms)})")


def by_keys(table: Table, keys: Sequence[tuple[str, str]]) -> tuple[TextClause, dict[str, str]]:
    """A WHERE clause for the rows of ``table`` with these (archive, archive_code) keys, and
    the values to execute it with (``conn.execute(select(...).where(clause), values)``); no
    keys match no row. The values are passed at execution rather than bound into the clause:
    binding 400 values into a new clause cost milliseconds of Python per statement.

    >>> from catalog.schema import records_table
    >>> clause, values = by_keys(records_table, [("baoji-city", "J001-001-0001")])
    >>> str(clause), values
    ('((records.archive = :a0 AND records.archive_code = :c0))', {'a0': 'baoji-city', 'c0': 'J001-001-0001'})
    >>> str(by_keys(records_table, [("a", "1"), ("b", "2")])[0]).count(" OR ")
    1
    >>> str(by_keys(records_table, [])[0])
    '0 = 1'
    """
    if not keys:
        return text("0 = 1"), {}
    values: dict[str, str] = {}
    for n, (archive, code) in enumerate(keys):
        values[f"a{n}"] = archive
        values[f"c{n}"] = code
    return _where(table.name, len(keys)), values
