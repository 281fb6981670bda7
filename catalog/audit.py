"""Audit log (审计日志): append-only, hash-chained entries in the catalog.

Every decision, login, user change and export is appended with :func:`append`, inside
the same transaction as the change it records. Each entry's hash covers its content,
its sequence number and the previous entry's hash, so :func:`verify` finds the first
entry that was edited, deleted or reordered. On SQLite, triggers refuse UPDATE and
DELETE on the table as a first line of defence.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from catalog.schema import audit_head, audit_table

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """One audit log entry."""

    seq: int
    at: str
    actor: str
    action: str
    subject: str
    detail: dict
    prev_hash: str
    hash: str


def entry_hash(seq: int, at: str, actor: str, action: str, subject: str, detail: str, prev_hash: str) -> str:
    """SHA-256 over an entry's fields and the previous hash."""
    payload = json.dumps([seq, at, actor, action, subject, detail, prev_hash], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(conn: Connection, actor: str, action: str, subject: str, detail: dict | None = None) -> AuditEntry:
    """Append one entry in the caller's transaction and return it."""
    if conn.execute(select(audit_head.c.id)).first() is None:
        conn.execute(audit_head.insert().values(id=1, seq=0, hash=GENESIS))
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq + 1))
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
    seq, prev = head.seq, head.hash
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    detail_json = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)
    digest = entry_hash(seq, at, actor, action, subject, detail_json, prev)
    conn.execute(
        audit_table.insert().values(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            detail=detail_json,
            prev_hash=prev,
            hash=digest,
        )
    )
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(hash=digest))
    return AuditEntry(seq, at, actor, action, subject, detail or {}, prev, digest)


def entries(
    engine: Engine,
    actor: str | None = None,
    action: str | None = None,
    subject: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[AuditEntry]:
    """Entries newest first, optionally filtered (subject matches as a substring)."""
    query = select(audit_table).order_by(audit_table.c.seq.desc())
    if actor:
        query = query.where(audit_table.c.actor == actor)
    if action:
        query = query.where(audit_table.c.action == action)
    if subject:
        query = query.where(audit_table.c.subject.contains(subject, autoescape=True))
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit).offset(offset)).all()
    return [
        AuditEntry(r.seq, r.at, r.actor, r.action, r.subject, json.loads(r.detail), r.prev_hash, r.hash)
        for r in rows
    ]


def _in_order(engine: Engine) -> Iterator:
    last = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(audit_table).where(audit_table.c.seq > last).order_by(audit_table.c.seq).limit(1000)
            ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(engine: Engine) -> tuple[int, str | None]:
    """Check the whole chain: ``(entries checked, None)`` or ``(seq, what is wrong)``.

    The seq named is the first entry that was edited, deleted (the entry after a gap)
    or reordered.
    """
    expected_prev, expected_seq, count = GENESIS, 1, 0
    for row in _in_order(engine):
        if row.seq != expected_seq:
            return row.seq, f"entry {expected_seq} is missing (deleted or reordered)"
        if row.prev_hash != expected_prev:
            return row.seq, "does not follow the entry before it (deleted or reordered)"
        digest = entry_hash(row.seq, row.at, row.actor, row.action, row.subject, row.detail, row.prev_hash)
        if digest != row.hash:
            return row.seq, "was edited after it was written"
        expected_prev, expected_seq, count = row.hash, expected_seq + 1, count + 1
    with engine.connect() as conn:
        head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    if head is not None and (head.seq != count or head.hash != expected_prev):
        return count + 1, f"the log ends at entry {count} but {head.seq} were written (deleted)"
    return count, None
