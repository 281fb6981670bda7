"""Users (用户), roles, passwords, API tokens and login throttling, stored in the catalog.

Passwords are hashed with scrypt (salted, memory-hard); API tokens are random and only
their SHA-256 is stored. Roles: researcher, staff, reviewer, admin (the anonymous public
has no account). Staff-like roles are scoped to archives; classified records also need
the clearance flag.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine

from catalog import audit
from catalog.grants import active_records
from catalog.policy import ALL_ARCHIVES, Audience, GrantedRecord, audience_for, can_curate, can_decide
from catalog.schema import attempts_table, tokens_table, users_table

ACCOUNT_ROLES = ("researcher", "staff", "reviewer", "admin")
_NAME = re.compile(r"^[\w.@-]{2,64}$")
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def checked_email(address: str) -> str | None:
    """A user's e-mail address, stripped; None for an empty one; :class:`UserError` naming
    the field for one that is not an address.

    >>> checked_email(" li.ming@example.org "), checked_email("")
    ('li.ming@example.org', None)
    >>> checked_email("li.ming")
    Traceback (most recent call last):
    ...
    catalog.users.UserError: email 'li.ming': not an e-mail address
    """
    address = (address or "").strip()
    if not address:
        return None
    if len(address) > 254 or not _EMAIL.match(address):
        raise UserError(f"email {address!r}: not an e-mail address")
    return address


_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class UserError(ValueError):
    """A user operation that is not allowed (bad name, unknown role, unknown user)."""


@dataclass(frozen=True)
class User:
    """An account."""

    id: int
    name: str
    role: str
    archives: tuple[str, ...]
    clearance: bool
    disabled: bool
    email: str | None = None
    #: For a researcher, the records their access grants (查阅许可) open today.
    grants: frozenset[GrantedRecord] = frozenset()
    #: May author online exhibitions (网上展览), with :func:`catalog.policy.can_curate`.
    curator: bool = False

    @property
    def can_curate(self) -> bool:
        """True when this enabled account may author exhibitions (admins, curators)."""
        return not self.disabled and can_curate(self.role, self.curator)

    @property
    def audience(self) -> Audience:
        """The audience this user searches as; a disabled user is the public."""
        if self.disabled:
            return audience_for("public")
        return audience_for(self.role, self.archives, self.clearance, self.grants)


def hash_password(password: str) -> str:
    """Salted scrypt hash in the form ``scrypt$n$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    encode = base64.b64encode
    return "scrypt${n}${r}${p}$".format(**_SCRYPT) + f"{encode(salt).decode()}${encode(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    """True when ``password`` matches a hash made by :func:`hash_password`.

    >>> check_password("s3cret-pass", hash_password("s3cret-pass"))
    True
    """
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed, base64.b64decode(digest))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _user(row) -> User:
    try:
        archives = tuple(json.loads(row.archives))
    except (TypeError, ValueError):
        archives = ()  # fail closed: unreadable scope is no scope
    return User(
        row.id,
        row.name,
        row.role,
        archives,
        bool(row.clearance),
        bool(row.disabled),
        row.email or None,
        curator=bool(row.curator),
    )


def _with_grants(conn, row) -> User:
    """The account with, for a researcher, the records its grants open today."""
    user = _user(row)
    if user.role != "researcher" or user.disabled:
        return user
    return replace(user, grants=active_records(conn, user.id, date.today().isoformat()))


class UserStore:
    """Accounts, tokens and login attempts in the catalog database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(
        self,
        name: str,
        role: str,
        password: str,
        archives: tuple[str, ...] = (),
        clearance: bool = False,
        by: str = "cli",
    ) -> User:
        """Create an account; the change is audited."""
        if not _NAME.match(name):
            raise UserError(f"user name {name!r}: 2-64 letters, digits, . @ _ -")
        if role not in ACCOUNT_ROLES:
            raise UserError(f"role {role!r}: use one of {', '.join(ACCOUNT_ROLES)}")
        if len(password) < 10:
            raise UserError("password: at least 10 characters")
        if role in ("staff", "reviewer") and not archives:
            raise UserError(f"a {role} needs at least one --archive")
        if ALL_ARCHIVES in archives and role != "admin":
            raise UserError(f"--archive '{ALL_ARCHIVES}' (every archive) is for admins only")
        with self.engine.begin() as conn:
            if conn.execute(select(users_table.c.id).where(users_table.c.name == name)).first():
                raise UserError(f"user {name!r} exists already")
            conn.execute(
                users_table.insert().values(
                    name=name,
                    role=role,
                    archives=json.dumps(sorted(archives)),
                    clearance=clearance,
                    password_hash=hash_password(password),
                    disabled=False,
                    created_at=_now(),
                )
            )
            audit.append(
                conn,
                by,
                "user.add",
                name,
                {"role": role, "archives": sorted(archives), "clearance": clearance},
            )
        return self.get(name)  # type: ignore[return-value]

    def get(self, name: str) -> User | None:
        """An account by name (a researcher with the records their grants open today)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users_table).where(users_table.c.name == name)).first()
            return _with_grants(conn, row) if row else None

    def list(self) -> list[User]:
        """All accounts by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(users_table).order_by(users_table.c.name)).all()
        return [_user(r) for r in rows]

    def decider(self, name: str, archive: str, classified: bool) -> User:
        """The user named to record a decision (``--by``) on a record of ``archive``: an
        existing, enabled reviewer or admin serving that archive (with clearance when the
        record is classified). Raises :class:`UserError` saying what is wrong otherwise."""
        user = self.get(name)
        if user is None:
            raise UserError(f"--by {name!r}: no such user (lantai user list)")
        if user.disabled:
            raise UserError(f"--by {name!r}: the account is disabled")
        if user.role not in ("reviewer", "admin"):
            raise UserError(f"--by {name!r}: a {user.role} cannot decide; needs the reviewer or admin role")
        if not can_decide(user.audience, archive, classified):
            need = " with clearance" if classified else ""
            raise UserError(f"--by {name!r}: does not review archive {archive!r}{need}")
        return user

    def disable(self, name: str, by: str = "cli") -> None:
        """Disable an account and revoke its tokens; audited."""
        with self.engine.begin() as conn:
            row = conn.execute(select(users_table.c.id).where(users_table.c.name == name)).first()
            if row is None:
                raise UserError(f"no user {name!r}")
            conn.execute(users_table.update().where(users_table.c.id == row.id).values(disabled=True))
            conn.execute(delete(tokens_table).where(tokens_table.c.user_id == row.id))
            audit.append(conn, by, "user.disable", name)

    def set_email(self, name: str, email: str, by: str = "cli") -> User:
        """Set (or with "" remove) the e-mail address digests go to; audited."""
        address = checked_email(email)
        with self.engine.begin() as conn:
            done = conn.execute(users_table.update().where(users_table.c.name == name).values(email=address))
            if done.rowcount == 0:
                raise UserError(f"no user {name!r}")
            audit.append(conn, by, "user.email", name, {"set": address is not None})
        return self.get(name)  # type: ignore[return-value]

    def set_curator(self, name: str, curator: bool, by: str = "cli") -> User:
        """Give or take the ``curator`` permission (authoring exhibitions, 网上展览); for staff
        and reviewers (admins curate anyway); audited."""
        user = self.get(name)
        if user is None:
            raise UserError(f"no user {name!r}")
        if curator and user.role not in ("staff", "reviewer", "admin"):
            raise UserError(f"user {name!r}: a {user.role} cannot curate; needs a staff role")
        with self.engine.begin() as conn:
            conn.execute(users_table.update().where(users_table.c.id == user.id).values(curator=curator))
            audit.append(conn, by, "user.curator", name, {"curator": curator})
        return self.get(name)  # type: ignore[return-value]

    def with_email(self) -> tuple[User, ...]:
        """Enabled accounts with an e-mail address, by name (the digests' readers)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(users_table)
                .where(users_table.c.email.is_not(None), users_table.c.disabled.is_(False))
                .order_by(users_table.c.name)
            ).all()
        return tuple(_user(r) for r in rows)

    def authenticate(self, name: str, password: str, source: str = "") -> User | None:
        """The user when name and password match an enabled account; audited either way."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users_table).where(users_table.c.name == name)).first()
        ok = row is not None and check_password(password, row.password_hash) and not row.disabled
        with self.engine.begin() as conn:
            audit.append(conn, name, "login" if ok else "login.failed", name, {"from": source})
        return _user(row) if ok else None

    def create_token(self, name: str, by: str = "cli") -> str:
        """A new API token for a user; only its hash is kept."""
        user = self.get(name)
        if user is None or user.disabled:
            raise UserError(f"no enabled user {name!r}")
        token = "lt_" + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                tokens_table.insert().values(
                    user_id=user.id, token_hash=hashlib.sha256(token.encode()).hexdigest(), created_at=_now()
                )
            )
            audit.append(conn, by, "token.create", name)
        return token

    def user_for_token(self, token: str) -> User | None:
        """The enabled user an API token belongs to, or None."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users_table)
                .join(tokens_table, tokens_table.c.user_id == users_table.c.id)
                .where(tokens_table.c.token_hash == digest)
            ).first()
            user = _with_grants(conn, row) if row else None
        return user if user and not user.disabled else None

    # -- throttling -----------------------------------------------------------

    def note_failure(self, key: str) -> None:
        """Remember one failed login for ``key`` (e.g. address and user name)."""
        with self.engine.begin() as conn:
            conn.execute(attempts_table.insert().values(key=key, at=time.time()))
            conn.execute(delete(attempts_table).where(attempts_table.c.at < time.time() - 86400))

    def too_many_failures(self, key: str, limit: int = 5, window: float = 300.0) -> bool:
        """True when ``key`` failed ``limit`` times within the last ``window`` seconds."""
        with self.engine.connect() as conn:
            count = conn.execute(
                select(func.count())
                .select_from(attempts_table)
                .where(attempts_table.c.key == key, attempts_table.c.at > time.time() - window)
            ).scalar()
        return (count or 0) >= limit
