"""Staff on the web: sign-in, CSRF, throttling, the queue, decisions, status checks, audit."""

from __future__ import annotations

import pytest

from app import lantai_of
from catalog import audit
from tests.conftest import csrf, record, write_jsonl

PASSWORD = "correct horse battery"


@pytest.fixture
def site(client, tmp_path):
    lantai = lantai_of(client.application)
    path = write_jsonl(
        tmp_path / "s.jsonl",
        [
            record(
                "J1-1",
                "一九五〇年春耕生产通知",
                date="1950-03-01",
                access="unreviewed",
                text="联系电话13912345678，春耕生产。",
            ),
            record("J1-2", "一九五二年扫盲总结", date="1952", access="unreviewed"),
            record("J1-3", "机要电报汇编", date="1950", access="unreviewed", classification="机密"),
            record("K1-1", "县里的未审档案", date="1950", access="unreviewed", archive="fx-county"),
        ],
    )
    assert lantai.ingester.ingest([path]).failed == 0
    lantai.users.add("reviewer1", "reviewer", PASSWORD, ("test-city",))
    lantai.users.add("clerk1", "staff", PASSWORD, ("test-city",))
    lantai.users.add("admin1", "admin", PASSWORD, (), clearance=True)
    return client


def login(client, name):
    token = csrf(client)
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def test_login_sets_a_hardened_session_cookie(site):
    response = login(site, "reviewer1")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_without_csrf_token_is_refused(site):
    response = site.post("/login", data={"name": "reviewer1", "password": PASSWORD})
    assert response.status_code == 400


def test_logins_are_throttled(site):
    token = csrf(site)
    codes = [
        site.post(
            "/login", data={"name": "clerk1", "password": "wrong password!", "csrf_token": token}
        ).status_code
        for _ in range(6)
    ]
    assert codes == [401] * 5 + [429]
    blocked = site.post("/login", data={"name": "clerk1", "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429


def test_staff_pages_need_a_staff_login(site):
    assert site.get("/staff/queue").status_code == 302
    login(site, "clerk1")
    assert site.get("/staff/queue").status_code == 200
    assert site.get("/staff/audit").status_code == 403


def test_queue_shows_due_records_of_own_archives_with_personal_data_flag(site):
    login(site, "clerk1")
    page = site.get("/staff/queue").get_data(as_text=True)
    assert "一九五〇年春耕生产通知" in page and "一九五二年扫盲总结" in page
    assert "县里的未审档案" not in page  # another archive
    assert "机要电报汇编" not in page  # classified, no clearance
    assert '<span class="pii-kind" data-kind="mobile">手机号码</span>' in page
    assert "开放期限届满" in page  # why it is due, as a label
    only_pii = site.get("/staff/queue?pii=yes").get_data(as_text=True)
    assert "一九五〇年春耕生产通知" in only_pii and "扫盲" not in only_pii


def test_record_view_highlights_personal_data_for_staff(site):
    login(site, "clerk1")
    page = site.get("/staff/records/test-city/J1-1").get_data(as_text=True)
    assert '<mark class="pii" data-kind="mobile" title="手机号码">13912345678</mark>' in page
    assert site.get("/staff/records/fx-county/K1-1").status_code == 404


def test_a_clerk_cannot_decide(site):
    login(site, "clerk1")
    response = site.post(
        "/staff/decisions",
        data={"id": "test-city/J1-1", "decision": "open", "reason": "x", "csrf_token": csrf(site, "/")},
    )
    assert response.status_code == 403


def test_bulk_decision_reaches_public_search(site):
    login(site, "reviewer1")
    response = site.post(
        "/staff/decisions",
        data={
            "id": ["test-city/J1-1", "test-city/J1-2", "fx-county/K1-1"],
            "decision": "open",
            "reason": "到期，经审核可以开放",
            "unit_opinion": "同意",
            "csrf_token": csrf(site, "/"),
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "已记录 2 项决定" in page and "fx-county/K1-1: 无权审核该档案" in page
    assert site.get("/api/v1/search?q=扫盲").get_json()["total"] == 1
    assert site.get("/api/v1/search?q=县里").get_json()["total"] == 0
    engine = lantai_of(site.application).store.engine
    assert len(audit.entries(engine, action="decision", actor="reviewer1")) == 2


def test_decisions_need_the_csrf_token(site):
    login(site, "reviewer1")
    response = site.post("/staff/decisions", data={"id": "test-city/J1-1", "decision": "open", "reason": "x"})
    assert response.status_code == 400
    assert lantai_of(site.application).store.get("test-city", "J1-1").access == "unreviewed"


def test_status_check_by_paste_and_upload(site):
    import io

    login(site, "clerk1")
    token = csrf(site, "/staff/status")
    pasted = site.post(
        "/staff/status", data={"archive": "test-city", "codes": "J1-1\nNOPE-9", "csrf_token": token}
    ).get_data(as_text=True)
    assert "一九五〇年春耕生产通知" in pasted and "未知档号" in pasted
    uploaded = site.post(
        "/staff/status",
        data={"archive": "test-city", "csrf_token": token, "file": (io.BytesIO(b"J1-2\n"), "codes.txt")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "一九五二年扫盲总结" in uploaded
    other = site.post("/staff/status", data={"archive": "fx-county", "codes": "K1-1", "csrf_token": token})
    assert other.status_code == 403


def test_admin_audit_page_lists_and_filters(site):
    login(site, "admin1")
    page = site.get("/staff/audit?action=user.add").get_data(as_text=True)
    assert "哈希链完整" in page and "reviewer1" in page and "login" not in page.split("<tbody>")[1]


def test_staff_search_shows_status_of_own_closed_records(site):
    login(site, "clerk1")
    page = site.get("/staff/search?q=春耕").get_data(as_text=True)
    assert "一九五〇年春耕生产通知" in page and "status-unreviewed" in page and "未审核" in page


def test_api_tokens_give_the_users_view(site):
    lantai = lantai_of(site.application)
    token = lantai.users.create_token("clerk1")
    headers = {"Authorization": f"Bearer {token}"}
    assert site.get("/api/v1/search?q=扫盲", headers=headers).get_json()["total"] == 1
    assert site.get("/api/v1/search?q=扫盲").get_json()["total"] == 0
    record_json = site.get("/api/v1/records/test-city/J1-1", headers=headers).get_json()
    assert record_json["access"] == "unreviewed" and "13912345678" in record_json["text"]
    bad = site.get("/api/v1/search?q=扫盲", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "invalid" in bad.get_json()["error"]
