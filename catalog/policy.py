"""Access policy (开放审核规则): the one place that decides what an audience may see.

Every public path asks this module, or uses the public visibility it computed and
the index stored. Unknown values fail closed.

Visibility levels:

- ``full``: catalog fields and text may be shown and searched;
- ``catalog``: catalog fields only (目录开放), the text is neither shown nor searched;
- ``none``: invisible, exactly as if the record did not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

VISIBILITIES = ("full", "catalog", "none")
ROLES = ("public", "researcher", "staff", "reviewer", "admin")


def public_visibility(access: str | None, classification: str | None) -> str:
    """Public visibility of a record from its 开放状态 and 密级.

    >>> public_visibility("open", "none"), public_visibility("catalog_only", "none")
    ('full', 'catalog')
    >>> public_visibility("open", "secret"), public_visibility("unreviewed", "none")
    ('none', 'none')
    >>> public_visibility(None, "none"), public_visibility("open", "garbled")
    ('none', 'none')
    """
    if classification != "none":
        return "none"
    return {"open": "full", "catalog_only": "catalog"}.get(access or "", "none")


@dataclass(frozen=True)
class GrantedRecord:
    """A record a researcher may read in full today by an access grant (查阅许可), and
    whether the grant shows its personal data (with a stated reason, kept by the grant)."""

    archive: str
    archive_code: str
    unmask_personal: bool = False


@dataclass(frozen=True)
class Audience:
    """Who is asking: a role, the archives a staff member serves, a clearance flag, and
    for a researcher the records their grants open today (查阅许可)."""

    role: str = "public"
    archives: frozenset[str] = frozenset()
    all_archives: bool = False
    clearance: bool = False
    grants: frozenset[GrantedRecord] = frozenset()

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            # Fail closed: an unknown role is the public.
            object.__setattr__(self, "role", "public")
        if self.role != "researcher":
            # Grants are a researcher's exception only; no other audience carries one.
            object.__setattr__(self, "grants", frozenset())

    def grant_for(self, archive: str, archive_code: str) -> GrantedRecord | None:
        """The grant that opens the record ``archive/archive_code`` to this audience, if any."""
        for grant in self.grants:
            if grant.archive == archive and grant.archive_code == archive_code:
                return grant
        return None

    @property
    def is_staff(self) -> bool:
        """True for roles that see closed records of their archives."""
        return self.role in ("staff", "reviewer", "admin")


PUBLIC = Audience()


#: The archive "id" that gives an admin every archive (``lantai user add … --archive '*'``).
ALL_ARCHIVES = "*"


def audience_for(
    role: str | None,
    archives: tuple[str, ...] | frozenset[str] = (),
    clearance: bool = False,
    grants: Iterable[GrantedRecord] = (),
) -> Audience:
    """Build an audience; anything unrecognised becomes the public. An admin given
    :data:`ALL_ARCHIVES` serves every archive; for any other role it means nothing.

    >>> audience_for("staff", ["baoji-city"]).is_staff
    True
    >>> audience_for("wizard").role
    'public'
    >>> audience_for("admin", ["*"]).all_archives, audience_for("staff", ["*"]).all_archives
    (True, False)
    """
    role = role if role in ROLES else "public"
    scope = frozenset(archives)
    return Audience(
        role=role,
        archives=scope - {ALL_ARCHIVES},
        all_archives=role == "admin" and ALL_ARCHIVES in scope,
        clearance=bool(clearance),
        grants=frozenset(grants),
    )


def operator_audience(role: str) -> Audience:
    """The audience of a trusted operator on the server's command line (all archives)."""
    if role == "public":
        return PUBLIC
    return Audience(role=role, all_archives=True, clearance=True)


@dataclass(frozen=True)
class Scope:
    """What an audience may match, in terms every search backend can translate.

    A record's text is visible when its public visibility is ``full``, or when it
    belongs to one of ``own_archives`` (all archives when ``all_archives``) and is
    unclassified or the audience has clearance. Its catalog fields are visible when
    its text is, or when its public visibility is ``catalog``.

    A researcher's grants (查阅许可) are not part of the scope: search matches for a
    researcher exactly what it matches for the public, and granted records are reached
    by their record pages, page text, folder items and exports (see :func:`view_of`).
    """

    own_archives: frozenset[str] = frozenset()
    all_archives: bool = False
    clearance: bool = False

    @property
    def is_public(self) -> bool:
        """True when this scope adds nothing to the public view."""
        return not self.all_archives and not self.own_archives


def scope_for(audience: Audience) -> Scope:
    """The search scope of an audience.

    >>> scope_for(PUBLIC).is_public
    True
    """
    if not audience.is_staff:
        return Scope()
    return Scope(
        own_archives=audience.archives, all_archives=audience.all_archives, clearance=audience.clearance
    )


def open_after_years(category: str, default: int, by_category: dict[str, int]) -> int:
    """Opening age in years for a category (开放期限).

    >>> open_after_years("经济", 25, {"经济": 20}), open_after_years("科技", 25, {"经济": 20})
    (20, 25)
    """
    return by_category.get(category, default)


def due_date(formation: str, years: int) -> date | None:
    """Date a record comes due for opening review: ``years`` after its formation date.

    Partial dates count from the end of their period, so a record is never due early.

    >>> due_date("1949-07-14", 25), due_date("1949", 25), due_date("", 25)
    (datetime.date(1974, 7, 14), datetime.date(1974, 12, 31), None)
    """
    if not formation:
        return None
    parts = [int(p) for p in formation.split("-")]
    year = parts[0] + years
    month = parts[1] if len(parts) > 1 else 12
    if len(parts) > 2:
        day = parts[2]
    else:
        next_month = date(year + (month == 12), month % 12 + 1, 1)
        day = (next_month - date.resolution).day
    try:
        return date(year, month, day)
    except ValueError:  # 29 February in a year that has none
        return date(year, month, day - 1)


def serves_archive(audience: Audience, archive: str) -> bool:
    """True when ``audience`` is staff, a reviewer or an admin serving ``archive`` (who may
    grant a researcher access to its records, 查阅许可).

    >>> serves_archive(Audience("staff", frozenset({"a"})), "a"), serves_archive(PUBLIC, "a")
    (True, False)
    """
    return audience.is_staff and (audience.all_archives or archive in audience.archives)


def can_decide(audience: Audience, archive: str, classified: bool) -> bool:
    """True when ``audience`` may record an opening decision (开放审核决定) for the record.

    >>> can_decide(Audience("reviewer", frozenset({"a"})), "a", False)
    True
    >>> can_decide(Audience("staff", frozenset({"a"})), "a", False)
    False
    """
    serves = serves_archive(audience, archive)
    return audience.role in ("reviewer", "admin") and serves and (not classified or audience.clearance)


def can_curate(role: str, curator: bool) -> bool:
    """True when an account may author online exhibitions (网上展览): an admin, or staff (or
    a reviewer) given the ``curator`` permission. Curating never widens what the public is
    shown: each item is still asked of :func:`view_of` when a page is shown.

    >>> can_curate("admin", False), can_curate("staff", True), can_curate("staff", False)
    (True, True, False)
    >>> can_curate("researcher", True)
    False
    """
    return role == "admin" or (role in ("staff", "reviewer") and curator)


def next_review_date(decided: date, interval_days: int) -> date:
    """When a ``controlled`` decision is due for review again (复审)."""
    return decided + timedelta(days=interval_days)


#: What the public may get of a record's original (a page image, or the file itself).
ORIGINAL_SHOWN, ORIGINAL_WITHHELD, ORIGINAL_NONE = "shown", "withheld", "none"


class Described(Protocol):
    """What the policy reads of a record: its archive, 档号, 开放状态 and 密级."""

    @property
    def archive(self) -> str: ...
    @property
    def archive_code(self) -> str: ...
    @property
    def access(self) -> str: ...
    @property
    def classification(self) -> str: ...


#: What an audience may be shown of a record, from least to most (阅览范围).
VIEW_NONE, VIEW_CATALOG, VIEW_TEXT, VIEW_ORIGINALS = "none", "catalog", "text", "originals"
VIEW_LEVELS = (VIEW_NONE, VIEW_CATALOG, VIEW_TEXT, VIEW_ORIGINALS)


@dataclass(frozen=True)
class View:
    """What one audience may be shown of one record: :func:`view_of` answers it.

    ``level`` is ``none`` (nothing: the record answers as if it did not exist), ``catalog``
    (catalog fields, 目录开放), ``text`` (also the full text) or ``originals`` (also page
    images and the original files, page by page as :meth:`original` allows). ``own`` is
    True for the record's own staff (their archive, cleared where it is classified): they
    see its status and its personal data unmasked. ``needs_clearance`` is True when the
    audience serves the record's archive but the record is classified and they have no
    clearance: they may learn that the 档号 exists, nothing more. ``granted`` is True when
    a researcher's access grant (查阅许可) gave more than the public view, and ``unmask``
    when that grant shows personal data.
    """

    level: str = VIEW_NONE
    own: bool = False
    needs_clearance: bool = False
    granted: bool = False
    unmask: bool = False

    @property
    def masked(self) -> bool:
        """True when personal data must be masked: for all but the record's own staff and
        a researcher whose grant says to show it."""
        return not (self.own or self.unmask)

    @property
    def shown(self) -> bool:
        """True when anything of the record may be shown."""
        return self.level != VIEW_NONE

    @property
    def visibility(self) -> str:
        """The level as the search JSON's ``visibility``: ``full``, ``catalog`` or ``none``."""
        return {VIEW_TEXT: "full", VIEW_ORIGINALS: "full"}.get(self.level, self.level)

    @property
    def text(self) -> bool:
        """True when the record's text may be shown (and matched)."""
        return self.level in (VIEW_TEXT, VIEW_ORIGINALS)

    def original(self, personal_data: Iterable[str] = (), unread: bool = False) -> str:
        """May an original (a page image, a file) be served: ``shown``, ``withheld`` (it
        carries personal data, or was never read, and an image cannot be masked) or
        ``none`` (answer as for a missing record)."""
        if self.level != VIEW_ORIGINALS:
            return ORIGINAL_NONE
        return ORIGINAL_WITHHELD if unread or any(personal_data) else ORIGINAL_SHOWN


def view_of(audience: Audience, record: Described) -> View:
    """What ``audience`` may be shown of ``record``: the one decision every reader-side
    path (hits, record pages, page images, downloads, entity pages, suggestions, the
    status check, the review queue) asks, through :class:`search.service.SearchService`.

    - the public, researchers, and staff of other archives: the public view (``originals``
      when unclassified and open, ``catalog`` when unclassified and 目录开放, else ``none``);
    - staff, reviewers and admins of the record's archive (an admin given ``*`` serves
      every archive): everything (``text``, or ``originals`` when it is public in full),
      unless it is classified (密级) and they lack clearance: then the public view;
    - a researcher holding a grant of the record today (查阅许可, the one per-user
      exception): its ``text`` (``originals`` only when the public view gives them),
      personal data masked unless the grant unmasks it. A grant never opens a classified
      record: grants of classified records are refused when made, and one whose record
      became classified later is ignored here.

    Unknown roles, statuses and classifications fail closed.

    >>> from types import SimpleNamespace as R
    >>> view_of(PUBLIC, R(archive="a", archive_code="1", access="open", classification="none")).level
    'originals'
    >>> staff = Audience("staff", frozenset({"a"}))
    >>> view_of(staff, R(archive="a", archive_code="1", access="unreviewed", classification="none")).own
    True
    >>> closed = R(archive="a", archive_code="1", access="unreviewed", classification="none")
    >>> reader = audience_for("researcher", grants=[GrantedRecord("a", "1")])
    >>> view_of(reader, closed).level, view_of(reader, closed).masked
    ('text', True)
    >>> view_of(reader, R(archive="a", archive_code="1", access="open", classification="secret")).level
    'none'
    """
    public = public_visibility(record.access, record.classification)
    level = {"full": VIEW_ORIGINALS, "catalog": VIEW_CATALOG}.get(public, VIEW_NONE)
    serves = serves_archive(audience, record.archive)
    classified = record.classification != "none"
    if serves and (not classified or audience.clearance):
        return View(level if level == VIEW_ORIGINALS else VIEW_TEXT, own=True)
    grant = audience.grant_for(record.archive, record.archive_code) if audience.grants else None
    if grant is not None and not classified:
        granted = level if level == VIEW_ORIGINALS else VIEW_TEXT
        return View(granted, granted=True, unmask=grant.unmask_personal)
    return View(level, needs_clearance=serves and classified)
