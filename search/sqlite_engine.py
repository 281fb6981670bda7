"""The SQLite library the embedded search index is read and written with.

The index's full-text table is contentless with row deletes (FTS5 ``content=''`` and
``contentless_delete=1``, SQLite 3.43 or later): it keeps the postings and each row's
column sizes (all that matching and bm25 read), not a second copy of every text, which
was more than half of the index. Python's own ``sqlite3`` is linked against whatever
SQLite the system has; where that is older than 3.43, the SQLite that
``pysqlite3-binary`` ships is used (the same DB-API as the standard module). Anything
that opens the index file and touches its full-text table must connect through
:func:`connect`.
"""

from __future__ import annotations

import sqlite3 as _standard
from typing import TYPE_CHECKING

#: The first SQLite release with ``contentless_delete``.
CONTENTLESS_DELETE = (3, 43, 0)

if TYPE_CHECKING:
    import sqlite3 as engine
elif _standard.sqlite_version_info >= CONTENTLESS_DELETE:
    engine = _standard
else:
    from pysqlite3 import dbapi2 as engine

Connection = engine.Connection
OperationalError = engine.OperationalError


def connect(path: str, **options) -> _standard.Connection:
    """A connection to the index file at ``path`` (options as :func:`sqlite3.connect`)."""
    return engine.connect(path, **options)
