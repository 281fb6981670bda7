"""The index-rebuild lock (索引重建锁): a rebuild and the catalog's writers never interleave.

A rebuild (``lantai reindex``) reads the whole catalog and writes a fresh index. A decision
saved while it runs could reach only the old index, and the fresh one would then show the
record as it was before: a record just closed would be public again. So a rebuild takes
this lock first, and every writer that must reach the index checks it inside its own
catalog transaction and is refused while the lock is held:

>>> from sqlalchemy import create_engine
>>> from catalog.schema import metadata
>>> engine = create_engine("sqlite://")
>>> metadata.create_all(engine)
>>> with index_rebuild(engine, holder="reindex"):
...     with engine.begin() as conn:
...         try:
...             refuse_while_rebuilding(conn)
...         except IndexRebuilding as refused:
...             print(str(refused).split(" (")[0])
the search index is being rebuilt
>>> with engine.begin() as conn:
...     refuse_while_rebuilding(conn)  # released: writers go on

The lock is one row that always exists. Writers read it ``FOR SHARE`` (PostgreSQL) after
their first write (SQLite then holds its write lock), and the rebuild takes it with a
write, so a writer that got in first commits before the rebuild reads the catalog.
A rebuild killed on this machine leaves a lock whose process is gone: the next rebuild
takes it over.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from catalog.schema import maintenance_table

LOCK = "index"


class IndexRebuilding(RuntimeError):
    """The search index is being rebuilt; catalog changes that must reach it wait."""


def _row(conn: Connection, *, write: bool):
    query = select(maintenance_table).where(maintenance_table.c.name == LOCK)
    row = conn.execute(query.with_for_update(read=not write)).first()
    if row is None:  # the first use of this catalog: make the row, once
        dialect = conn.dialect.name
        if dialect in ("sqlite", "postgresql"):
            insert = (sqlite_insert if dialect == "sqlite" else postgresql_insert)(maintenance_table)
            conn.execute(insert.values(name=LOCK).on_conflict_do_nothing())
        else:
            conn.execute(maintenance_table.insert().values(name=LOCK))
        row = conn.execute(query.with_for_update(read=not write)).first()
    return row


def _shown(holder: str) -> str:
    return holder.split(" ", 1)[1].strip("()") if " " in holder else holder


def refuse_while_rebuilding(conn: Connection) -> None:
    """Raise :class:`IndexRebuilding` while a rebuild holds the lock (call inside a writer's
    transaction, after its first write)."""
    row = _row(conn, write=False)
    if row.holder:
        raise IndexRebuilding(
            f"the search index is being rebuilt ({_shown(row.holder)}, since "
            f"{row.since}); try again when it is done"
        )


def rebuilding(engine: Engine) -> str | None:
    """Who rebuilds the index and since when, or None (a quick check before slow work)."""
    with engine.connect() as conn:
        row = conn.execute(select(maintenance_table).where(maintenance_table.c.name == LOCK)).first()
    return f"{_shown(row.holder)}, since {row.since}" if row is not None and row.holder else None


def _gone(holder: str) -> bool:
    """True when ``holder`` is a process on this machine that no longer runs."""
    where = holder.split(" ", 1)[0]
    host, _, pid = where.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@contextmanager
def index_rebuild(engine: Engine, holder: str = "reindex") -> Iterator[None]:
    """Hold the rebuild lock for the ``with`` block; refused while another rebuild runs."""
    me = f"{socket.gethostname()}:{os.getpid()} ({holder})"
    with engine.begin() as conn:
        row = _row(conn, write=True)
        if row.holder and not _gone(row.holder):
            raise IndexRebuilding(
                f"the search index is already being rebuilt ({_shown(row.holder)}, since {row.since})"
            )
        conn.execute(
            maintenance_table.update()
            .where(maintenance_table.c.name == LOCK)
            .values(holder=me, since=datetime.now(UTC).isoformat(timespec="seconds"))
        )
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(
                maintenance_table.update()
                .where(maintenance_table.c.name == LOCK, maintenance_table.c.holder == me)
                .values(holder=None, since=None)
            )
