"""The catalog's front door for the app and search layers (目录库查询): reads of records,
pages and files, the audit log (read, checked, appended to), the accounts, access grants,
requests (查档申请), fonds descriptions (全宗介绍), online exhibitions (网上展览),
the lexicon and the index-rebuild lock.

These are methods of :class:`catalog.store.CatalogStore` (it inherits them), so that no
module outside ``catalog/`` needs the engine, a table or a private name of the catalog.
Whether a reader may see what they return is still :func:`catalog.policy.view_of`'s
decision, taken by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine

from catalog import audit, maintenance, pages, public_views
from catalog.audit import AuditEntry
from catalog.exhibitions import ExhibitionStore
from catalog.fonds import FondsStore
from catalog.grants import GrantStore
from catalog.key_lookup import by_keys
from catalog.pages import FileState, Page
from catalog.public_views import ChangeFilter, Opening, PublicChange
from catalog.requests import RequestStore
from catalog.research import ResearchStore
from catalog.schema import records_table
from catalog.users import UserStore


@dataclass(frozen=True)
class TitledRecord:
    """What a title suggestion needs of a record: its key, title (题名) and what the access
    policy reads (archive, 开放状态, 密级)."""

    archive: str
    archive_code: str
    title: str
    access: str
    classification: str


@dataclass(frozen=True)
class RecordSummary:
    """What a list of saved records (a topic folder, a saved search) needs of a record: its
    key, a few catalog fields (题名, 日期, 类别, 责任者, 全宗号) and what the access policy reads."""

    archive: str
    archive_code: str
    title: str
    date: str
    record_type: str
    creator: str
    fonds: str
    access: str
    classification: str

    @property
    def id(self) -> str:
        """The record's id, ``archive/archive_code``."""
        return f"{self.archive}/{self.archive_code}"


class CatalogQueries:
    """Operations the layers above the catalog ask of it, over the store's engine."""

    engine: Engine

    def archives_held(self) -> set[str]:
        """Ids of the archives (馆藏单位) that hold at least one record."""
        with self.engine.connect() as conn:
            return set(conn.execute(select(records_table.c.archive).distinct()).scalars())

    def records_titled(self, titles: Iterable[str]) -> list[TitledRecord]:
        """Every record whose title (题名) is exactly one of ``titles``."""
        wanted = sorted(set(titles))
        if not wanted:
            return []
        cols = (
            records_table.c.archive,
            records_table.c.archive_code,
            records_table.c.title,
            records_table.c.access,
            records_table.c.classification,
        )
        with self.engine.connect() as conn:
            rows = conn.execute(select(*cols).where(records_table.c.title.in_(wanted))).all()
        return [TitledRecord(r.archive, r.archive_code, r.title, r.access, r.classification) for r in rows]

    def record_summaries(self, ids: Iterable[str]) -> dict[str, RecordSummary]:
        """Summaries of some records by id (``archive/archive_code``), without their text;
        missing ids are left out."""
        wanted = list(dict.fromkeys((a, c) for a, _, c in (i.partition("/") for i in ids) if c))
        cols = [records_table.c[name] for name in RecordSummary.__dataclass_fields__]
        found: dict[str, RecordSummary] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 200):
                chunk = wanted[start : start + 200]
                where, values = by_keys(records_table, chunk)
                for row in conn.execute(select(*cols).where(where), values):
                    summary = RecordSummary(*row)
                    found[summary.id] = summary
        return found

    def pages_of(self, archive: str, archive_code: str) -> list[Page]:
        """The pages (页) of a record, in page order ([] for a record without pages)."""
        return pages.pages_of(self.engine, archive, archive_code)

    def page_layouts(self, archive: str, archive_code: str, numbers: Iterable[int]) -> dict[int, str]:
        """The word boxes (版面坐标) of some pages of a record, by page number, as
        :func:`analyzers.page_boxes.layout_json` stored them (pages without them left out)."""
        return pages.page_layouts(self.engine, archive, archive_code, numbers)

    def matching_pages(
        self, record_ids: Sequence[str], term_tokens: Sequence[Sequence[str]], limit: int = 20
    ) -> dict[str, list[int]]:
        """Numbers of the pages (命中页) of some records whose search text matches a term,
        at most ``limit`` per record (see :func:`catalog.pages.matching_pages`)."""
        return pages.matching_pages(self.engine, record_ids, term_tokens, limit=limit)

    def page_files_of(self, archive: str, archive_code: str) -> list[FileState]:
        """What ingest knows of the page files (原件文件) a record's pages came from."""
        key = (archive, archive_code)
        with self.engine.connect() as conn:
            return pages.files_of_records(conn, [key]).get(key, [])

    def image_files_of(self, archive: str, archive_code: str) -> list[FileState]:
        """The scans (扫描件) a record's hOCR/ALTO files named, which ingest hashed: the page
        images of the pages read from those files."""
        with self.engine.connect() as conn:
            return pages.image_files_of(conn, archive, archive_code)

    def audit_entries(
        self,
        actor: str | None = None,
        action: str | None = None,
        subject: str | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> list[AuditEntry]:
        """Audit log (审计日志) entries newest first, optionally filtered (``subject``
        matches as a substring)."""
        return audit.entries(
            self.engine, actor=actor, action=action, subject=subject, limit=limit, offset=offset
        )

    def append_audit(self, actor: str, action: str, subject: str, detail: dict | None = None) -> AuditEntry:
        """Append one entry to the audit log (审计日志) in its own transaction, for what a
        layer above records by itself (an export: who, what, how many items)."""
        with self.engine.begin() as conn:
            return audit.append(conn, actor, action, subject, detail)

    def verify_audit(self) -> tuple[int, str | None]:
        """Check the audit log's hash chain: ``(entries checked, None)`` or ``(seq, what is
        wrong)`` (see :func:`catalog.audit.verify`)."""
        return audit.verify(self.engine)

    def users(self) -> UserStore:
        """The staff accounts (用户), their tokens and login attempts kept in this catalog."""
        return UserStore(self.engine)

    def grants(self) -> GrantStore:
        """Researchers' access grants (查阅许可): granting, revoking, listing."""
        return GrantStore(self.engine)

    def research(self) -> ResearchStore:
        """Researchers' workspaces (研究工作台): saved searches, topic folders, the outbox."""
        return ResearchStore(self.engine)

    def fonds(self) -> FondsStore:
        """Fonds descriptions (全宗介绍): importing, reading one or an archive's."""
        return FondsStore(self.engine)

    def exhibitions(self) -> ExhibitionStore:
        """Online exhibitions (网上展览): their sections, items, covers and publication."""
        return ExhibitionStore(self.engine)

    def requests(self) -> RequestStore:
        """Requests to consult records (查档申请), their timelines and attached files."""
        return RequestStore(self.engine)

    def load_lexicon(self) -> int:
        """Add every word learned into this catalog (词表) to the segmenter; returns how
        many there are."""
        from catalog import lexicon  # the segmenter's dictionary, only when asked for

        return lexicon.load(self.engine)

    def index_rebuild(self, holder: str = "reindex") -> AbstractContextManager[None]:
        """The index-rebuild lock (索引重建锁), held for a ``with`` block; raises
        :class:`catalog.maintenance.IndexRebuilding` while another rebuild holds it."""
        return maintenance.index_rebuild(self.engine, holder=holder)

    # -- the open interfaces (OAI-PMH, sitemaps, the catalogue of opened records) -------

    def public_changes(
        self, wanted: ChangeFilter, after: tuple[str, str, str] | None, limit: int
    ) -> list[PublicChange]:
        """A page of the public view's history (公开状态变更) in (datestamp, archive, 档号)
        order, after the position ``after`` (see :func:`catalog.public_views.changes`)."""
        return public_views.changes(self.engine, wanted, after, limit)

    def count_public_changes(self, wanted: ChangeFilter) -> int:
        """How many rows of the public view's history ``wanted`` selects."""
        return public_views.count_changes(self.engine, wanted)

    def public_change(self, archive: str, archive_code: str) -> PublicChange | None:
        """One record's row of the public view's history, or None if it was never public."""
        return public_views.change_of(self.engine, archive, archive_code)

    def earliest_public_change(self) -> str | None:
        """The earliest datestamp of the public view's history (None: nothing ever public)."""
        return public_views.earliest(self.engine)

    def public_groups(self) -> list[tuple[str, str, str]]:
        """Distinct (archive, 全宗号, 类别) of the records public now (the harvest sets)."""
        return public_views.public_groups(self.engine)

    def public_page(self, offset: int, limit: int) -> list[PublicChange]:
        """Records public now in (archive, 档号) order, ``limit`` from ``offset``."""
        return public_views.public_page(self.engine, offset, limit)

    def count_public(self) -> int:
        """How many records are public now."""
        return public_views.count_public(self.engine)

    def openings(self, month: str | None = None) -> list[Opening]:
        """Records whose latest decision opened them (开放档案), newest first, of one month
        (``YYYY-MM``) when given (see :func:`catalog.public_views.openings`)."""
        return public_views.openings(self.engine, month)
