"""Requests to consult records (查档申请) as stored: the request with the requester's name and
contact, the records it names, its timeline (received, replies, answered, declined,
forwarded) and the files staff attach (档案证明 scans, kept in the catalog so that every node
of a multi-node installation serves them and a purge removes them in one transaction).

This module only keeps requests; who may see one, and what of the records it names, is
decided by the caller (:mod:`search.requests`). Every change is audited in its own
transaction, with the requester's name and contact masked (:func:`mask_name`,
:func:`mask_contact`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine

from catalog import audit, request_privacy
from catalog.request_privacy import mask_contact, mask_name, now_iso
from catalog.schema import (
    attempts_table,
    request_events_table,
    request_files_table,
    request_records_table,
    requests_table,
)

STATUSES = ("received", "in_progress", "answered", "declined", "forwarded")
#: Statuses of a request staff still have to answer (未办结).
OPEN_STATUSES = ("received", "in_progress", "forwarded")
_REFERENCE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewRequest:
    """What a filed request holds: requester (name, contact), 利用目的, kind, the records
    named (``archive/档号``), description, delivery, source (网上/电话/信函/到馆) and the
    archive it is addressed to."""

    name: str
    contact: str
    purpose: str
    kind: str
    records: tuple[str, ...]
    description: str
    delivery: str
    source: str
    archive: str
    user_id: int | None = None
    entered_by: str | None = None


@dataclass(frozen=True)
class ConsultRequest:
    """A stored request (查档申请) with the ids of the records it names."""

    id: int
    reference: str
    archive: str
    status: str
    kind: str
    source: str
    delivery: str
    name: str
    contact: str
    purpose: str
    description: str
    user_id: int | None
    entered_by: str | None
    created_at: str
    due_on: str
    closed_at: str | None
    purged_at: str | None
    records: tuple[str, ...] = ()

    def overdue(self, today: date) -> bool:
        """True when the request is still open after its answer-by date (逾期)."""
        return self.status in OPEN_STATUSES and self.due_on < today.isoformat()


@dataclass(frozen=True)
class RequestFile:
    """A file staff attached to a request (e.g. a 档案证明 scan), without its bytes."""

    id: int
    event_id: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class RequestEvent:
    """One step of a request's timeline: who did what, in which archive, with what text,
    the rule cited (for a decline) and the files attached."""

    id: int
    at: str
    kind: str
    actor: str
    archive: str
    text: str
    rule: str
    files: tuple[RequestFile, ...] = ()


class RequestStore:
    """Requests, their records, timeline and files, over the catalog's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def file(self, new: NewRequest, due_on: date, now: datetime | None = None) -> tuple[ConsultRequest, str]:
        """Store a new request (``received``) and its first event; answers it with its check
        code (查询码), which is kept only as a hash."""
        at = now_iso(now)
        code = secrets.token_urlsafe(9)
        actor = new.entered_by or "public"
        with self.engine.begin() as conn:
            for _attempt in range(20):
                reference = at[:4] + "-" + "".join(secrets.choice(_REFERENCE_LETTERS) for _ in range(8))
                taken = conn.execute(
                    select(requests_table.c.id).where(requests_table.c.reference == reference)
                ).first()
                if not taken:
                    break
            request_id = conn.execute(
                requests_table.insert()
                .returning(requests_table.c.id)
                .values(
                    reference=reference,
                    code_hash=_hash(code),
                    archive=new.archive,
                    status="received",
                    kind=new.kind,
                    source=new.source,
                    delivery=new.delivery,
                    name=new.name,
                    contact=new.contact,
                    purpose=new.purpose,
                    description=new.description,
                    user_id=new.user_id,
                    entered_by=new.entered_by,
                    created_at=at,
                    due_on=due_on.isoformat(),
                )
            ).scalar_one()
            for record_id in new.records:
                archive, _, code_of_record = record_id.partition("/")
                conn.execute(
                    request_records_table.insert().values(
                        request_id=request_id, archive=archive, archive_code=code_of_record
                    )
                )
            self._event(conn, request_id, "received", actor, new.archive, "", "", at)
            audit.append(
                conn,
                actor,
                "request.file",
                f"request/{reference}",
                {
                    "name": mask_name(new.name),
                    "contact": mask_contact(new.contact),
                    "archive": new.archive,
                    "kind": new.kind,
                    "source": new.source,
                    "records": len(new.records),
                },
            )
        found = self.get(reference)
        assert found is not None
        return found, code

    def get(self, reference: str) -> ConsultRequest | None:
        """The request of a reference (受理编号), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(requests_table).where(requests_table.c.reference == reference)).first()
            return self._request(conn, row) if row else None

    def checked(self, reference: str, code: str) -> ConsultRequest | None:
        """The request when ``code`` is its check code (查询码); None for a wrong code and
        an unknown reference alike."""
        stored = self._code_hash(reference) or ""
        matches = hmac.compare_digest(_hash(code), stored)  # compared even when unknown: same time
        found = self.get(reference) if matches else None
        return found if found and found.purged_at is None else None

    def _code_hash(self, reference: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(requests_table.c.code_hash).where(requests_table.c.reference == reference)
            ).scalar()

    def listing(
        self,
        archives: frozenset[str] | None,
        status: str | None = None,
        kind: str | None = None,
        source: str | None = None,
        overdue_on: date | None = None,
    ) -> list[ConsultRequest]:
        """Requests addressed to ``archives`` (None: every archive), newest first, filtered;
        ``overdue_on`` keeps the open ones whose answer-by date is before that day."""
        query = select(requests_table).order_by(requests_table.c.id.desc())
        if archives is not None:
            query = query.where(requests_table.c.archive.in_(sorted(archives)))
        for column, value in (("status", status), ("kind", kind), ("source", source)):
            if value:
                query = query.where(requests_table.c[column] == value)
        if overdue_on is not None:
            query = query.where(
                requests_table.c.status.in_(OPEN_STATUSES), requests_table.c.due_on < overdue_on.isoformat()
            )
        with self.engine.connect() as conn:
            return self._requests(conn, conn.execute(query).all())

    def events(self, request_id: int) -> list[RequestEvent]:
        """The timeline of a request, oldest first, each event with its files."""
        with self.engine.connect() as conn:
            files: dict[int, list[RequestFile]] = {}
            for f in conn.execute(
                select(
                    request_files_table.c.id,
                    request_files_table.c.event_id,
                    request_files_table.c.filename,
                    request_files_table.c.content_type,
                    func.length(request_files_table.c.data).label("size"),
                ).where(request_files_table.c.request_id == request_id)
            ):
                files.setdefault(f.event_id, []).append(RequestFile(*f))
            rows = conn.execute(
                select(request_events_table)
                .where(request_events_table.c.request_id == request_id)
                .order_by(request_events_table.c.id)
            ).all()
        return [
            RequestEvent(r.id, r.at, r.kind, r.actor, r.archive, r.text, r.rule, tuple(files.get(r.id, ())))
            for r in rows
        ]

    def add_event(
        self,
        request: ConsultRequest,
        kind: str,
        actor: str,
        text: str = "",
        rule: str = "",
        status: str | None = None,
        archive: str | None = None,
        files: Sequence[tuple[str, str, bytes]] = (),
    ) -> RequestEvent:
        """Add a step by staff to a request's timeline: its text, the rule cited, files
        (``(filename, content type, bytes)``); ``status`` and ``archive`` (a forward) change
        the request. Audited in the same transaction."""
        at = now_iso()
        target = archive or request.archive
        with self.engine.begin() as conn:
            event_id = self._event(conn, request.id, kind, actor, target, text, rule, at)
            for filename, content_type, data in files:
                conn.execute(
                    request_files_table.insert().values(
                        request_id=request.id,
                        event_id=event_id,
                        filename=filename,
                        content_type=content_type,
                        data=data,
                    )
                )
            values: dict = {"archive": target}
            if status:
                values["status"] = status
                values["closed_at"] = at if status in ("answered", "declined") else None
            conn.execute(update(requests_table).where(requests_table.c.id == request.id).values(**values))
            audit.append(
                conn,
                actor,
                f"request.{kind}",
                f"request/{request.reference}",
                {
                    "from_archive": request.archive,
                    "archive": target,
                    "status": status or request.status,
                    "rule": rule,
                    "files": [name for name, _type, _data in files],
                    "name": mask_name(request.name),
                    "contact": mask_contact(request.contact),
                },
            )
        return next(e for e in self.events(request.id) if e.id == event_id)

    def file_data(self, request_id: int, file_id: int) -> tuple[str, str, bytes] | None:
        """Name, content type and bytes of one file of a request, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    request_files_table.c.filename,
                    request_files_table.c.content_type,
                    request_files_table.c.data,
                ).where(request_files_table.c.id == file_id, request_files_table.c.request_id == request_id)
            ).first()
        return (row.filename, row.content_type, bytes(row.data)) if row else None

    def note_filing(self, key: str) -> None:
        """Remember one filing from ``key`` (an address), for the rate limit."""
        with self.engine.begin() as conn:
            conn.execute(attempts_table.insert().values(key=f"request|{key}", at=time.time()))

    def filings_since(self, key: str, window: float) -> int:
        """How many requests ``key`` filed in the last ``window`` seconds."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count())
                .select_from(attempts_table)
                .where(attempts_table.c.key == f"request|{key}", attempts_table.c.at > time.time() - window)
            ).scalar_one()

    def purge(self, before: datetime, actor: str = "cli") -> int:
        """Remove the personal data of requests closed (or filed and never closed) before
        ``before``, keeping the requests for the counts (see :func:`catalog.request_privacy.purge`)."""
        return request_privacy.purge(self.engine, before, actor)

    def for_year(self, year: int) -> list[tuple[ConsultRequest, int]]:
        """Requests filed in ``year`` with how many records each names (for the figures)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(requests_table)
                .where(requests_table.c.created_at.like(f"{year:04d}-%"))
                .order_by(requests_table.c.id)
            ).all()
            found = self._requests(conn, rows)
        return [(r, len(r.records)) for r in found]

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _event(
        conn: Connection, request_id: int, kind: str, actor: str, archive: str, text: str, rule: str, at: str
    ) -> int:
        return conn.execute(
            request_events_table.insert()
            .returning(request_events_table.c.id)
            .values(
                request_id=request_id, at=at, kind=kind, actor=actor, archive=archive, text=text, rule=rule
            )
        ).scalar_one()

    @staticmethod
    def _request(conn: Connection, row) -> ConsultRequest:
        return RequestStore._requests(conn, [row])[0]

    @staticmethod
    def _requests(conn: Connection, rows: Sequence[Any]) -> list[ConsultRequest]:
        """Requests of ``rows``, each with the records it names: one query per 500 requests."""
        named: dict[int, list[str]] = {row.id: [] for row in rows}
        ids = list(named)
        for start in range(0, len(ids), 500):
            for request_id, archive, code in conn.execute(
                select(
                    request_records_table.c.request_id,
                    request_records_table.c.archive,
                    request_records_table.c.archive_code,
                )
                .where(request_records_table.c.request_id.in_(ids[start : start + 500]))
                .order_by(request_records_table.c.id)
            ):
                named[request_id].append(f"{archive}/{code}")
        names = [name for name in ConsultRequest.__dataclass_fields__ if name != "records"]
        return [
            ConsultRequest(**{name: getattr(row, name) for name in names}, records=tuple(named[row.id]))
            for row in rows
        ]
