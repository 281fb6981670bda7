"""The search service: parses requests, asks the backend with the caller's scope, renders JSON.

Views, the API and the CLI all come through here; none of them touches an engine.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from analyzers.archive_code import code_parts
from analyzers.highlight import highlight
from analyzers.normalize import normalize
from analyzers.pii import mask_personal_data
from analyzers.query import Near, positive_terms, proximities
from catalog import policy
from catalog.policy import Audience, View, scope_for
from catalog.records import Record
from catalog.review import QueueItem, ReviewDesk
from catalog.store import CatalogStore
from config import Settings
from search.base import FACETS, SORTS, SearchBackend, SearchRequest
from search.open_interfaces import OpenInterfaces
from search.pages import hit_pages
from search.params import MAX_PAGE, MAX_QUERY_LENGTH, ParamError
from search.record_pages import RecordPages

#: Hits the index showed but the catalog now hides are logged here, to be reindexed.
stale_log = logging.getLogger("lantai.stale_index")


@dataclass
class SearchService(RecordPages, OpenInterfaces):
    """Audience-aware search, record lookup and suggestions over one catalog and one index.

    Every reader-side answer is decided here by :func:`catalog.policy.view_of`, record by
    record, on the catalog's current state: the index only narrows the candidates.

    A researcher's access grants (查阅许可) open records to :meth:`record`, :meth:`reading`,
    :meth:`pages` and the workspace (folder items, exports), not to search: a search answer
    (hits, snippets, totals, facets, suggestions, entity pages) is for a researcher exactly
    the public's, whatever they were granted.
    """

    settings: Settings
    store: CatalogStore
    backend: SearchBackend

    def view(self, audience: Audience, record: policy.Described) -> View:
        """What ``audience`` may be shown of ``record`` (the one policy call)."""
        return policy.view_of(audience, record)

    def known_archives(self) -> list[str]:
        """Ids of the holding archives (馆藏单位): those with records, and those named in
        the ``archive_names`` setting."""
        return sorted(self.store.archives_held() | set(self.settings.archive_names))

    def check_archives(self, archives: Sequence[str]) -> None:
        """Raise :class:`ParamError` (400) for an ``archive`` parameter naming no known archive."""
        if not archives:
            return
        known = self.known_archives()
        for archive in archives:
            if archive not in known:
                raise ParamError(
                    "archive", f"{archive!r} is not an archive id; known: {', '.join(known) or 'none yet'}"
                )

    def search(self, request: SearchRequest, audience: Audience) -> dict:
        """Search JSON as DESIGN.md fixes it (``query, total, page, size, hits, facets``).

        The hits of the page are checked against the catalog (:func:`catalog.policy.view_of`)
        before they are shown: one the catalog now hides (the index is stale: a write failed
        or lags), or one matched on a text the caller may no longer read, is left out,
        counted out of the total and logged for reindexing.
        """
        return self._search(request, audience)[0]

    def _search(
        self, request: SearchRequest, audience: Audience
    ) -> tuple[dict, dict[str, Record], dict[str, View]]:
        """:meth:`search`'s answer, with the catalog records of its hits and their views."""
        self.check_archives(request.archives)
        scope = scope_for(audience)
        result = self.backend.search(request, scope)
        records = self.store.get_many(h.id for h in result.hits)
        views = {i: self.view(audience, r) for i, r in records.items()}
        # Hidden now, or matched on a text the caller may no longer read: stale either way.
        stale = [
            h.id
            for h in result.hits
            if h.id not in views or not views[h.id].shown or (h.visibility == "full" and not views[h.id].text)
        ]
        if stale:
            stale_log.warning("index shows what the catalog hides; reindex: %s", ", ".join(stale))
        terms = positive_terms(request.query)
        near = proximities(request.query)
        # Pages where the terms are, for hits whose text this audience may see (display only).
        matched = hit_pages(
            self.store,
            [h.id for h in result.hits if h.visibility == "full" and h.id in views and views[h.id].text],
            terms,
        )
        hits = []
        for hit in result.hits:
            if hit.id in stale:
                continue
            record, view = records[hit.id], views[hit.id]
            hit_json = {
                "id": record.id,
                "archive": record.archive,
                "archive_code": record.archive_code,
                "title": record.title,
                "date": record.date,
                "record_type": record.record_type,
                "visibility": hit.visibility,
                "snippet": self._snippet(record, hit.visibility, terms, view.own, near),
                "pages": matched.get(hit.id, []) if hit.visibility == "full" else [],
                "score": hit.score,
            }
            if view.own:
                hit_json.update(access=record.access, classification=record.classification)
            hits.append(hit_json)
        facets = {name: result.facets.get(name, {}) for name in FACETS}
        answer = {
            "query": request.raw_query,
            "total": max(0, result.total - len(stale)),
            "total_is_exact": result.total_is_exact,
            "facets_sampled": result.facets_sampled,
            "page": request.page,
            "size": request.size,
            "hits": hits,
            "facets": facets,
        }
        return answer, records, views

    def export(self, request: SearchRequest, audience: Audience, limit: int) -> dict:
        """The first ``limit`` results of ``request`` for an export (检索结果导出), decided
        record by record exactly as :meth:`search` decides them (its page and size are not
        used): ``{"query", "total", "total_is_exact", "hits"}``, each hit as in
        :meth:`search` plus its ``"creator"`` (责任者, for the citation). A hit whose text
        the caller may not read (目录开放) has no ``snippet`` and no ``pages``: catalog
        fields only.
        """
        plain = replace(request, page=1, size=limit, with_facets=False)
        answer, records, views = self._search(plain, audience)
        for hit in answer["hits"]:
            hit["creator"] = records[hit["id"]].creator
            if hit["visibility"] != "full" or not views[hit["id"]].text:
                hit.update(snippet="", pages=[])
        return {key: answer[key] for key in ("query", "total", "total_is_exact", "hits")}

    def visible_ids(self, request: SearchRequest, audience: Audience, limit: int) -> tuple[int, list[str]]:
        """The total of a search as :meth:`search` counts it, and the ids of its best-ranked
        ``limit`` results ``audience`` may see now, each checked against the catalog by
        :func:`catalog.policy.view_of` (for a saved search's new hits)."""
        self.check_archives(request.archives)
        result = self.backend.search(
            replace(request, page=1, size=limit, with_facets=False), scope_for(audience)
        )
        records = self.store.record_summaries(h.id for h in result.hits)
        shown = []
        for hit in result.hits:
            record = records.get(hit.id)
            view = self.view(audience, record) if record is not None else None
            if view is not None and view.shown and (hit.visibility != "full" or view.text):
                shown.append(hit.id)
        return max(0, result.total - (len(result.hits) - len(shown))), shown

    def _snippet(
        self, record: Record, visibility: str, terms: list[str], unmasked: bool, near: Sequence[Near] = ()
    ) -> str:
        length = self.settings.snippet_length
        text = record.text if visibility == "full" and record.text else record.description
        if not text:
            return ""
        return highlight(text if unmasked else mask_personal_data(text), terms, length=length, near=near)

    def _visible(self, record_id: str, audience: Audience) -> tuple[Record, View] | None:
        """The record and what ``audience`` may see of it; None when missing or closed."""
        archive, _, code = record_id.partition("/")
        record = self.store.get(archive, code) if archive and code else None
        if record is None:
            return None
        view = self.view(audience, record)
        return (record, view) if view.shown else None

    def record(self, record_id: str, audience: Audience) -> dict | None:
        """A record as ``audience`` may see it, or None when it is missing or closed to them."""
        found = self._visible(record_id, audience)
        return None if found is None else self._record_answer(*found, audience)

    def _public_answer(self, record: Record, view: View) -> dict:
        return self._record_answer(record, view, policy.PUBLIC)

    def _record_answer(self, record: Record, view: View, audience: Audience) -> dict:
        own = view.own
        shown = mask_personal_data if view.masked else (lambda text: text)
        parts = code_parts(
            record.archive, record.archive_code, self.settings.archive_code_patterns, fonds=record.fonds
        )
        data = {
            "id": record.id,
            "archive": record.archive,
            "archive_code": record.archive_code,
            "fonds": record.fonds,
            # The 档号's parts by the archive's pattern (全宗号, 目录号/类别, 案卷号/件号).
            "code_parts": {"fonds": parts.fonds, "series": parts.series, "file": parts.file},
            "title": record.title,
            "creator": record.creator,
            "date": record.date,
            "record_type": record.record_type,
            "category": record.category,
            "retention": record.retention,
            "subjects": list(record.subjects),
            "description": shown(record.description),
            "visibility": view.visibility,
            "text": shown(record.text) if view.text else None,
        }
        if own:
            data.update(access=record.access, classification=record.classification)
        return data

    def staff_record(self, record_id: str, audience: Audience) -> tuple[Record, View] | None:
        """A record and what ``audience`` may see of it, for the staff record page (which
        shows the full text and status when ``view.own``); None when missing or closed."""
        return self._visible(record_id, audience)

    def status(
        self, archive: str, codes: Sequence[str], audience: Audience, today: date | None = None
    ) -> list[dict]:
        """Disclosure status (开放状态) of each 档号 as ``audience`` may learn it: in full for
        the record's own staff; that it exists and needs clearance for staff of its
        archive without clearance; as not found for anyone else (see
        :meth:`catalog.review.ReviewDesk.status`)."""
        return self._desk().status(
            archive, list(codes), today, view=lambda record: self.view(audience, record)
        )

    def queue(self, audience: Audience, today: date | None = None, **filters) -> list[QueueItem]:
        """The review queue (待审队列) of ``audience``: due records of the archives they
        serve, classified ones only with clearance; ``filters`` as
        :meth:`catalog.review.ReviewDesk.queue` takes them."""
        if not audience.is_staff:
            return []
        items = self._desk().queue(
            today=today,
            archives=None if audience.all_archives else audience.archives,
            clearance=audience.clearance,
            **filters,
        )
        return [item for item in items if self.view(audience, item.record).own]

    def _desk(self) -> ReviewDesk:
        return ReviewDesk(self.store, self.settings)

    def suggest(self, prefix: str, audience: Audience, size: int = 8) -> list[str]:
        """Title suggestions from records visible to ``audience`` only: the index proposes,
        and a title stays when the catalog holds a record of that title the policy shows."""
        prefix = normalize(prefix[:MAX_QUERY_LENGTH]).text.strip()
        titles = self.backend.suggest(prefix, scope_for(audience), size) if prefix else []
        if not titles:
            return []
        shown: set[str] = set()
        for row in self.store.records_titled(titles):
            if row.title not in shown and self.view(audience, row).shown:
                shown.add(row.title)
        dropped = [t for t in titles if t not in shown]
        if dropped:
            stale_log.warning("index suggests titles the catalog hides; reindex: %s", ", ".join(dropped))
        return [t for t in titles if t in shown]

    def entity(
        self,
        kind: str,
        name: str,
        audience: Audience,
        page: int = 1,
        size: int | None = None,
        sort: str = "date",
    ) -> dict | None:
        """Records visible to ``audience`` that mention an entity, for an entity page.

        ``kind`` is ``person``, ``place`` or ``org``. Answers ``{"kind", "name", "first_year",
        "last_year", "result"}`` (``result`` is the search JSON of :meth:`search`), or None
        when no visible record mentions it, exactly as for an entity nobody knows.
        """
        name = normalize(name[:MAX_QUERY_LENGTH]).text.strip()
        if kind not in ("person", "place", "org") or not name or sort not in SORTS:
            return None
        request = SearchRequest(
            query=None,
            page=max(1, min(page, MAX_PAGE)),
            size=size or self.settings.page_size,
            entities=((kind, name),),
            sort=sort,
        )
        result = self.search(request, audience)
        if not result["total"]:
            return None
        years = []
        for order in ("date", "date_desc"):
            edge = self.search(replace(request, page=1, size=1, sort=order, with_facets=False), audience)
            years.append(next((int(h["date"][:4]) for h in edge["hits"] if h["date"][:4].isdigit()), None))
        return {"kind": kind, "name": name, "first_year": years[0], "last_year": years[1], "result": result}
