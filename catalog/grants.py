"""Access grants (查阅许可): a researcher may read the full text of named records until a date.

The one per-user exception of the access policy (:func:`catalog.policy.view_of`): staff,
reviewers and admins of a record's archive grant a researcher its text until ``until`` (the
last day it holds), with a reason; personal data stays masked unless the grant says to show
it and why. Every grant and revocation is audited (who, which record, until when, why).

Rules kept here, at grant time:

- the grantee is an enabled researcher account;
- the granting user is an enabled staff, reviewer or admin account serving the archive of
  every record named (checked before anything is looked up, so staff of another archive
  learn nothing about its records);
- a classified record (密级) is never granted, whoever asks (the researcher has no clearance,
  and a grant must not become one);
- ``until`` is today or later, and the reasons are not empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection, Engine

from analyzers.pii import mask_personal_data
from catalog import audit
from catalog.policy import GrantedRecord, serves_archive
from catalog.schema import grants_table, records_table, users_table

MAX_REASON = 2000
GRANT_ROLES = ("staff", "reviewer", "admin")


class GrantError(ValueError):
    """A grant that cannot be made as asked; ``field`` names the bad input (answered 400)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class GrantRefused(GrantError):
    """The granting user may not grant this: not staff of the record's archive, or the
    record is classified (answered 403)."""


class GrantNotFound(GrantError):
    """No such grant among those of the archives the user serves (answered 404)."""


@dataclass(frozen=True)
class Grant:
    """One access grant (查阅许可) of one record to one researcher."""

    id: int
    user: str
    archive: str
    archive_code: str
    until: str
    reason: str
    unmask_personal: bool
    personal_reason: str | None
    granted_by: str
    granted_at: str
    request_reference: str | None
    revoked_at: str | None
    revoked_by: str | None

    @property
    def record_id(self) -> str:
        """The granted record's id, ``archive/archive_code``."""
        return f"{self.archive}/{self.archive_code}"

    def active_on(self, today: date) -> bool:
        """True when the grant holds on ``today``: not revoked, and ``until`` not passed."""
        return self.revoked_at is None and self.until >= today.isoformat()

    def as_json(self, today: date) -> dict:
        """The grant as the API shows it, with ``active`` as of ``today``."""
        return {
            "id": self.id,
            "user": self.user,
            "record_id": self.record_id,
            "archive": self.archive,
            "archive_code": self.archive_code,
            "until": self.until,
            "reason": self.reason,
            "unmask_personal": self.unmask_personal,
            "personal_reason": self.personal_reason,
            "granted_by": self.granted_by,
            "granted_at": self.granted_at,
            "request_reference": self.request_reference,
            "revoked_at": self.revoked_at,
            "active": self.active_on(today),
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _text(value: object, field: str, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise GrantError(field, "must be text")
    value = value.strip()
    if required and not value:
        raise GrantError(field, "is required: say why")
    if len(value) > MAX_REASON:
        raise GrantError(field, f"at most {MAX_REASON} characters")
    return value


def parse_until(value: object, today: date) -> date:
    """The last day of a grant from ``YYYY-MM-DD`` (or a date); today or later.

    >>> parse_until("2031-06-30", date(2030, 1, 1))
    datetime.date(2031, 6, 30)
    >>> parse_until("2029-12-31", date(2030, 1, 1))
    Traceback (most recent call last):
    ...
    catalog.grants.GrantError: until: 2029-12-31 is before today (2030-01-01)
    """
    if isinstance(value, date):
        until = value
    else:
        try:
            until = date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise GrantError("until", f"{value!r} is not a date YYYY-MM-DD") from None
    if until < today:
        raise GrantError("until", f"{until} is before today ({today})")
    return until


def _record_keys(records: object) -> list[tuple[str, str]]:
    if isinstance(records, str) or not isinstance(records, (list, tuple)) or not records:
        raise GrantError("records", "must be a list of record ids, archive/archive_code")
    keys = []
    for item in records:
        archive, _, code = item.strip().partition("/") if isinstance(item, str) else ("", "", "")
        if not archive or not code:
            raise GrantError("records", f"{item!r} is not a record id, archive/archive_code")
        keys.append((archive, code))
    return list(dict.fromkeys(keys))


def _grant(row) -> Grant:
    return Grant(
        row.id,
        row.name,
        row.archive,
        row.archive_code,
        row.until,
        row.reason,
        bool(row.unmask_personal),
        row.personal_reason,
        row.granted_by,
        row.granted_at,
        row.request_reference,
        row.revoked_at,
        row.revoked_by,
    )


def _account(conn: Connection, name: str):
    return conn.execute(select(users_table).where(users_table.c.name == name)).first()


def _granter_audience(conn: Connection, name: str):
    from catalog.users import _user  # the account as the policy reads it

    row = _account(conn, name)
    if row is None or row.disabled or row.role not in GRANT_ROLES:
        raise GrantRefused("granted_by", f"{name!r} is not an enabled staff, reviewer or admin account")
    return _user(row).audience


class GrantStore:
    """Access grants (查阅许可) in the catalog database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def grant(
        self,
        user: str,
        records: Sequence[str],
        until: date | str,
        reason: str,
        granted_by: str,
        unmask_personal: bool = False,
        personal_reason: str | None = None,
        request_reference: str | None = None,
        today: date | None = None,
    ) -> list[Grant]:
        """Grant researcher ``user`` the full text of ``records`` (``archive/archive_code``)
        until ``until`` (inclusive), for ``reason``, by staff account ``granted_by``; with
        ``unmask_personal`` their personal data too, for ``personal_reason`` (required then).
        ``request_reference`` names the 查档申请 it answers. All or nothing, audited one
        entry per record. Raises :class:`GrantRefused` when ``granted_by`` does not serve a
        record's archive, :class:`GrantError` naming the field for anything else."""
        today = today or date.today()
        keys = _record_keys(records)
        last_day = parse_until(until, today)
        reason = _text(reason, "reason")
        unmask = bool(unmask_personal)
        why_unmask = _text(personal_reason, "personal_reason", required=unmask) or None
        if not unmask and why_unmask:
            raise GrantError("personal_reason", "only with unmask_personal")
        reference = _text(request_reference, "request_reference", required=False) or None
        if reference and len(reference) > 64:
            raise GrantError("request_reference", "at most 64 characters")
        with self.engine.begin() as conn:
            granter = _granter_audience(conn, granted_by)
            for archive, _code in keys:
                if not serves_archive(granter, archive):
                    raise GrantRefused("records", f"{granted_by!r} does not serve archive {archive!r}")
            grantee = _account(conn, user)
            if grantee is None or grantee.disabled or grantee.role != "researcher":
                raise GrantError("user", f"{user!r} is not an enabled researcher account")
            found = {
                (r.archive, r.archive_code): r.classification
                for r in conn.execute(
                    select(
                        records_table.c.archive, records_table.c.archive_code, records_table.c.classification
                    ).where(
                        or_(
                            *(
                                and_(records_table.c.archive == a, records_table.c.archive_code == c)
                                for a, c in keys
                            )
                        )
                    )
                )
            }
            for archive, code in keys:
                if (archive, code) not in found:
                    raise GrantError("records", f"no record {archive}/{code}")
                if found[(archive, code)] != "none":
                    raise GrantRefused(
                        "records", f"{archive}/{code} is classified (密级); a grant cannot open it"
                    )
            made = []
            at = _now()
            for archive, code in keys:
                inserted = conn.execute(
                    grants_table.insert().values(
                        user_id=grantee.id,
                        archive=archive,
                        archive_code=code,
                        until=last_day.isoformat(),
                        reason=reason,
                        unmask_personal=unmask,
                        personal_reason=why_unmask,
                        granted_by=granted_by,
                        granted_at=at,
                        request_reference=reference,
                    )
                ).inserted_primary_key
                new_id = int(inserted[0]) if inserted else 0
                audit.append(
                    conn,
                    granted_by,
                    "grant.add",
                    f"{archive}/{code}",
                    {
                        "grant": new_id,
                        "user": user,
                        "until": last_day.isoformat(),
                        "reason": mask_personal_data(reason),
                        "unmask_personal": unmask,
                        "personal_reason": mask_personal_data(why_unmask or ""),
                        "request": reference,
                    },
                )
                made.append(new_id)
        return self.grants(ids=made)

    def revoke(self, grant_id: int, by: str) -> Grant:
        """Revoke a grant now (by staff of its record's archive); audited. Revoking one
        revoked already changes nothing. Raises :class:`GrantNotFound` alike for an unknown
        grant and for one of an archive ``by`` does not serve."""
        with self.engine.begin() as conn:
            granter = _granter_audience(conn, by)
            found = self._select(conn, ids=[grant_id])
            if not found or not serves_archive(granter, found[0].archive):
                raise GrantNotFound("grant", f"no grant {grant_id} of an archive {by!r} serves")
            grant = found[0]
            if grant.revoked_at is None:
                conn.execute(
                    grants_table.update()
                    .where(grants_table.c.id == grant_id)
                    .values(revoked_at=_now(), revoked_by=by)
                )
                audit.append(
                    conn, by, "grant.revoke", grant.record_id, {"grant": grant_id, "user": grant.user}
                )
            return self._select(conn, ids=[grant_id])[0]

    def grants(
        self,
        user: str | None = None,
        archives: Iterable[str] | None = None,
        ids: Iterable[int] | None = None,
    ) -> list[Grant]:
        """Grants, newest first: of researcher ``user``, of records of ``archives`` (None:
        every archive), or by ``ids``."""
        with self.engine.connect() as conn:
            return self._select(conn, user=user, archives=archives, ids=ids)

    def _select(
        self,
        conn: Connection,
        user: str | None = None,
        archives: Iterable[str] | None = None,
        ids: Iterable[int] | None = None,
    ) -> list[Grant]:
        query = (
            select(grants_table, users_table.c.name)
            .join(users_table, users_table.c.id == grants_table.c.user_id)
            .order_by(grants_table.c.id.desc())
        )
        if user is not None:
            query = query.where(users_table.c.name == user)
        if archives is not None:
            query = query.where(grants_table.c.archive.in_(list(archives)))
        if ids is not None:
            query = query.where(grants_table.c.id.in_(list(ids)))
        return [_grant(row) for row in conn.execute(query)]

    def active_records(self, user_id: int, today: date | None = None) -> frozenset[GrantedRecord]:
        """The records a researcher's grants open on ``today`` (default: today), as the
        access policy reads them; several grants of one record unmask if any does."""
        day = (today or date.today()).isoformat()
        with self.engine.connect() as conn:
            return active_records(conn, user_id, day)


def active_records(conn: Connection, user_id: int, day: str) -> frozenset[GrantedRecord]:
    """:meth:`GrantStore.active_records` on an open connection (``day`` is ISO)."""
    rows = conn.execute(
        select(grants_table.c.archive, grants_table.c.archive_code, grants_table.c.unmask_personal).where(
            grants_table.c.user_id == user_id,
            grants_table.c.revoked_at.is_(None),
            grants_table.c.until >= day,
        )
    ).all()
    unmasked = {(r.archive, r.archive_code) for r in rows if r.unmask_personal}
    return frozenset(
        GrantedRecord(r.archive, r.archive_code, (r.archive, r.archive_code) in unmasked) for r in rows
    )
