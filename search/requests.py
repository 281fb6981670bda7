"""Requests to consult records (查档申请) as they are filed, followed and answered.

Anyone files a request (:meth:`RequestDesk.file`); the records it names must be ones the
filer may see, decided by :func:`catalog.policy.view_of` through the search service, so a
closed 档号 is refused exactly like an unknown one. The requester follows it with its
reference and check code (:meth:`RequestDesk.follow`), which shows a named record's title
only while the public may see it. Staff of the archive the request is addressed to (and
admins) list, read and answer it (:meth:`RequestDesk.answer`); staff of any other archive
never learn it exists. Each step puts a message for the requester in the outbox.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from catalog.policy import PUBLIC, Audience
from catalog.requests import ConsultRequest, NewRequest, RequestEvent, RequestStore
from catalog.research import ResearchStore
from config import Settings
from search.request_input import (
    DELIVERIES,
    KINDS,
    LIMITS,
    MAX_RECORDS,
    SOURCES,
    Honeypot,
    RequestInvalid,
    TooManyRequests,
    choice_field,
    contact_field,
    text_field,
)
from search.service import SearchService

#: What staff may do with a request (答复): each one step of its timeline.
ACTIONS = {
    "start": ("in_progress", "in_progress"),
    "reply": ("reply", None),
    "answer": ("answered", "answered"),
    "decline": ("declined", "declined"),
    "forward": ("forwarded", "forwarded"),
}


@dataclass(frozen=True)
class Attachment:
    """A file staff attach to a step (e.g. a 档案证明 scan): name, content type, bytes."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Answer:
    """One step staff take on a request (答复): ``action`` (start, reply, answer, decline,
    forward), its text, the rule a decline cites, the archive a forward goes to, files, and
    ``grant_until`` for a grant of access to a signed-in researcher (see :attr:`RequestDesk.grant`)."""

    action: str
    text: str = ""
    rule: str = ""
    to_archive: str = ""
    files: tuple[Attachment, ...] = ()
    grant_until: date | None = None


@dataclass
class RequestDesk:
    """The request service (查档申请) over the search service (for the access policy), the
    stored requests and the outbox."""

    settings: Settings
    service: SearchService
    store: RequestStore
    outbox: ResearchStore
    #: Called as ``grant(request, actor, grant_until)`` when staff answer with a grant of
    #: access (:func:`app.runtime.request_grants`); None: grants refused.
    grant: Callable[[ConsultRequest, str, date], None] | None = field(default=None)

    # -- filing (提交申请) ----------------------------------------------------------------------

    def checked(self, payload: Mapping[str, Any], audience: Audience) -> NewRequest:
        """A request from its JSON or form fields, as ``audience`` may file it; raises
        :class:`RequestInvalid` naming every bad field."""
        errors: dict[str, str] = {}
        name = text_field(payload, "name", errors, required=True)
        contact = contact_field(text_field(payload, "contact", errors, required=True), errors)
        purpose = text_field(payload, "purpose", errors, required=True)
        description = text_field(payload, "description", errors)
        kind = choice_field(payload, "kind", KINDS, errors, "other")
        delivery = choice_field(payload, "delivery", DELIVERIES, errors, "visit")
        source = choice_field(payload, "source", SOURCES, errors, "web")
        if source != "web" and not audience.is_staff:
            errors["source"] = "only staff enter requests on behalf of a person"
        records = self._records(payload.get("records"), audience, errors)
        named = any(k.startswith("records") for k in errors)
        archive = "" if named else self._archive(payload.get("archive"), records, errors)
        if not records and not named and not description and "description" not in errors:
            errors["description"] = "required when no records are named"
        if errors:
            raise RequestInvalid(errors)
        return NewRequest(name, contact, purpose, kind, records, description, delivery, source, archive)

    def _records(self, raw: Any, audience: Audience, errors: dict[str, str]) -> tuple[str, ...]:
        if raw in (None, "", []):
            return ()
        if isinstance(raw, str):
            raw = raw.split()
        if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
            errors["records"] = "must be a list of record ids (archive/档号)"
            return ()
        if len(raw) > MAX_RECORDS:
            errors["records"] = f"at most {MAX_RECORDS} records"
            return ()
        found: list[str] = []
        for number, wanted in enumerate(raw):
            record_id = self._visible_id(wanted.strip(), audience)
            if record_id is None:  # unknown and closed alike: no oracle
                errors[f"records[{number}]"] = f"no record {wanted.strip()!r} can be requested"
            elif record_id not in found:
                found.append(record_id)
        return tuple(found)

    def _visible_id(self, wanted: str, audience: Audience) -> str | None:
        """The id of the record ``wanted`` names (``archive/档号``, or a bare 档号 held by
        some archive) when ``audience`` may see it; None otherwise."""
        candidates = (
            [wanted]
            if "/" in wanted
            else [f"{a}/{wanted}" for a in self.service.store.archives_of_code(wanted)]
        )
        for record_id in candidates:
            if self.service.staff_record(record_id, audience) is not None:
                return record_id
        return None

    def _archive(self, raw: Any, records: tuple[str, ...], errors: dict[str, str]) -> str:
        if records:
            return records[0].split("/", 1)[0]
        known = self.service.known_archives()
        if raw in (None, "") and len(known) == 1:
            return known[0]
        if raw not in known:
            errors["archive"] = f"{raw!r} is not an archive id; known: {', '.join(known) or 'none yet'}"
            return ""
        return raw

    def file(
        self,
        payload: Mapping[str, Any],
        audience: Audience,
        address: str,
        user_id: int | None = None,
        entered_by: str | None = None,
        now: datetime | None = None,
    ) -> tuple[ConsultRequest, str]:
        """File a request from ``address``; answers it with its check code. Raises
        :class:`Honeypot` (after counting it), :class:`TooManyRequests` past the hourly
        limit (staff are not limited) or :class:`RequestInvalid`."""
        if not audience.is_staff:
            if self.store.filings_since(address, 3600) >= self.settings.request_rate_limit:
                raise TooManyRequests(address)
            if payload.get("website"):
                self.store.note_filing(address)
                raise Honeypot("website")
        new = self.checked(payload, audience)
        if not audience.is_staff:  # counted once valid: a mistyped field costs a person nothing
            self.store.note_filing(address)
        new = NewRequest(**{**new.__dict__, "user_id": user_id, "entered_by": entered_by})
        filed_at = now or datetime.now(UTC)
        due = filed_at.date() + timedelta(days=self.settings.request_answer_days)
        request, code = self.store.file(new, due, now=filed_at)
        self._notify(
            request,
            "received",
            f"您的查档申请已受理，受理编号 {request.reference}，查询码 {code}。"
            f"答复期限：{request.due_on}。请凭受理编号和查询码查看办理进度：/requests/{request.reference}",
        )
        return request, code

    # -- following (查询进度) ------------------------------------------------------------------

    def follow(self, reference: str, code: str) -> dict | None:
        """What the requester sees of their request: status, answer-by date, the records named
        (a title only while the public may see the record) and the timeline with the staff's
        replies; None for an unknown reference and a wrong code alike."""
        request = self.store.checked(reference, code) if reference and code else None
        if request is None:
            return None
        answer = self._summary(request, PUBLIC)
        answer["timeline"] = [self._event(e, staff=False) for e in self.store.events(request.id)]
        return answer

    def requester_file(self, reference: str, code: str, file_id: int) -> tuple[str, str, bytes] | None:
        """A file staff attached, for the requester with the right code; None otherwise."""
        request = self.store.checked(reference, code) if reference and code else None
        return None if request is None else self.store.file_data(request.id, file_id)

    # -- staff (办理) ---------------------------------------------------------------------------

    @staticmethod
    def serves(audience: Audience, request: ConsultRequest) -> bool:
        """True when ``audience`` is staff of the archive the request is addressed to, or an
        admin of every archive: they see it, its requester's name and contact included."""
        return audience.is_staff and (audience.all_archives or request.archive in audience.archives)

    def listing(self, audience: Audience, today: date | None = None, **filters: Any) -> list[dict]:
        """The requests addressed to ``audience``'s archives, newest first; ``filters``:
        archive, status, kind, source, overdue (True)."""
        if not audience.is_staff:
            return []
        today = today or date.today()
        archives = None if audience.all_archives else frozenset(audience.archives)
        if filters.get("archive"):
            wanted = filters["archive"]
            archives = frozenset({wanted}) if archives is None or wanted in archives else frozenset()
        found = self.store.listing(
            archives,
            status=filters.get("status") or None,
            kind=filters.get("kind") or None,
            source=filters.get("source") or None,
            overdue_on=today if filters.get("overdue") else None,
        )
        return [self._staff_summary(r, audience, today) for r in found if self.serves(audience, r)]

    def overdue_count(self, audience: Audience, today: date | None = None) -> int:
        """How many requests addressed to ``audience``'s archives are overdue (逾期)."""
        if not audience.is_staff:
            return 0
        archives = None if audience.all_archives else frozenset(audience.archives)
        overdue = self.store.listing(archives, overdue_on=today or date.today())
        return sum(self.serves(audience, r) for r in overdue)

    def staff_view(self, reference: str, audience: Audience, today: date | None = None) -> dict | None:
        """A request with its timeline (actors included) for staff who serve it; None for
        anyone else and an unknown reference alike."""
        request = self.store.get(reference)
        if request is None or not self.serves(audience, request):
            return None
        answer = self._staff_summary(request, audience, today or date.today())
        answer["timeline"] = [self._event(e, staff=True) for e in self.store.events(request.id)]
        return answer

    def staff_file(self, reference: str, audience: Audience, file_id: int) -> tuple[str, str, bytes] | None:
        """A file of a request for staff who serve it; None otherwise."""
        request = self.store.get(reference)
        if request is None or not self.serves(audience, request):
            return None
        return self.store.file_data(request.id, file_id)

    def answer(self, reference: str, audience: Audience, actor: str, step: Answer) -> dict | None:
        """Take one step on a request (答复, 拒绝, 转办, 回复): the single place staff answer.
        Checks the step, stores it with its files, and tells the requester; a step with
        ``grant_until`` also grants access through :attr:`grant`. None when the request is
        unknown or not addressed to ``audience``; raises :class:`RequestInvalid`."""
        request = self.store.get(reference)
        if request is None or not self.serves(audience, request):
            return None
        kind, status = self._checked_step(request, step)
        if status is None and request.status in ("received", "forwarded"):
            status = "in_progress"
        if step.grant_until is not None and self.grant is not None:
            self.grant(request, actor, step.grant_until)  # first: a refused grant stores no step
        moved_to = step.to_archive if step.action == "forward" else None
        files = [(f.filename, f.content_type, f.data) for f in step.files]
        self.store.add_event(request, kind, actor, step.text, step.rule, status, moved_to, files)
        self._notify(request, kind, step.text + (f"\n（依据：{step.rule}）" if step.rule else ""))
        return self.staff_view(reference, audience) or {"reference": reference, "moved_to": moved_to}

    def _checked_step(self, request: ConsultRequest, step: Answer) -> tuple[str, str | None]:
        errors: dict[str, str] = {}
        if step.action not in ACTIONS:
            raise RequestInvalid({"action": f"{step.action!r} is not one of {', '.join(ACTIONS)}"})
        for name, value in (("text", step.text), ("rule", step.rule)):
            if len(value) > LIMITS[name]:
                errors[name] = f"at most {LIMITS[name]} characters"
        closed = request.status in ("answered", "declined")
        if closed and step.action != "reply":
            errors["action"] = f"the request is already {request.status}; only a reply may follow"
        if step.action in ("reply", "answer") and not step.text.strip() and not step.files:
            errors["text"] = "required (or a file)"
        if step.action == "decline":
            if not step.rule.strip():
                errors["rule"] = "a decline cites the rule it follows"
            if not step.text.strip():
                errors["text"] = "required: the reason"
        if step.action == "forward":
            known = self.service.known_archives()
            if step.to_archive not in known or step.to_archive == request.archive:
                errors["to_archive"] = (
                    f"{step.to_archive!r} is not another archive; known: {', '.join(known)}"
                )
        if step.grant_until is not None and (self.grant is None or request.user_id is None):
            errors["grant_until"] = "grants of access need a signed-in researcher and the grants service"
        if errors:
            raise RequestInvalid(errors)
        return ACTIONS[step.action]

    # -- helpers ---------------------------------------------------------------------------

    def _summary(self, request: ConsultRequest, audience: Audience) -> dict:
        records = []
        for record_id in request.records:
            seen = self.service.staff_record(record_id, audience)
            entry = {"id": record_id, "archive_code": record_id.split("/", 1)[1]}
            if seen is not None:
                entry["title"] = seen[0].title
            records.append(entry)
        return {
            "reference": request.reference,
            "status": request.status,
            "archive": request.archive,
            "kind": request.kind,
            "source": request.source,
            "delivery": request.delivery,
            "purpose": request.purpose,
            "filed_at": request.created_at,
            "due_on": request.due_on,
            "closed_at": request.closed_at,
            "records": records,
        }

    def _staff_summary(self, request: ConsultRequest, audience: Audience, today: date) -> dict:
        answer = self._summary(request, audience)
        answer.update(overdue=request.overdue(today), entered_by=request.entered_by)
        if self.serves(audience, request):
            answer.update(name=request.name, contact=request.contact, description=request.description)
        return answer

    @staticmethod
    def _event(event: RequestEvent, staff: bool) -> dict:
        answer = {
            "at": event.at,
            "kind": event.kind,
            "archive": event.archive,
            "text": event.text,
            "rule": event.rule,
            "files": [{"id": f.id, "filename": f.filename, "size": f.size} for f in event.files],
        }
        if staff:
            answer["actor"] = event.actor
        return answer

    def _notify(self, request: ConsultRequest, kind: str, text: str) -> None:
        """Tell the requester of a step: by e-mail when the contact is an address, else on
        the (reserved) SMS channel, which waits in the outbox."""
        if not request.contact:
            return
        channel = "email" if "@" in request.contact else "sms"
        subject = f"查档申请 {request.reference}：{STATUS_NAMES.get(kind, kind)}"
        self.outbox.queue_message(None, "request", subject, text, channel=channel, address=request.contact)


#: How a step is named in the requester's messages.
STATUS_NAMES = {
    "received": "已受理",
    "in_progress": "办理中",
    "reply": "工作人员回复",
    "answered": "已答复",
    "declined": "不予提供",
    "forwarded": "已转办",
}
