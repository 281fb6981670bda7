"""Wiring: one catalog, one search backend and the services on top, from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from analyzers.entities import use_model
from catalog.grants import GrantError
from catalog.records import Record
from catalog.requests import ConsultRequest
from catalog.review import ReviewDesk
from catalog.store import CatalogStore
from catalog.users import UserStore
from config import Settings
from indexer.documents import index_doc
from indexer.ingest import Ingester, reindex
from search.backends import open_backend
from search.base import SearchBackend
from search.request_input import RequestInvalid
from search.requests import RequestDesk
from search.service import SearchService
from search.workspace import Workspace


@dataclass
class Lantai:
    """Everything one installation runs on."""

    settings: Settings
    store: CatalogStore
    backend: SearchBackend
    search: SearchService
    ingester: Ingester
    users: UserStore
    review: ReviewDesk
    workspace: Workspace
    requests: RequestDesk

    def decide(
        self,
        archive: str,
        archive_code: str,
        decision: str,
        reason: str,
        by: str,
        unit_opinion: str = "",
        next_review: date | None = None,
    ) -> Record:
        """Record an opening decision and make it reach search at once (see
        :meth:`catalog.review.ReviewDesk.decide_and_publish`)."""

        def publish(record: Record, entities: dict | None) -> None:
            self.backend.index([index_doc(record, entities)])

        return self.review.decide_and_publish(
            archive,
            archive_code,
            decision,
            reason,
            by,
            publish,
            unit_opinion=unit_opinion,
            next_review=next_review,
        )

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild the index from the catalog (重建索引) under the rebuild lock, so no decision
        lands in the old index only; returns the number of records indexed.
        ``progress(done, total)`` follows it."""
        with self.store.index_rebuild():
            return reindex(self.store, self.backend, progress=progress)

    def close(self) -> None:
        """Release the store and backend."""
        self.backend.close()
        self.store.close()


def open_lantai(settings: Settings) -> Lantai:
    """Open (and create when missing) the catalog and index that ``settings`` name."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    use_model(Path(settings.entity_model).expanduser() if settings.entity_model else None)
    store = CatalogStore(settings.catalog_url)
    store.load_lexicon()
    backend = open_backend(settings)
    service = SearchService(settings, store, backend)
    return Lantai(
        settings=settings,
        store=store,
        backend=backend,
        search=service,
        ingester=Ingester(store, backend, entities=settings.ingest_entities),
        users=store.users(),
        review=ReviewDesk(store, settings),
        workspace=Workspace(settings, service, store.research()),
        requests=RequestDesk(
            settings, service, store.requests(), store.research(), grant=request_grants(store)
        ),
    )


def request_grants(store: CatalogStore) -> Callable[[ConsultRequest, str, date], None]:
    """What answering a 查档申请 with ``grant_until`` does (查阅许可): grant the signed-in
    researcher who filed it the full text of the records it names, until that date, by the
    answering staff account; anything the grant refuses answers on ``grant_until``."""

    def grant(request: ConsultRequest, actor: str, until: date) -> None:
        requester = next((u for u in store.users().list() if u.id == request.user_id), None)
        if requester is None or not request.records:
            raise RequestInvalid({"grant_until": "the request names no records of a signed-in researcher"})
        try:
            store.grants().grant(
                requester.name,
                list(request.records),
                until,
                f"查档申请 {request.reference}: {request.purpose}",
                actor,
                request_reference=request.reference,
            )
        except GrantError as exc:
            raise RequestInvalid({"grant_until": str(exc)}) from exc

    return grant
