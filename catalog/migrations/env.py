"""Alembic's entry point for the catalog's migrations; run through :mod:`catalog.migrate`,
which hands over an open connection (``config.attributes["connection"]``)."""

from __future__ import annotations

from alembic import context

from catalog.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite"
)
with context.begin_transaction():
    context.run_migrations()
