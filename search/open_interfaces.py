"""What the open interfaces show (OAI-PMH, sitemaps, the catalogue of opened records,
开放档案目录): the public view of records, each decided by :func:`catalog.policy.view_of`.

:class:`OpenInterfaces` is a part of :class:`search.service.SearchService`: its methods read
the catalog's public-view history and records, and ask the service's one policy call for
every record before anything of it is shown. A record the policy hides now is reported as
deleted (to harvesters) or left out (lists), whatever the history says.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.policy import PUBLIC, Audience, Described, View
from catalog.public_views import ChangeFilter, Opening, PublicChange
from catalog.records import Record
from catalog.store import CatalogStore


@dataclass(frozen=True)
class HarvestItem:
    """One record as a harvester gets it: its key, datestamp and sets' terms, and its public
    fields (``record``, as :meth:`SearchService.record` answers the public), or None when it
    is deleted (no longer public)."""

    archive: str
    archive_code: str
    fonds: str
    record_type: str
    datestamp: str
    record: dict | None

    @property
    def id(self) -> str:
        """The record's id, ``archive/archive_code``."""
        return f"{self.archive}/{self.archive_code}"

    @property
    def deleted(self) -> bool:
        """True when the record is no longer public (OAI-PMH ``status="deleted"``)."""
        return self.record is None


@dataclass(frozen=True)
class OpenedRecord:
    """A record in the catalogue of opened records (开放档案目录): its opening decision and
    its public fields now."""

    opening: Opening
    record: dict


class OpenInterfaces:
    """The open interfaces' reads; mixed into :class:`search.service.SearchService`."""

    store: CatalogStore

    def view(self, audience: Audience, record: Described) -> View:
        """What ``audience`` may be shown of ``record`` (:meth:`SearchService.view`)."""
        raise NotImplementedError

    def _public_answer(self, record: Record, view: View) -> dict:
        """A record's fields as the public may see them (:meth:`SearchService.record`)."""
        raise NotImplementedError

    def _shown_now(self, ids: list[str]) -> dict[str, dict]:
        """The public fields of those of ``ids`` the policy shows the public now."""
        shown = {}
        for record_id, record in self.store.get_many(ids).items():
            view = self.view(PUBLIC, record)
            if view.shown:
                shown[record_id] = self._public_answer(record, view)
        return shown

    def _items(self, rows: list[PublicChange]) -> list[HarvestItem]:
        shown = self._shown_now([row.id for row in rows if row.visibility != "none"])
        return [
            HarvestItem(
                row.archive,
                row.archive_code,
                row.fonds,
                row.record_type,
                row.datestamp,
                shown.get(row.id) if row.visibility != "none" else None,
            )
            for row in rows
        ]

    def harvest(
        self, wanted: ChangeFilter, after: tuple[str, str, str] | None, limit: int
    ) -> list[HarvestItem]:
        """A page of at most ``limit`` records for a harvester, in (datestamp, archive, 档号)
        order after the position ``after``; deleted ones included."""
        return self._items(self.store.public_changes(wanted, after, limit))

    def harvest_count(self, wanted: ChangeFilter) -> int:
        """How many records (deleted ones too) a harvest of ``wanted`` lists."""
        return self.store.count_public_changes(wanted)

    def harvest_record(self, record_id: str) -> HarvestItem | None:
        """One record for a harvester (deleted when no longer public), or None when it was
        never public: exactly as for a record that does not exist."""
        archive, _, code = record_id.partition("/")
        row = self.store.public_change(archive, code) if archive and code else None
        return self._items([row])[0] if row is not None else None

    def earliest_datestamp(self) -> str | None:
        """The earliest datestamp a harvester can ask for (None: nothing was ever public)."""
        return self.store.earliest_public_change()

    def harvest_groups(self) -> list[tuple[str, str, str]]:
        """Distinct (archive, 全宗号, 类别) of the records public now (the harvest sets)."""
        return self.store.public_groups()

    def opened(self, month: str | None = None) -> list[OpenedRecord]:
        """The catalogue of opened records (开放档案目录): records whose latest decision opened
        them, newest first (of one month, ``YYYY-MM``, when given), as they are public now; a
        record closed again since is left out."""
        openings = self.store.openings(month)
        shown: dict[str, dict] = {}
        for start in range(0, len(openings), 500):
            shown.update(self._shown_now([o.id for o in openings[start : start + 500]]))
        return [OpenedRecord(o, shown[o.id]) for o in openings if o.id in shown]

    def public_count(self) -> int:
        """How many records are public now (sitemap files to list)."""
        return self.store.count_public()

    def public_pages(self, offset: int, limit: int) -> list[tuple[str, str]]:
        """Records public now as ``(id, datestamp)`` in (archive, 档号) order, ``limit`` from
        ``offset``, each one the policy shows the public (a sitemap file)."""
        rows = self.store.public_page(offset, limit)
        shown: set[str] = set()
        for start in range(0, len(rows), 500):
            ids = [row.id for row in rows[start : start + 500]]
            summaries = self.store.record_summaries(ids)
            shown.update(i for i, s in summaries.items() if self.view(PUBLIC, s).shown)
        return [(row.id, row.datestamp) for row in rows if row.id in shown]
