"""The request store (查档申请) keeps requests, their timeline and files in the catalog; the check
code is kept only as a hash, and the audit log never holds a requester's name or contact."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from catalog.requests import NewRequest, mask_contact, mask_name

pytestmark = pytest.mark.both_catalogs

NEW = NewRequest(
    name="王小明",
    contact="13812345678",
    purpose="办理退休",
    kind="employment",
    records=("test-city/J1-1",),
    description="1975年招工档案",
    delivery="visit",
    source="web",
    archive="test-city",
)


def test_a_filed_request_is_found_with_its_code_only(lantai):
    store = lantai.store.requests()
    filed, code = store.file(NEW, date(2026, 12, 23))
    assert filed.status == "received" and filed.records == ("test-city/J1-1",)
    assert store.checked(filed.reference, code) == filed
    assert store.checked(filed.reference, code + "x") is None
    assert store.checked("2026-NOSUCHREF", code) is None
    assert [e.kind for e in store.events(filed.id)] == ["received"]


def test_staff_steps_move_the_request_and_keep_its_history(lantai):
    store = lantai.store.requests()
    filed, _code = store.file(NEW, date(2026, 12, 23))
    store.add_event(filed, "forwarded", "clerk1", text="转凤翔县馆", status="forwarded", archive="fx-county")
    moved = store.get(filed.reference)
    assert moved.archive == "fx-county" and moved.status == "forwarded"
    store.add_event(
        moved,
        "answered",
        "clerk2",
        text="已出证",
        status="answered",
        files=[("证明.pdf", "application/pdf", b"%PDF")],
    )
    events = store.events(filed.id)
    assert [(e.kind, e.archive) for e in events] == [
        ("received", "test-city"),
        ("forwarded", "fx-county"),
        ("answered", "fx-county"),
    ]
    assert events[-1].files[0].filename == "证明.pdf" and events[-1].files[0].size == 4
    assert store.file_data(filed.id, events[-1].files[0].id) == ("证明.pdf", "application/pdf", b"%PDF")
    assert store.get(filed.reference).closed_at is not None


def test_the_audit_log_masks_the_requester(lantai):
    store = lantai.store.requests()
    filed, _code = store.file(NEW, date(2026, 12, 23))
    store.add_event(
        filed, "declined", "clerk1", text="未开放", rule="《档案法》第二十七条", status="declined"
    )
    text = repr(lantai.store.audit_entries(subject=f"request/{filed.reference}"))
    assert "王小明" not in text and "13812345678" not in text
    assert mask_name("王小明") in text and mask_contact("13812345678") in text


def test_purge_removes_personal_data_of_old_requests_and_keeps_them_counted(lantai):
    store = lantai.store.requests()
    old, _ = store.file(NEW, date(2020, 1, 21), now=datetime(2020, 1, 1, tzinfo=UTC))
    recent, _ = store.file(NEW, date(2026, 12, 23))
    lantai.store.research().queue_message(None, "request", "s", "b", address="13812345678", channel="sms")
    assert store.purge(datetime.now(UTC) - timedelta(days=1095)) == 1
    purged = store.get(old.reference)
    assert (purged.name, purged.contact, purged.description) == ("", "", "") and purged.purged_at
    assert store.get(recent.reference).name == "王小明"
    assert len(store.for_year(2020)) == 1
    assert store.purge(datetime.now(UTC) - timedelta(days=1095)) == 0
