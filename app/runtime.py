"""Wiring: one catalog, one search backend and the services on top, from settings."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.store import CatalogStore
from config import Settings
from indexer.ingest import Ingester
from search.backends import open_backend
from search.base import SearchBackend
from search.service import SearchService


@dataclass
class Lantai:
    """Everything one installation runs on."""

    settings: Settings
    store: CatalogStore
    backend: SearchBackend
    search: SearchService
    ingester: Ingester

    def close(self) -> None:
        """Release the store and backend."""
        self.backend.close()
        self.store.close()


def open_lantai(settings: Settings) -> Lantai:
    """Open (and create when missing) the catalog and index that ``settings`` name."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = CatalogStore(settings.catalog_url)
    backend = open_backend(settings)
    return Lantai(settings=settings, store=store, backend=backend,
                  search=SearchService(settings, store, backend),
                  ingester=Ingester(store, backend))
