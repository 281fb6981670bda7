"""Backend registry: one entry per engine, chosen by the ``backend`` setting."""

from __future__ import annotations

from collections.abc import Callable

from config import Settings
from search.base import SearchBackend


def _sqlite(settings: Settings) -> SearchBackend:
    from search.relevance import Relevance
    from search.sqlite_fts import SqliteBackend

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteBackend(
        settings.index_path,
        exact_total_limit=settings.exact_total_limit,
        facet_sample_size=settings.facet_sample_size,
        cache_size=settings.search_cache_size,
        relevance=Relevance.from_settings(settings),
        code_patterns=settings.archive_code_patterns,
    )


def _opensearch(settings: Settings) -> SearchBackend:
    from search.opensearch_backend import OpenSearchBackend

    return OpenSearchBackend(settings)


BACKENDS: dict[str, Callable[[Settings], SearchBackend]] = {"sqlite": _sqlite, "opensearch": _opensearch}


def open_backend(settings: Settings) -> SearchBackend:
    """The search backend named by ``settings.backend`` (one of ``config.BACKENDS``, which
    the settings checked)."""
    return BACKENDS[settings.backend](settings)
