"""The access rules as one table: audience × 开放状态 × 密级 × archive → what may be shown.

:func:`catalog.policy.view_of` is the one decision every reader-side path asks; this table
is its specification.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from catalog.policy import PUBLIC, Audience, GrantedRecord, audience_for, view_of

A, B = "city-a", "county-b"
ACCESS = ("open", "catalog_only", "controlled", "unreviewed")
AUDIENCES = {
    "public": PUBLIC,
    "researcher": audience_for("researcher"),
    "staff of A": audience_for("staff", [A]),
    "staff of A with clearance": audience_for("staff", [A], clearance=True),
    "reviewer of A": audience_for("reviewer", [A]),
    "admin of every archive": audience_for("admin", ["*"], clearance=True),
    "admin without archives": audience_for("admin", [], clearance=True),
    # 查阅许可: a researcher granted A's record "1" (the one per-user exception), another
    # granted a record that is not this one, and an admin without archives holding a grant (ignored: only
    # researchers carry grants).
    "researcher granted A/1": audience_for("researcher", grants=[GrantedRecord(A, "1")]),
    "researcher granted A/2": audience_for("researcher", grants=[GrantedRecord(A, "2", True)]),
    "admin without archives granted A/1": audience_for("admin", [], grants=[GrantedRecord(A, "1")]),
}
# For each audience and (archive, classification): the view per status, in ACCESS order.
# O = originals (text and page images / files), T = text, C = catalog fields, - = nothing.
PUBLIC_ROW = {(A, "none"): "OC--", (A, "secret"): "----", (B, "none"): "OC--", (B, "secret"): "----"}
OWN_A = {**PUBLIC_ROW, (A, "none"): "OTTT"}
OWN_A_CLEARED = {**OWN_A, (A, "secret"): "TTTT"}
EVERYTHING = {(A, "none"): "OTTT", (A, "secret"): "TTTT", (B, "none"): "OTTT", (B, "secret"): "TTTT"}
TABLE = {
    "public": PUBLIC_ROW,
    "researcher": PUBLIC_ROW,
    "staff of A": OWN_A,
    "staff of A with clearance": OWN_A_CLEARED,
    "reviewer of A": OWN_A,
    "admin of every archive": EVERYTHING,
    "admin without archives": PUBLIC_ROW,
    # Text of A/1 whatever its status; never a classified record; originals only when public.
    "researcher granted A/1": {**PUBLIC_ROW, (A, "none"): "OTTT"},
    "researcher granted A/2": PUBLIC_ROW,
    "admin without archives granted A/1": PUBLIC_ROW,
}
LEVELS = {"O": "originals", "T": "text", "C": "catalog", "-": "none"}
CASES = [
    (who, archive, classification, access, LEVELS[views[i]])
    for who, rows in TABLE.items()
    for (archive, classification), views in rows.items()
    for i, access in enumerate(ACCESS)
]


def test_the_table_covers_every_audience_and_record():
    assert len(CASES) == len(AUDIENCES) * 2 * 2 * len(ACCESS)


@pytest.mark.parametrize(("who", "archive", "classification", "access", "expected"), CASES)
def test_view_of(who, archive, classification, access, expected):
    record = SimpleNamespace(archive=archive, archive_code="1", access=access, classification=classification)
    view = view_of(AUDIENCES[who], record)
    assert view.level == expected
    serves = (
        who in ("staff of A", "staff of A with clearance", "reviewer of A")
        and archive == A
        or who == "admin of every archive"
    )
    cleared = classification == "none" or "clearance" in who or who.startswith("admin")
    assert view.own == (serves and cleared)
    # Staff of the archive without clearance may learn that a classified 档号 exists: no more.
    assert view.needs_clearance == (serves and not cleared)
    assert view.text == (expected in ("text", "originals"))
    # Only the record's own staff see personal data: no grant in this table unmasks it.
    assert view.masked == (not view.own)
    assert view.granted == (who == "researcher granted A/1" and archive == A and classification == "none")


def test_a_grant_unmasks_personal_data_only_when_it_says_so():
    closed = SimpleNamespace(archive=A, archive_code="1", access="controlled", classification="none")
    masked = audience_for("researcher", grants=[GrantedRecord(A, "1")])
    unmasked = audience_for("researcher", grants=[GrantedRecord(A, "1", unmask_personal=True)])
    assert (view_of(masked, closed).level, view_of(masked, closed).masked) == ("text", True)
    assert (view_of(unmasked, closed).level, view_of(unmasked, closed).masked) == ("text", False)
    assert not view_of(unmasked, closed).own  # no status, no staff view
    # A grant gives text, never originals beyond what the public view allows.
    assert view_of(unmasked, closed).original((), False) == "none"


@pytest.mark.parametrize(
    "record",
    [
        SimpleNamespace(archive=A, access="open", classification="garbled"),
        SimpleNamespace(archive=A, access="opened?", classification="none"),
        SimpleNamespace(archive=A, access=None, classification=None),
    ],
)
def test_unreadable_status_or_classification_fails_closed(record):
    assert view_of(PUBLIC, record).level == "none"
    assert view_of(audience_for("staff", [A]), record).level in ("none", "text")
    assert view_of(audience_for("staff", [B]), record).level == "none"


def test_unknown_roles_are_the_public():
    record = SimpleNamespace(archive=A, access="unreviewed", classification="none")
    assert view_of(Audience(role="wizard", archives=frozenset({A})), record).level == "none"
    assert view_of(audience_for("wizard", [A], clearance=True), record).level == "none"


def test_every_archive_is_for_admins_only():
    record = SimpleNamespace(archive=B, access="unreviewed", classification="none")
    for role in ("staff", "reviewer", "researcher"):
        assert view_of(audience_for(role, ["*"], clearance=True), record).level == "none", role
    assert view_of(audience_for("admin", ["*"]), record).level == "text"


@pytest.mark.parametrize(
    ("personal_data", "unread", "expected"),
    [((), False, "shown"), (("mobile",), False, "withheld"), ((), True, "withheld")],
)
def test_originals_of_public_records_are_withheld_where_personal_data_or_unread(
    personal_data, unread, expected
):
    view = view_of(PUBLIC, SimpleNamespace(archive=A, access="open", classification="none"))
    assert view.original(personal_data, unread) == expected
    closed = view_of(PUBLIC, SimpleNamespace(archive=A, access="catalog_only", classification="none"))
    assert closed.original(personal_data, unread) == "none"
