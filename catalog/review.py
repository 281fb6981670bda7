"""Opening review (开放审核): the queue of due records, decisions, disclosure status.

A decision updates the record's status in the catalog, keeps the decision with its
reason and the creating unit's opinion, and appends an audit entry, all in one
transaction. :meth:`ReviewDesk.decide_and_publish` adds the reindexing of the record (so
the decision reaches public search) in the safe order, through a ``publish`` function the
caller gives: the catalog does not know the search index (the layers forbid the import).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import select

from catalog import audit, public_views
from catalog.maintenance import IndexRebuilding, rebuilding, refuse_while_rebuilding
from catalog.policy import (
    VISIBILITIES,
    View,
    due_date,
    next_review_date,
    open_after_years,
    public_visibility,
)
from catalog.record_rows import record_from_row
from catalog.records import Record
from catalog.schema import decisions_table, records_table
from catalog.store import CatalogStore
from config import Settings

DECISIONS = ("open", "catalog_only", "controlled")


class ReviewError(ValueError):
    """A decision that cannot be recorded (unknown record, bad decision, no reason)."""


@dataclass(frozen=True)
class QueueItem:
    """A record due for review: when it came due, why, and its personal-data flags.

    ``why`` is ``age`` (开放期限届满), ``re-review`` (控制复审) or ``undated``: an unreviewed
    record without a formation date, for which the 25-year rule cannot be computed
    (``due`` is None); those are listed under their own filter.
    """

    record: Record
    due: date | None
    why: str
    personal_data: tuple[str, ...]


class ReviewDesk:
    """Queue, decisions and status checks over one catalog."""

    def __init__(self, store: CatalogStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def due_on(self, record: Record, next_review: str | None, imported_at: str | None) -> date | None:
        """When ``record`` comes due for review: ``open_after_years`` after its formation date
        when unreviewed; when ``controlled``, on its next-review date, or, imported as
        controlled without a decision, ``controlled_review_days`` after its import (at once
        when the import date is unknown). None when it never does (open, 目录开放) or
        cannot be computed (unreviewed without a date)."""
        if record.access == "unreviewed":
            years = open_after_years(
                record.category, self.settings.open_after_years, self.settings.open_after_years_by_category
            )
            return due_date(record.date, years)
        if record.access == "controlled":
            if next_review:
                return date.fromisoformat(next_review)
            if not imported_at:
                return date.min
            return next_review_date(
                date.fromisoformat(imported_at[:10]), self.settings.controlled_review_days
            )
        return None

    def due(
        self, record: Record, next_review: str | None, today: date, imported_at: str | None = None
    ) -> tuple[date, str] | None:
        """When and why ``record`` is due for review on ``today``, or None."""
        when = self.due_on(record, next_review, imported_at)
        if when is None or when > today:
            return None
        return when, ("age" if record.access == "unreviewed" else "re-review")

    def queue(
        self,
        today: date | None = None,
        archives: frozenset[str] | None = None,
        archive: str | None = None,
        year: int | None = None,
        record_type: str | None = None,
        personal_data: bool | None = None,
        clearance: bool = True,
        undated: bool = False,
        limit: int = 500,
    ) -> list[QueueItem]:
        """Records due for review, oldest due first; ``archives`` limits to a staff scope.

        With ``undated``, instead: the unreviewed records without a formation date (no date:
        the 25-year rule cannot be computed), which never come due by themselves.
        """
        today = today or date.today()
        if undated:
            query = select(records_table).where(
                records_table.c.access == "unreviewed", records_table.c.date == ""
            )
        else:
            query = select(records_table).where(records_table.c.access.in_(("unreviewed", "controlled")))
        if archives is not None:
            query = query.where(records_table.c.archive.in_(sorted(archives)))
        if archive:
            query = query.where(records_table.c.archive == archive)
        if year:
            query = query.where(records_table.c.date.like(f"{year:04d}%"))
        if record_type:
            query = query.where(records_table.c.record_type == record_type)
        if not clearance:
            query = query.where(records_table.c.classification == "none")
        items: list[QueueItem] = []
        with self.store.engine.connect() as conn:
            for row in conn.execute(query.order_by(records_table.c.date)):
                record = record_from_row(row)
                found = tuple(json.loads(row.personal_data))
                if personal_data is not None and bool(found) != personal_data:
                    continue
                if undated:
                    items.append(QueueItem(record, None, "undated", found))
                    continue
                due = self.due(record, row.next_review, today, row.imported_at)
                if due:
                    items.append(QueueItem(record, due[0], due[1], found))
        items.sort(key=lambda item: (item.due or date.min, item.record.id))
        return items[:limit]

    def undated_count(self, archives: frozenset[str] | None = None, clearance: bool = True) -> int:
        """How many unreviewed records of a scope have no date (see ``queue(undated=True)``)."""
        return len(self.queue(archives=archives, clearance=clearance, undated=True, limit=1_000_000))

    def decide(
        self,
        archive: str,
        archive_code: str,
        decision: str,
        reason: str,
        by: str,
        unit_opinion: str = "",
        next_review: date | None = None,
        today: date | None = None,
    ) -> Record:
        """Record one decision; returns the record with its new status."""
        if decision not in DECISIONS:
            raise ReviewError(f"decision {decision!r}: use one of {', '.join(DECISIONS)}")
        if not reason.strip():
            raise ReviewError("a decision needs a reason")
        today = today or date.today()
        review_on = None
        if decision == "controlled":
            review_on = next_review or next_review_date(today, self.settings.controlled_review_days)
            if review_on <= today:
                raise ReviewError("the next review date must lie in the future")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.store.engine.begin() as conn:
            row = conn.execute(
                select(records_table).where(
                    records_table.c.archive == archive, records_table.c.archive_code == archive_code
                )
            ).first()
            if row is None:
                raise ReviewError(f"no record {archive}/{archive_code}")
            conn.execute(
                records_table.update()
                .where(records_table.c.pk == row.pk)
                .values(
                    access=decision, decided_at=now, next_review=review_on.isoformat() if review_on else None
                )
            )
            try:
                refuse_while_rebuilding(conn)
            except IndexRebuilding as refused:
                raise ReviewError(f"not saved: {refused}") from None
            conn.execute(
                decisions_table.insert().values(
                    archive=archive,
                    archive_code=archive_code,
                    decision=decision,
                    from_access=row.access,
                    reason=reason.strip(),
                    unit_opinion=unit_opinion.strip(),
                    by=by,
                    at=now,
                    next_review=review_on.isoformat() if review_on else None,
                )
            )
            audit.append(
                conn,
                by,
                "decision",
                f"{archive}/{archive_code}",
                {
                    "from": row.access,
                    "to": decision,
                    "reason": reason.strip(),
                    "unit_opinion": unit_opinion.strip(),
                    "next_review": review_on.isoformat() if review_on else None,
                },
            )
            public_views.sync(conn, [(archive, archive_code)])
        record = self.store.get(archive, archive_code)
        assert record is not None
        return record

    def decide_and_publish(
        self,
        archive: str,
        archive_code: str,
        decision: str,
        reason: str,
        by: str,
        publish: Callable[[Record, dict | None], None],
        unit_opinion: str = "",
        next_review: date | None = None,
    ) -> Record:
        """Record a decision (审核决定) and make it reach search at once.

        ``publish(record, entities)`` writes the record's index document. A decision that
        narrows public visibility is published first, so no moment exists in which the index
        shows more than the catalog allows; one that widens it is saved in the catalog first.
        Refused while the index is being rebuilt (the decision would land in the old index only).
        """
        before = self.store.get(archive, archive_code)
        if before is None:
            raise ReviewError(f"no record {archive}/{archive_code}")
        rank = VISIBILITIES.index
        narrows = rank(public_visibility(decision, before.classification)) > rank(
            public_visibility(before.access, before.classification)
        )
        entities = self.store.entities(archive, archive_code)
        if (rebuild := rebuilding(self.store.engine)) is not None:
            raise ReviewError(
                f"not saved: the search index is being rebuilt ({rebuild}); try again when it is done"
            )
        if narrows:
            publish(replace(before, access=decision), entities)
        record = self.decide(
            archive, archive_code, decision, reason, by, unit_opinion=unit_opinion, next_review=next_review
        )
        if not narrows:
            publish(record, entities)
        return record

    def last_decision(self, archive: str, archive_code: str) -> dict | None:
        """The latest decision on a record, or None."""
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(decisions_table)
                .where(
                    decisions_table.c.archive == archive,
                    decisions_table.c.archive_code == archive_code,
                )
                .order_by(decisions_table.c.id.desc())
            ).first()
        if row is None:
            return None
        return {
            "decision": row.decision,
            "from": row.from_access,
            "reason": row.reason,
            "unit_opinion": row.unit_opinion,
            "by": row.by,
            "at": row.at,
            "next_review": row.next_review,
        }

    def status(
        self,
        archive: str,
        codes: list[str],
        today: date | None = None,
        view: Callable[[Record], View] | None = None,
    ) -> list[dict]:
        """Disclosure status (开放状态) of each 档号; unknown codes say so.

        ``view`` is what the asker may see of a record (:func:`catalog.policy.view_of` for
        their audience; None: a trusted operator, who sees all). Only the record's own staff
        get its status; staff of its archive without the clearance a classified record
        needs get ``{"archive_code", "found": True, "needs_clearance": True}``; for anyone
        else the record is not found.
        """
        today = today or date.today()
        report = []
        for code in dict.fromkeys(c.strip() for c in codes if c.strip()):
            record = self.store.get(archive, code)
            seen = view(record) if view is not None and record is not None else None
            if record is None or (seen is not None and not seen.own and not seen.needs_clearance):
                report.append({"archive_code": code, "found": False})
                continue
            if seen is not None and not seen.own:
                report.append({"archive_code": code, "found": True, "needs_clearance": True})
                continue
            with self.store.engine.connect() as conn:
                stored = conn.execute(
                    select(records_table.c.next_review, records_table.c.imported_at).where(
                        records_table.c.archive == archive, records_table.c.archive_code == code
                    )
                ).first()
            next_review, imported_at = (stored.next_review, stored.imported_at) if stored else (None, None)
            when = self.due_on(record, next_review, imported_at)
            report.append(
                {
                    "archive_code": code,
                    "found": True,
                    "title": record.title,
                    "access": record.access,
                    "classification": record.classification,
                    "visibility": public_visibility(record.access, record.classification),
                    "due": when.isoformat() if when and when != date.min else None,
                    "is_due": self.due(record, next_review, today, imported_at) is not None,
                    "last_decision": self.last_decision(archive, code),
                }
            )
        return report
