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
class Audience:
    """Who is asking: a role, the archives a staff member serves, and a clearance flag."""

    role: str = "public"
    archives: frozenset[str] = frozenset()
    all_archives: bool = False
    clearance: bool = False

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            # Fail closed: an unknown role is the public.
            object.__setattr__(self, "role", "public")

    @property
    def is_staff(self) -> bool:
        """True for roles that see closed records of their archives."""
        return self.role in ("staff", "reviewer", "admin")


PUBLIC = Audience()


def audience_for(role: str | None, archives: tuple[str, ...] | frozenset[str] = (),
                 clearance: bool = False) -> Audience:
    """Build an audience; anything unrecognised becomes the public.

    >>> audience_for("staff", ["baoji-city"]).is_staff
    True
    >>> audience_for("wizard").role
    'public'
    """
    return Audience(role=role if role in ROLES else "public", archives=frozenset(archives),
                    clearance=bool(clearance))


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
    return Scope(own_archives=audience.archives, all_archives=audience.all_archives,
                 clearance=audience.clearance)


def visibility(scope: Scope, archive: str, public: str, classified: bool) -> str:
    """Visibility of one record for a scope, from its stored public visibility.

    >>> visibility(Scope(), "baoji-city", "catalog", False)
    'catalog'
    >>> visibility(Scope(own_archives=frozenset({"baoji-city"})), "baoji-city", "none", False)
    'full'
    >>> visibility(Scope(own_archives=frozenset({"baoji-city"})), "baoji-city", "none", True)
    'none'
    """
    own = scope.all_archives or archive in scope.own_archives
    if own and (not classified or scope.clearance):
        return "full"
    return public if public in VISIBILITIES else "none"


def record_visibility(scope: Scope, archive: str, access: str | None,
                      classification: str | None) -> str:
    """Visibility of a catalog record (by status and classification) for a scope."""
    return visibility(scope, archive, public_visibility(access, classification),
                      classification != "none")


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


def can_see_closed(audience: Audience, archive: str, classified: bool) -> bool:
    """True when ``audience`` may see a record of ``archive`` whatever its status."""
    scope = scope_for(audience)
    own = scope.all_archives or archive in scope.own_archives
    return own and (not classified or scope.clearance)


def can_decide(audience: Audience, archive: str, classified: bool) -> bool:
    """True when ``audience`` may record an opening decision (开放审核决定) for the record.

    >>> can_decide(Audience("reviewer", frozenset({"a"})), "a", False)
    True
    >>> can_decide(Audience("staff", frozenset({"a"})), "a", False)
    False
    """
    return audience.role in ("reviewer", "admin") and can_see_closed(audience, archive, classified)


def next_review_date(decided: date, interval_days: int) -> date:
    """When a ``controlled`` decision is due for review again (复审)."""
    return decided + timedelta(days=interval_days)


#: What the public may get of a record's original (a page image, or the file itself).
ORIGINAL_SHOWN, ORIGINAL_WITHHELD, ORIGINAL_NONE = "shown", "withheld", "none"


def original_access(access: str | None, classification: str | None,
                    personal_data: Iterable[str] = (), unread: bool = False) -> str:
    """May the public see an original: the image of a page, or the file the pages came from?

    ``personal_data`` holds the kinds of personal data found on the page (for an image) or
    on any page of the file (for a download); ``unread`` is True when some of it has no text
    yet (e.g. a scan waiting for OCR), so nobody has checked it for personal data.

    - ``none``: the record's text is not public (closed, classified, 目录开放, unreadable
      status): answer exactly as for a record that does not exist;
    - ``withheld``: the text is public but the original carries personal data, or was never
      read: an image cannot be masked, so a short notice is shown instead;
    - ``shown``: the original may be served.

    >>> original_access("open", "none"), original_access("catalog_only", "none")
    ('shown', 'none')
    >>> original_access("open", "none", ["resident_id"]), original_access("open", "none", unread=True)
    ('withheld', 'withheld')
    >>> original_access("open", "secret"), original_access("unreviewed", "none", ["phone"])
    ('none', 'none')
    """
    if public_visibility(access, classification) != "full":
        return ORIGINAL_NONE
    if unread or any(personal_data):
        return ORIGINAL_WITHHELD
    return ORIGINAL_SHOWN
