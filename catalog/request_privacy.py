"""Personal data of requesters (申请人个人信息): how a name and a contact are masked where
they must not be read in full (the audit log, exports), and the purge that removes them
after ``request_retention_days`` while the requests stay counted."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine

from catalog import audit
from catalog.schema import outbox_table, request_events_table, request_files_table, requests_table


def now_iso(now: datetime | None = None) -> str:
    """A timestamp as the request tables keep it (UTC, to the second)."""
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


def mask_name(name: str) -> str:
    """A requester's name with all but its first character masked (姓名脱敏).

    >>> mask_name("张三丰"), mask_name("")
    ('张**', '')
    """
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_contact(contact: str) -> str:
    """A phone number or e-mail address with its middle masked (联系方式脱敏).

    >>> mask_contact("13812345678"), mask_contact("wang.li@example.org")
    ('138****5678', 'w***@example.org')
    """
    if "@" in contact:
        local, _, domain = contact.partition("@")
        return f"{local[:1]}***@{domain}"
    if len(contact) > 7:
        return contact[:3] + "*" * (len(contact) - 7) + contact[-4:]
    return "*" * len(contact)


def purge(engine: Engine, before: datetime, actor: str = "cli") -> int:
    """Remove the personal data (name, contact, description, staff texts, files, waiting
    mail) of requests closed, or filed and never closed, before ``before``; the requests
    stay for the counts. Answers how many were purged; audited (a count, no names)."""
    cutoff = now_iso(before)
    last = func.coalesce(requests_table.c.closed_at, requests_table.c.created_at)
    with engine.begin() as conn:
        rows = conn.execute(
            select(requests_table.c.id, requests_table.c.contact).where(
                requests_table.c.purged_at.is_(None), last < cutoff
            )
        ).all()
        ids = [r.id for r in rows]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            conn.execute(
                update(requests_table)
                .where(requests_table.c.id.in_(chunk))
                .values(name="", contact="", description="", purged_at=now_iso())
            )
            conn.execute(
                update(request_events_table)
                .where(request_events_table.c.request_id.in_(chunk))
                .values(text="")
            )
            conn.execute(delete(request_files_table).where(request_files_table.c.request_id.in_(chunk)))
        kept = set(
            conn.execute(select(requests_table.c.contact).where(requests_table.c.purged_at.is_(None)))
            .scalars()
            .all()
        )
        contacts = sorted({r.contact for r in rows if r.contact} - kept)
        for start in range(0, len(contacts), 500):
            conn.execute(
                delete(outbox_table).where(
                    outbox_table.c.address.in_(contacts[start : start + 500]),
                    outbox_table.c.user_id.is_(None),
                )
            )
        if ids:
            audit.append(conn, actor, "request.purge", "requests", {"purged": len(ids), "before": cutoff})
    return len(ids)
