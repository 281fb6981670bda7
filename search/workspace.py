"""A researcher's workspace (研究工作台) as it answers: saved searches with their totals and
new hits, topic folders (专题) with notes, pages and excerpts, share links.

Every answer is given through the search service at the moment it is asked, so
:func:`catalog.policy.view_of` decides on the catalog's current state: a record closed after
it was saved shows as no longer available, with its 档号 only, and counts for nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from analyzers.normalize import reading_text
from analyzers.pii import mask_personal_data
from catalog.policy import PUBLIC, Audience
from catalog.research import Folder, FolderFull, FolderItem, ResearchStore, SavedSearch
from catalog.users import User
from config import Settings
from search.params import ParamError, parse_request
from search.service import SearchService

#: Filters a saved search keeps, as the search's parameters name them.
FILTER_KEYS = ("archive", "type", "year_from", "year_to", "sort", "person", "place", "org")


class WorkspaceError(ValueError):
    """Bad input to the workspace, naming the field; answered with 400."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class NotFound(LookupError):
    """A saved search, folder, item or record that is missing, another researcher's, or not
    visible to the caller: all answer alike (404), so none can be told from another."""


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass
class Workspace:
    """The workspace service of all researchers, over the search service and the stored
    workspace (:class:`catalog.research.ResearchStore`)."""

    settings: Settings
    service: SearchService
    store: ResearchStore

    # -- input --------------------------------------------------------------------------------

    def text(self, value: Any, field: str, *, required: bool = False, long: bool = False) -> str:
        """A text field: a string within its length limit (names: ``workspace_name_length``;
        notes, descriptions, excerpts: ``workspace_note_length``)."""
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise WorkspaceError(field, "must be a string")
        value = value.strip()
        limit = self.settings.workspace_note_length if long else self.settings.workspace_name_length
        if required and not value:
            raise WorkspaceError(field, "must not be empty")
        if len(value) > limit:
            raise WorkspaceError(field, f"is longer than {limit} characters")
        return value

    def _filters(self, query: Any, filters: Any) -> tuple[str, dict[str, str]]:
        query = self.text(query, "query", long=True)
        if filters is None:
            filters = {}
        if not isinstance(filters, Mapping):
            raise WorkspaceError("filters", "must be an object")
        kept: dict[str, str] = {}
        for key, value in filters.items():
            if key not in FILTER_KEYS:
                raise WorkspaceError(f"filters.{key}", f"is not a filter; use {', '.join(FILTER_KEYS)}")
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                value = ",".join(value)
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str):
                raise WorkspaceError(f"filters.{key}", "must be a string, a number or a list of strings")
            if value.strip():
                kept[key] = value.strip()
        try:
            self.service.check_archives(parse_request({"q": query, **kept}, self.settings).archives)
        except ParamError as error:
            field = "query" if error.name == "q" else f"filters.{error.name}"
            raise WorkspaceError(field, str(error).split(": ", 1)[-1]) from None
        return query, kept

    def _run(self, saved: SavedSearch | tuple[str, dict], audience: Audience) -> tuple[int, list[str]]:
        query, filters = (saved.query, saved.filters) if isinstance(saved, SavedSearch) else saved
        try:
            request = parse_request({"q": query, **filters}, self.settings)
            return self.service.visible_ids(request, audience, self.settings.saved_search_seen_limit)
        except ParamError:  # a filter that no longer holds (its archive is gone): nothing matches
            return 0, []

    # -- saved searches (保存的检索) -----------------------------------------------------------

    def save_search(self, user: User, name: Any, query: Any, filters: Any) -> dict:
        """Save a search; its results now count as seen."""
        name = self.text(name, "name", required=True)
        query, kept = self._filters(query, filters)
        if self.store.count_searches(user.id) >= self.settings.workspace_folder_limit:
            raise WorkspaceError("name", f"at most {self.settings.workspace_folder_limit} saved searches")
        total, ids = self._run((query, kept), user.audience)
        return self._search_answer(self.store.add_search(user.id, name, query, kept, ids), total, ids)

    def searches(self, user: User) -> list[dict]:
        """A researcher's saved searches, each with ``total`` (now) and ``new_hits`` (results
        they may see now that were not among its results when last marked seen)."""
        return [self._search_answer(s, *self._run(s, user.audience)) for s in self.store.searches(user.id)]

    def saved_search(self, user: User, search_id: int) -> dict:
        """One saved search of the researcher, with its total and new hits now."""
        saved = self.store.search(user.id, search_id)
        if saved is None:
            raise NotFound
        return self._search_answer(saved, *self._run(saved, user.audience))

    def mark_seen(self, user: User, search_id: int) -> dict:
        """Mark a saved search's results now as seen (its new hits become 0)."""
        saved = self.store.search(user.id, search_id)
        if saved is None:
            raise NotFound
        total, ids = self._run(saved, user.audience)
        self.store.mark_seen(user.id, search_id, ids)
        saved = self.store.search(user.id, search_id)
        assert saved is not None
        return self._search_answer(saved, total, ids)

    def delete_search(self, user: User, search_id: int) -> None:
        """Forget a saved search."""
        if not self.store.delete_search(user.id, search_id):
            raise NotFound

    @staticmethod
    def _search_answer(saved: SavedSearch, total: int, ids: Sequence[str]) -> dict:
        params = {"q": saved.query, **saved.filters}
        return {
            "id": saved.id,
            "name": saved.name,
            "query": saved.query,
            "filters": saved.filters,
            "created_at": saved.created_at,
            "seen_at": saved.seen_at,
            "total": total,
            "new_hits": len(set(ids) - saved.seen_ids),
            "search_url": "/search?" + urlencode({k: v for k, v in params.items() if v}),
        }

    def queue_digest(self, user: User) -> int | None:
        """Put an e-mail digest (摘要通知) of the new hits of a researcher's saved searches in
        the outbox; returns its id, or None when no saved search has new hits."""
        news = [s for s in self.searches(user) if s["new_hits"]]
        if not news:
            return None
        lines = [f"{s['name']}: {s['new_hits']} new / {s['total']} ({s['search_url']})" for s in news]
        subject = f"Lantai: new records for {len(news)} saved searches"
        return self.store.queue_message(user.id, "digest", subject, "\n".join(lines))

    # -- topic folders (专题) ----------------------------------------------------------------

    def folders(self, user: User) -> list[dict]:
        """A researcher's folders: id, name, description, how many items, whether shared."""
        return [self._folder_answer(f) for f in self.store.folders(user.id)]

    def create_folder(self, user: User, name: Any, description: Any) -> dict:
        """Make a new folder."""
        name = self.text(name, "name", required=True)
        description = self.text(description, "description", long=True)
        if self.store.count_folders(user.id) >= self.settings.workspace_folder_limit:
            raise WorkspaceError("name", f"at most {self.settings.workspace_folder_limit} folders")
        return self._folder_answer(self.store.add_folder(user.id, name, description))

    def _own(self, user: User, folder_id: int) -> Folder:
        folder = self.store.folder(user.id, folder_id)
        if folder is None:
            raise NotFound
        return folder

    def folder(self, user: User, folder_id: int) -> dict:
        """A folder of the researcher with its items as visible to them now."""
        folder = self._own(user, folder_id)
        return {**self._folder_answer(folder), "items": self.items_now(folder.id, user.audience)}

    def update_folder(self, user: User, folder_id: int, name: Any = None, description: Any = None) -> dict:
        """Rename a folder or change its description (a field left None stays)."""
        self._own(user, folder_id)
        self.store.update_folder(
            user.id,
            folder_id,
            name=None if name is None else self.text(name, "name", required=True),
            description=None if description is None else self.text(description, "description", long=True),
        )
        return self.folder(user, folder_id)

    def delete_folder(self, user: User, folder_id: int) -> None:
        """Delete a folder with its items."""
        if not self.store.delete_folder(user.id, folder_id):
            raise NotFound

    def share(self, user: User, folder_id: int, shared: bool, share_notes: bool = False) -> str | None:
        """Give a folder a new read-only share link (or take it away); returns its token."""
        self._own(user, folder_id)
        self.store.share_folder(user.id, folder_id, shared, share_notes)
        return self._own(user, folder_id).share_token

    def shared(self, token: str) -> dict:
        """A shared folder as an anonymous visitor may see it now: open records only, and
        the owner's notes only when the owner chose to share them."""
        folder = self.store.shared_folder(token)
        if folder is None:
            raise NotFound
        items = [i for i in self.items_now(folder.id, PUBLIC, notes=folder.share_notes) if i["available"]]
        return {"name": folder.name, "description": folder.description, "items": items}

    @staticmethod
    def _folder_answer(folder: Folder) -> dict:
        return {
            "id": folder.id,
            "name": folder.name,
            "description": folder.description,
            "created_at": folder.created_at,
            "size": folder.size,
            "shared": folder.share_token is not None,
            "share_token": folder.share_token,
            "share_notes": folder.share_notes,
        }

    def items_now(self, folder_id: int, audience: Audience, notes: bool = True) -> list[dict]:
        """The items of a folder as ``audience`` may see them now, in order (for the folder
        page, the API, share links and exports).

        An item whose record ``audience`` may see is ``{"id", "position", "available": True,
        "record": {"id", "archive", "archive_code", "fonds", "title", "creator", "date",
        "record_type", "visibility"}, "note", "pages", "excerpt"}`` (pages and excerpt empty
        unless its text is visible now; personal data masked unless they are its own staff).
        Any other is ``{"id", "position", "available": False, "archive_code", "note"}``: no
        longer available, its 档号 only. ``note`` is "" unless ``notes``.
        """
        items = self.store.items(folder_id)
        records = self.service.store.record_summaries(i.record_id for i in items)
        answer = []
        for item in items:
            record = records.get(item.record_id)
            view = self.service.view(audience, record) if record is not None else None
            note = item.note if notes else ""
            if record is None or view is None or not view.shown:
                answer.append(
                    {
                        "id": item.id,
                        "position": item.position,
                        "available": False,
                        "archive_code": item.archive_code,
                        "note": note,
                    }
                )
                continue
            shown = mask_personal_data if view.masked else (lambda t: t)
            answer.append(
                {
                    "id": item.id,
                    "position": item.position,
                    "available": True,
                    "record": {
                        "id": record.id,
                        "archive": record.archive,
                        "archive_code": record.archive_code,
                        "fonds": record.fonds,
                        "title": record.title,
                        "creator": record.creator,
                        "date": record.date,
                        "record_type": record.record_type,
                        "visibility": view.visibility,
                    },
                    "note": note,
                    "pages": list(item.pages) if view.text else [],
                    "excerpt": shown(item.excerpt) if view.text else "",
                }
            )
        return answer

    def add_item(
        self, user: User, folder_id: int, record_id: Any, note: Any, pages: Any, excerpt: Any
    ) -> dict:
        """Add a record the researcher may see to their folder, with a note, pages and an
        excerpt (摘录), which must be text they can see on those pages (on the record's text
        when no page is given). A record missing or not visible raises :class:`NotFound`."""
        folder = self._own(user, folder_id)
        if not isinstance(record_id, str) or not record_id.strip():
            raise WorkspaceError("record_id", "must be a record id, archive/archive_code")
        note = self.text(note, "note", long=True)
        excerpt = self.text(excerpt, "excerpt", long=True)
        if pages is None:
            pages = []
        if not isinstance(pages, list) or not all(
            isinstance(p, int) and not isinstance(p, bool) for p in pages
        ):
            raise WorkspaceError("pages", "must be a list of page numbers")
        pages = list(dict.fromkeys(pages))
        readable = self.service.pages(record_id.strip(), user.audience)
        if readable is None:
            raise NotFound
        self._check_excerpt(record_id.strip(), user.audience, readable, pages, excerpt)
        if folder.size >= self.settings.folder_item_limit:
            raise WorkspaceError(
                "record_id", f"a folder holds at most {self.settings.folder_item_limit} items"
            )
        archive, _, code = record_id.strip().partition("/")
        try:
            item = self.store.add_item(
                folder.id, archive, code, note, pages, excerpt, self.settings.folder_item_limit
            )
        except FolderFull as full:
            raise WorkspaceError("record_id", str(full)) from None
        return self._item_answer(item, user.audience)

    def _check_excerpt(
        self, record_id: str, audience: Audience, readable: dict, pages: list[int], excerpt: str
    ) -> None:
        by_number = {p["number"]: p["text"] for p in readable["pages"]}
        if pages and readable["visibility"] != "full":
            raise WorkspaceError("pages", "the text of this record is not open to you")
        unknown = [p for p in pages if p not in by_number]
        if unknown:
            raise WorkspaceError("pages", f"the record has no page {unknown[0]}")
        if not excerpt:
            return
        if readable["visibility"] != "full":
            raise WorkspaceError("excerpt", "the text of this record is not open to you")
        if pages:
            texts = [by_number[p] for p in pages]
        else:
            record = self.service.record(record_id, audience) or {}
            texts = [record.get("text") or "", *by_number.values()]
        wanted = _compact(excerpt)
        for text in texts:
            if wanted in _compact(text) or wanted in _compact(reading_text(text)[0]):
                return
        where = f"page {', '.join(map(str, pages))}" if pages else "the record's text"
        raise WorkspaceError("excerpt", f"is not text you can see on {where}")

    def _item_answer(self, item: FolderItem, audience: Audience) -> dict:
        return next(i for i in self.items_now(item.folder_id, audience) if i["id"] == item.id)

    def update_item(self, user: User, folder_id: int, item_id: int, note: Any) -> dict:
        """Change the note of an item in the researcher's folder."""
        folder = self._own(user, folder_id)
        if not self.store.update_item(folder.id, item_id, self.text(note, "note", long=True)):
            raise NotFound
        return next(i for i in self.items_now(folder.id, user.audience) if i["id"] == item_id)

    def reorder(self, user: User, folder_id: int, item_ids: Any) -> dict:
        """Put the items of the researcher's folder in the order ``item_ids`` gives (each
        item once)."""
        folder = self._own(user, folder_id)
        if not isinstance(item_ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in item_ids
        ):
            raise WorkspaceError("item_ids", "must be a list of item ids")
        if not self.store.reorder(folder.id, item_ids):
            raise WorkspaceError("item_ids", "must name every item of the folder once")
        return self.folder(user, folder_id)

    def move_item(self, user: User, folder_id: int, item_id: int, step: int) -> None:
        """Move an item one place up (``step`` -1) or down (+1) in the researcher's folder."""
        folder = self._own(user, folder_id)
        ids = [i.id for i in self.store.items(folder.id)]
        if item_id not in ids:
            raise NotFound
        at = ids.index(item_id)
        to = max(0, min(len(ids) - 1, at + step))
        ids.insert(to, ids.pop(at))
        self.store.reorder(folder.id, ids)

    def delete_item(self, user: User, folder_id: int, item_id: int) -> None:
        """Remove an item from the researcher's folder."""
        folder = self._own(user, folder_id)
        if not self.store.delete_item(folder.id, item_id):
            raise NotFound
