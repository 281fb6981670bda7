"""The public view's history (公开状态变更): when each record's public view last changed.

Every write that can change what the public sees of a record (an import, a removal, an
opening decision) calls :func:`sync` in its own transaction. A record that becomes public
gets a row stamped now; a public record whose catalog fields or visibility change is stamped
again; one that stops being public (closed again, removed) keeps its row with visibility
``none``, so harvesters are told it is deleted from then on (OAI-PMH ``deletedRecord`` =
persistent). What is public is :func:`catalog.policy.view_of`'s decision for the public.

The reads here (pages in datestamp order, sets, counts) serve the open interfaces through
:class:`catalog.queries.CatalogQueries`; each record they return is still checked against
the policy by the search service before it is shown.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import String, func, literal, select, tuple_
from sqlalchemy.engine import Connection, Engine

from catalog import policy
from catalog.key_lookup import by_keys
from catalog.schema import decisions_table, public_views_table, records_table

#: Decisions that open a record to the public (开放, 目录开放).
OPENING = ("open", "catalog_only")


def stamp(when: datetime | None = None) -> str:
    """A UTC datestamp to the second, as OAI-PMH writes it.

    >>> stamp(datetime(1950, 3, 1, 8, 0, 5, 999, tzinfo=UTC))
    '1950-03-01T08:00:05Z'
    """
    return (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class _Policy:
    archive: str
    archive_code: str
    access: str
    classification: str


#: The catalog fields the public is shown (目录开放 shows these only); a record public in
#: full shows its text and files too.
_SHOWN: tuple[str, ...] = ("archive_code", "title", "fonds", "creator", "date", "record_type", "category")
_SHOWN += ("retention", "subjects", "description", "text", "files")


def _shown_hash(record, visibility: str) -> str:
    """A hash of what the public is shown of a record: a change of what it is not shown
    (the text of a 目录开放 record) moves no datestamp, so a datestamp tells nothing of it."""
    shown = [
        getattr(record, name) for name in _SHOWN if visibility == "full" or name not in ("text", "files")
    ]
    return hashlib.sha256(json.dumps([visibility, *shown], ensure_ascii=False).encode()).hexdigest()


def sync(conn: Connection, keys: Iterable[tuple[str, str]], now: str | None = None) -> int:
    """Bring the public-view rows of some records (by archive and 档号) up to date, inside
    the caller's transaction; returns how many rows were stamped."""
    wanted = sorted(set(keys))
    now = now or stamp()
    changed = 0
    for start in range(0, len(wanted), 200):
        chunk = wanted[start : start + 200]
        in_records, key_values = by_keys(records_table, chunk)
        records = {
            (r.archive, r.archive_code): r
            for r in conn.execute(
                select(
                    records_table.c.archive,
                    records_table.c.archive_code,
                    records_table.c.fonds,
                    records_table.c.record_type,
                    records_table.c.access,
                    records_table.c.classification,
                    *(records_table.c[name] for name in _SHOWN),
                ).where(in_records),
                key_values,
            )
        }
        in_views, key_values = by_keys(public_views_table, chunk)
        rows = {
            (r.archive, r.archive_code): r
            for r in conn.execute(select(public_views_table).where(in_views), key_values)
        }
        for archive, code in chunk:
            record = records.get((archive, code))
            visibility = "none"
            if record is not None:
                seen = policy.view_of(
                    policy.PUBLIC, _Policy(archive, code, record.access, record.classification)
                ).visibility
                visibility = seen if seen in ("full", "catalog") else "none"
            old = rows.get((archive, code))
            if old is None and visibility == "none":
                continue  # never public: nothing to tell anyone
            values = {"datestamp": now, "visibility": visibility}
            if visibility != "none":
                assert record is not None
                values.update(
                    fonds=record.fonds,
                    record_type=record.record_type,
                    shown_hash=_shown_hash(record, visibility),
                )
            if old is None:
                conn.execute(public_views_table.insert().values(archive=archive, archive_code=code, **values))
            elif (old.visibility, old.shown_hash) != (
                visibility,
                values.get("shown_hash", old.shown_hash),
            ):
                conn.execute(
                    public_views_table.update()
                    .where(public_views_table.c.archive == archive, public_views_table.c.archive_code == code)
                    .values(**values)
                )
            else:
                continue
            changed += 1
    return changed


@dataclass(frozen=True)
class PublicChange:
    """One record's public-view row: its key, sets, datestamp and visibility (``none``:
    deleted)."""

    archive: str
    archive_code: str
    fonds: str
    record_type: str
    datestamp: str
    visibility: str

    @property
    def id(self) -> str:
        """The record's id, ``archive/archive_code``."""
        return f"{self.archive}/{self.archive_code}"


@dataclass(frozen=True)
class ChangeFilter:
    """Which rows a harvest asks for: a datestamp range (inclusive) and a set's terms."""

    since: str | None = None
    until: str | None = None
    archive: str | None = None
    fonds: tuple[str, ...] | None = None
    record_types: tuple[str, ...] | None = None


def _where(wanted: ChangeFilter) -> list:
    table = public_views_table.c
    terms = []
    if wanted.since:
        terms.append(table.datestamp >= wanted.since)
    if wanted.until:
        terms.append(table.datestamp <= wanted.until)
    if wanted.archive is not None:
        terms.append(table.archive == wanted.archive)
    if wanted.fonds is not None:
        terms.append(table.fonds.in_(wanted.fonds))
    if wanted.record_types is not None:
        terms.append(table.record_type.in_(wanted.record_types))
    return terms


def changes(
    engine: Engine, wanted: ChangeFilter, after: tuple[str, str, str] | None, limit: int
) -> list[PublicChange]:
    """Rows in (datestamp, archive, 档号) order, those after the position ``after``, at most
    ``limit``: a page of a harvest that stays right while records change."""
    table = public_views_table.c
    terms = _where(wanted)
    if after is not None:
        # One row-value comparison: a range of the (datestamp, archive, 档号) index.
        position = tuple_(table.datestamp, table.archive, table.archive_code)
        terms.append(position > tuple_(*(literal(v, String()) for v in after)))
    query = (
        select(*_change_columns())
        .where(*terms)
        .order_by(table.datestamp, table.archive, table.archive_code)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [PublicChange(*row) for row in conn.execute(query)]


def _change_columns() -> tuple:
    """The columns of a :class:`PublicChange`, in its fields' order."""
    table = public_views_table.c
    return (
        table.archive,
        table.archive_code,
        table.fonds,
        table.record_type,
        table.datestamp,
        table.visibility,
    )


def count_changes(engine: Engine, wanted: ChangeFilter) -> int:
    """How many rows a harvest of ``wanted`` has."""
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(public_views_table).where(*_where(wanted))
        ).scalar_one()


def change_of(engine: Engine, archive: str, archive_code: str) -> PublicChange | None:
    """One record's row, or None when it was never public."""
    table = public_views_table.c
    with engine.connect() as conn:
        row = conn.execute(
            select(*_change_columns()).where(table.archive == archive, table.archive_code == archive_code)
        ).first()
    return PublicChange(*row) if row else None


def earliest(engine: Engine) -> str | None:
    """The earliest datestamp, or None when nothing was ever public."""
    with engine.connect() as conn:
        return conn.execute(select(func.min(public_views_table.c.datestamp))).scalar()


def public_groups(engine: Engine) -> list[tuple[str, str, str]]:
    """Distinct (archive, 全宗号, 类别) of the records public now: what sets are made of."""
    table = public_views_table.c
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                select(table.archive, table.fonds, table.record_type)
                .where(table.visibility != "none")
                .distinct()
                .order_by(table.archive, table.fonds, table.record_type)
            )
        ]


def public_page(engine: Engine, offset: int, limit: int) -> list[PublicChange]:
    """Records public now in (archive, 档号) order, ``limit`` from ``offset`` (sitemaps)."""
    table = public_views_table.c
    with engine.connect() as conn:
        return [
            PublicChange(*row)
            for row in conn.execute(
                select(
                    table.archive,
                    table.archive_code,
                    table.fonds,
                    table.record_type,
                    table.datestamp,
                    table.visibility,
                )
                .where(table.visibility != "none")
                .order_by(table.archive, table.archive_code)
                .offset(offset)
                .limit(limit)
            )
        ]


def count_public(engine: Engine) -> int:
    """How many records are public now (by the last stamp)."""
    with engine.connect() as conn:
        return conn.execute(
            select(func.count())
            .select_from(public_views_table)
            .where(public_views_table.c.visibility != "none")
        ).scalar_one()


@dataclass(frozen=True)
class Opening:
    """A record's latest opening decision (开放决定): its key, decision and time (UTC, ISO)."""

    archive: str
    archive_code: str
    decision: str
    at: str

    @property
    def id(self) -> str:
        """The record's id, ``archive/archive_code``."""
        return f"{self.archive}/{self.archive_code}"


def openings(engine: Engine, month: str | None = None) -> list[Opening]:
    """Records whose latest decision opened them (开放 or 目录开放), newest first; of one
    month (``1999-07``) when given. Whether they are public now is for the caller to ask."""
    table = decisions_table.c
    latest = select(func.max(table.id).label("id")).group_by(table.archive, table.archive_code).subquery()
    query = (
        select(table.archive, table.archive_code, table.decision, table.at)
        .join(latest, latest.c.id == table.id)
        .where(table.decision.in_(OPENING))
        .order_by(table.at.desc(), table.archive, table.archive_code)
    )
    if month:
        query = query.where(table.at.like(f"{month}%"))
    with engine.connect() as conn:
        return [Opening(*row) for row in conn.execute(query)]
