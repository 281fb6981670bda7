"""Versioned migrations of the catalog (目录库结构升级), with Alembic.

Each change of :mod:`catalog.schema` comes with a revision in ``catalog/migrations/versions``.
Opening a catalog brings it to the newest revision (a catalog made before migrations existed
is adopted by the first one, which creates only what it lacks); a catalog whose revision is
newer than this code knows is refused, so an older Lantai never writes into it. Two processes
opening one catalog at once migrate it once: the first holds a lock (a lock file next to a
SQLite catalog, an advisory lock on PostgreSQL) while the other waits.
"""

from __future__ import annotations

import fcntl
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")
_PG_LOCK_KEY = 0x4C414E544149  # "LANTAI"


class CatalogTooNew(RuntimeError):
    """The catalog was upgraded by a newer Lantai than this one."""


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    """Every revision this code knows."""
    return {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    """The catalog's revision; None for a new catalog or one made before migrations."""
    return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with open(f"{engine.url.database}.migrate.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    elif engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({_PG_LOCK_KEY})")
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_PG_LOCK_KEY})")
                conn.commit()
    else:
        yield


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the catalog to the newest revision; returns its revision before and after.

    Raises :class:`CatalogTooNew` (and changes nothing) when the catalog's revision is one
    this code does not know.
    """
    with engine.connect() as conn:
        before = current_revision(conn)
    if before == head_revision():
        return before, before
    with _migration_lock(engine):
        with engine.begin() as conn:
            before = current_revision(conn)
            if before is not None and before not in known_revisions():
                raise CatalogTooNew(
                    f"the catalog is at schema revision {before}, which this Lantai does not know "
                    f"(its newest is {head_revision()}): it was upgraded by a newer Lantai; "
                    "run that version, or upgrade this one"
                )
            if before != head_revision():
                command.upgrade(_config(conn), "head")
    return before, head_revision()


def upgrade_catalog(url: str) -> tuple[str | None, str]:
    """:func:`upgrade` the catalog at SQLAlchemy ``url`` (``lantai db upgrade``)."""
    engine = create_engine(url)
    try:
        return upgrade(engine)
    finally:
        engine.dispose()
