"""A researcher's workspace as stored (研究工作台): saved searches with the results last seen,
topic folders (专题) with their items, share links, and the outbox of digests.

This module only keeps what researchers saved, by user id; whether a saved record may be
shown now is :func:`catalog.policy.view_of`'s decision, taken by the caller
(:mod:`search.workspace`) at the moment it answers.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine

from catalog.schema import folder_items_table, folders_table, outbox_table, saved_searches_table


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class SavedSearch:
    """A saved search (保存的检索): its query, filters and the result ids last marked seen."""

    id: int
    user_id: int
    name: str
    query: str
    filters: dict
    created_at: str
    seen_at: str
    seen_ids: frozenset[str]


@dataclass(frozen=True)
class Folder:
    """A topic folder (专题) of one researcher, with its item count."""

    id: int
    user_id: int
    name: str
    description: str
    created_at: str
    share_token: str | None
    share_notes: bool
    size: int = 0


@dataclass(frozen=True)
class FolderItem:
    """One saved record in a folder: its key (archive, 档号), note, pages and excerpt (摘录)."""

    id: int
    folder_id: int
    position: int
    archive: str
    archive_code: str
    note: str
    pages: tuple[int, ...]
    excerpt: str
    added_at: str

    @property
    def record_id(self) -> str:
        """The saved record's id, ``archive/archive_code``."""
        return f"{self.archive}/{self.archive_code}"


class FolderFull(ValueError):
    """A folder already holds as many items as it may."""


def _search(row) -> SavedSearch:
    return SavedSearch(
        row.id,
        row.user_id,
        row.name,
        row.query,
        json.loads(row.filters),
        row.created_at,
        row.seen_at,
        frozenset(json.loads(row.seen_ids)),
    )


def _folder(row, size: int = 0) -> Folder:
    return Folder(
        row.id,
        row.user_id,
        row.name,
        row.description,
        row.created_at,
        row.share_token,
        bool(row.share_notes),
        size,
    )


def _item(row) -> FolderItem:
    return FolderItem(
        row.id,
        row.folder_id,
        row.position,
        row.archive,
        row.archive_code,
        row.note,
        tuple(json.loads(row.pages)),
        row.excerpt,
        row.added_at,
    )


class ResearchStore:
    """Saved searches, folders, items and the outbox, over the catalog's engine; every
    method that takes a ``user_id`` only ever touches that researcher's own rows."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- saved searches (保存的检索) -------------------------------------------------------

    def searches(self, user_id: int) -> list[SavedSearch]:
        """The saved searches of a researcher, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(saved_searches_table)
                .where(saved_searches_table.c.user_id == user_id)
                .order_by(saved_searches_table.c.id)
            ).all()
        return [_search(r) for r in rows]

    def count_searches(self, user_id: int) -> int:
        """How many searches a researcher saved."""
        return self._count(saved_searches_table, saved_searches_table.c.user_id == user_id)

    def add_search(
        self, user_id: int, name: str, query: str, filters: dict, seen: Sequence[str]
    ) -> SavedSearch:
        """Save a search with the ids of its results now (as seen)."""
        now = _now()
        with self.engine.begin() as conn:
            new_id = conn.execute(
                saved_searches_table.insert()
                .returning(saved_searches_table.c.id)
                .values(
                    user_id=user_id,
                    name=name,
                    query=query,
                    filters=json.dumps(filters, ensure_ascii=False, sort_keys=True),
                    created_at=now,
                    seen_at=now,
                    seen_ids=json.dumps(list(seen), ensure_ascii=False),
                )
            ).scalar_one()
        found = self.search(user_id, new_id)
        assert found is not None
        return found

    def search(self, user_id: int, search_id: int) -> SavedSearch | None:
        """One saved search of this researcher; None for another's or a missing one."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(saved_searches_table).where(
                    saved_searches_table.c.id == search_id, saved_searches_table.c.user_id == user_id
                )
            ).first()
        return _search(row) if row else None

    def mark_seen(self, user_id: int, search_id: int, seen: Sequence[str]) -> bool:
        """Remember ``seen`` as the results last seen; False when it is not theirs."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(saved_searches_table)
                .where(saved_searches_table.c.id == search_id, saved_searches_table.c.user_id == user_id)
                .values(seen_at=_now(), seen_ids=json.dumps(list(seen), ensure_ascii=False))
            )
        return done.rowcount > 0

    def delete_search(self, user_id: int, search_id: int) -> bool:
        """Delete a saved search; False when it is not theirs."""
        with self.engine.begin() as conn:
            done = conn.execute(
                delete(saved_searches_table).where(
                    saved_searches_table.c.id == search_id, saved_searches_table.c.user_id == user_id
                )
            )
        return done.rowcount > 0

    # -- topic folders (专题) ---------------------------------------------------------------

    def folders(self, user_id: int) -> list[Folder]:
        """The folders of a researcher with their item counts, oldest first."""
        sizes = (
            select(folder_items_table.c.folder_id, func.count().label("n"))
            .group_by(folder_items_table.c.folder_id)
            .subquery()
        )
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(folders_table, sizes.c.n)
                .outerjoin(sizes, sizes.c.folder_id == folders_table.c.id)
                .where(folders_table.c.user_id == user_id)
                .order_by(folders_table.c.id)
            ).all()
        return [_folder(r, r.n or 0) for r in rows]

    def count_folders(self, user_id: int) -> int:
        """How many folders a researcher keeps."""
        return self._count(folders_table, folders_table.c.user_id == user_id)

    def add_folder(self, user_id: int, name: str, description: str) -> Folder:
        """Make a new, empty folder."""
        with self.engine.begin() as conn:
            new_id = conn.execute(
                folders_table.insert()
                .returning(folders_table.c.id)
                .values(
                    user_id=user_id, name=name, description=description, created_at=_now(), share_notes=False
                )
            ).scalar_one()
        found = self.folder(user_id, new_id)
        assert found is not None
        return found

    def folder(self, user_id: int, folder_id: int) -> Folder | None:
        """One folder of this researcher; None for another's or a missing one."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(folders_table).where(
                    folders_table.c.id == folder_id, folders_table.c.user_id == user_id
                )
            ).first()
            size = self._count_in(conn, folder_id) if row else 0
        return _folder(row, size) if row else None

    def shared_folder(self, token: str) -> Folder | None:
        """The folder a share link (分享链接) names; None when no folder is shared so."""
        if not token:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(folders_table).where(folders_table.c.share_token == token)).first()
            size = self._count_in(conn, row.id) if row else 0
        return _folder(row, size) if row else None

    def update_folder(
        self, user_id: int, folder_id: int, name: str | None = None, description: str | None = None
    ) -> bool:
        """Rename a folder or change its description; False when it is not theirs."""
        values = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
        return self._update_folder(user_id, folder_id, values)

    def share_folder(self, user_id: int, folder_id: int, shared: bool, share_notes: bool = False) -> bool:
        """Give a folder a new share link (or take it away); False when it is not theirs."""
        token = secrets.token_urlsafe(24) if shared else None
        return self._update_folder(
            user_id, folder_id, {"share_token": token, "share_notes": shared and share_notes}
        )

    def _update_folder(self, user_id: int, folder_id: int, values: dict) -> bool:
        with self.engine.begin() as conn:
            found = conn.execute(
                select(folders_table.c.id).where(
                    folders_table.c.id == folder_id, folders_table.c.user_id == user_id
                )
            ).first()
            if found and values:
                conn.execute(update(folders_table).where(folders_table.c.id == folder_id).values(**values))
        return found is not None

    def delete_folder(self, user_id: int, folder_id: int) -> bool:
        """Delete a folder with its items; False when it is not theirs."""
        with self.engine.begin() as conn:
            done = conn.execute(
                delete(folders_table).where(
                    folders_table.c.id == folder_id, folders_table.c.user_id == user_id
                )
            )
            if done.rowcount:
                conn.execute(delete(folder_items_table).where(folder_items_table.c.folder_id == folder_id))
        return done.rowcount > 0

    # -- items of a folder ----------------------------------------------------------------

    def items(self, folder_id: int) -> list[FolderItem]:
        """The items of a folder in their order (the caller checked whose folder it is)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(folder_items_table)
                .where(folder_items_table.c.folder_id == folder_id)
                .order_by(folder_items_table.c.position, folder_items_table.c.id)
            ).all()
        return [_item(r) for r in rows]

    def add_item(
        self,
        folder_id: int,
        archive: str,
        archive_code: str,
        note: str,
        pages: Sequence[int],
        excerpt: str,
        limit: int,
    ) -> FolderItem:
        """Add a record to the end of a folder; raises :class:`FolderFull` at ``limit`` items."""
        with self.engine.begin() as conn:
            # Lock the folder's row first, so two adds at once cannot both pass the limit.
            conn.execute(update(folders_table).where(folders_table.c.id == folder_id).values(id=folder_id))
            if self._count_in(conn, folder_id) >= limit:
                raise FolderFull(f"a folder holds at most {limit} items")
            last = conn.execute(
                select(func.max(folder_items_table.c.position)).where(
                    folder_items_table.c.folder_id == folder_id
                )
            ).scalar()
            new_id = conn.execute(
                folder_items_table.insert()
                .returning(folder_items_table.c.id)
                .values(
                    folder_id=folder_id,
                    position=(last or 0) + 1,
                    archive=archive,
                    archive_code=archive_code,
                    note=note,
                    pages=json.dumps(list(pages)),
                    excerpt=excerpt,
                    added_at=_now(),
                )
            ).scalar_one()
            row = conn.execute(select(folder_items_table).where(folder_items_table.c.id == new_id)).one()
        return _item(row)

    def update_item(self, folder_id: int, item_id: int, note: str) -> bool:
        """Change an item's note; False when the folder holds no such item."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(folder_items_table)
                .where(folder_items_table.c.id == item_id, folder_items_table.c.folder_id == folder_id)
                .values(note=note)
            )
        return done.rowcount > 0

    def reorder(self, folder_id: int, item_ids: Sequence[int]) -> bool:
        """Put a folder's items in the order of ``item_ids``, which must name each of them
        once; False (and nothing changed) otherwise."""
        with self.engine.begin() as conn:
            held = set(
                conn.execute(
                    select(folder_items_table.c.id).where(folder_items_table.c.folder_id == folder_id)
                ).scalars()
            )
            if len(item_ids) != len(held) or set(item_ids) != held:
                return False
            for position, item_id in enumerate(item_ids, start=1):
                conn.execute(
                    update(folder_items_table)
                    .where(folder_items_table.c.id == item_id)
                    .values(position=position)
                )
        return True

    def delete_item(self, folder_id: int, item_id: int) -> bool:
        """Remove an item from a folder; False when the folder holds no such item."""
        with self.engine.begin() as conn:
            done = conn.execute(
                delete(folder_items_table).where(
                    folder_items_table.c.id == item_id, folder_items_table.c.folder_id == folder_id
                )
            )
        return done.rowcount > 0

    # -- outbox (待发邮件) ---------------------------------------------------------------------

    def queue_message(
        self,
        user_id: int | None,
        kind: str,
        subject: str,
        body: str,
        channel: str = "email",
        address: str | None = None,
    ) -> int:
        """Put a message (e.g. a digest of new hits, a request's news) in the outbox; returns
        its id. It goes to an account (``user_id``) or, for a recipient without one, to an
        ``address`` on a ``channel`` (``email``; ``sms`` is kept but not sent). A sender
        takes it from there (``sent_at`` stays empty until it is sent)."""
        with self.engine.begin() as conn:
            return conn.execute(
                outbox_table.insert()
                .returning(outbox_table.c.id)
                .values(
                    user_id=user_id,
                    kind=kind,
                    subject=subject,
                    body=body,
                    created_at=_now(),
                    channel=channel,
                    address=address,
                )
            ).scalar_one()

    def unsent_messages(self) -> list[dict]:
        """Messages of the outbox not sent yet, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(outbox_table).where(outbox_table.c.sent_at.is_(None)).order_by(outbox_table.c.id)
            ).all()
        return [dict(r._mapping) for r in rows]

    def mark_sent(self, ids: list[int]) -> None:
        """Note messages of the outbox as sent now."""
        if not ids:
            return
        with self.engine.begin() as conn:
            conn.execute(outbox_table.update().where(outbox_table.c.id.in_(ids)).values(sent_at=_now()))

    # -- helpers ------------------------------------------------------------------------------

    def _count(self, table, where) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table).where(where)).scalar_one()

    @staticmethod
    def _count_in(conn, folder_id: int) -> int:
        return conn.execute(
            select(func.count())
            .select_from(folder_items_table)
            .where(folder_items_table.c.folder_id == folder_id)
        ).scalar_one()
