"""Holes found by trying the service from outside (issue 12): status checks without
clearance, who may decide, the sign-in redirect, admins of every archive, unknown archive
ids, and review dates of controlled and undated records."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from app import lantai_of
from app.cli import main
from catalog import audit
from tests.conftest import csrf, record, write_jsonl

PASSWORD = "correct horse battery"
SECRET_TITLE = "机要电报汇编"


@pytest.fixture
def site(client, tmp_path):
    lantai = lantai_of(client.application)
    path = write_jsonl(
        tmp_path / "s.jsonl",
        [
            record("J1-1", "一九五〇年春耕生产通知", date="1950-03-01", access="unreviewed"),
            record("J1-2", "一九五二年扫盲总结", date="1952", access="open"),
            record("J1-3", SECRET_TITLE, date="1950", access="unreviewed", classification="机密"),
            record("J1-4", "未注日期的会议记录", date="", access="unreviewed"),
            record("J1-5", "控制使用的人事档案", date="1990", access="controlled"),
            record("K1-1", "县里的未审档案", date="1950", access="unreviewed", archive="fx-county"),
        ],
    )
    assert lantai.ingester.ingest([path]).failed == 0
    lantai.users.add("reviewer1", "reviewer", PASSWORD, ("test-city",))
    lantai.users.add("clerk1", "staff", PASSWORD, ("test-city",))
    lantai.users.add("cleared1", "staff", PASSWORD, ("test-city",), clearance=True)
    lantai.users.add("admin0", "admin", PASSWORD, (), clearance=True)
    lantai.users.add("admin1", "admin", PASSWORD, ("*",), clearance=True)
    lantai.users.add("gone1", "reviewer", PASSWORD, ("test-city",))
    lantai.users.disable("gone1")
    return client


def login(client, name, next_url=None):
    token = csrf(client)
    url = "/login" if next_url is None else "/login?" + next_url
    response = client.post(url, data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def bearer(client, name):
    return {"Authorization": "Bearer " + lantai_of(client.application).users.create_token(name)}


# -- 1. status checks decide by the policy ---------------------------------------------


def test_staff_without_clearance_learn_only_that_a_classified_code_exists(site):
    login(site, "clerk1")
    page = site.post(
        "/staff/status",
        data={"archive": "test-city", "codes": "J1-3\nJ1-1", "csrf_token": csrf(site, "/staff/status")},
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert SECRET_TITLE not in html and "机密" not in html
    assert 'class="needs-clearance"><td>J1-3</td>' in html
    assert "一九五〇年春耕生产通知" in html  # unclassified: in full


def test_staff_with_clearance_see_the_classified_status(site):
    login(site, "cleared1")
    page = site.post(
        "/staff/status",
        data={"archive": "test-city", "codes": "J1-3", "csrf_token": csrf(site, "/staff/status")},
    )
    assert SECRET_TITLE in page.get_data(as_text=True)


def test_cli_status_as_a_user_follows_the_policy(site, capsys, monkeypatch):
    monkeypatch.setenv("LANTAI_DATA_DIR", str(lantai_of(site.application).settings.data_dir))
    monkeypatch.setenv("LANTAI_INGEST_ENTITIES", "false")
    assert (
        main(["review", "status", "J1-3", "J1-1", "--archive", "test-city", "--user", "clerk1", "--json"])
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert rows[0] == {"archive_code": "J1-3", "found": True, "needs_clearance": True}
    assert rows[1]["title"] == "一九五〇年春耕生产通知"
    # Staff of another archive learn nothing of it; the operator (no --user) sees all.
    lantai_of(site.application).users.add("county1", "staff", PASSWORD, ("fx-county",))
    assert main(["review", "status", "J1-3", "--archive", "test-city", "--user", "county1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"archive_code": "J1-3", "found": False}]
    assert main(["review", "status", "J1-3", "--archive", "test-city", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["title"] == SECRET_TITLE
    assert main(["review", "status", "J1-3", "--archive", "test-city", "--user", "nobody"]) == 2


# -- 7. who decided ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "code", "why"),
    [
        ("nobody", "J1-1", "no such user"),
        ("gone1", "J1-1", "disabled"),
        ("clerk1", "J1-1", "reviewer or admin role"),
        ("reviewer1", "K1-1", "does not review archive"),
        ("reviewer1", "J1-3", "with clearance"),  # classified, and reviewer1 has no clearance
    ],
)
def test_review_by_must_name_an_enabled_reviewer_of_that_archive(site, capsys, monkeypatch, by, code, why):
    lantai = lantai_of(site.application)
    monkeypatch.setenv("LANTAI_DATA_DIR", str(lantai.settings.data_dir))
    archive = "fx-county" if code.startswith("K") else "test-city"
    before = audit.entries(lantai.store.engine, action="decision")
    assert (
        main(["review", code, "--archive", archive, "--decision", "open", "--reason", "到期", "--by", by])
        == 1
    )
    assert why in capsys.readouterr().err
    assert lantai.store.get(archive, code).access == "unreviewed"  # nothing stored
    assert audit.entries(lantai.store.engine, action="decision") == before
    assert lantai.review.last_decision(archive, code) is None


def test_review_by_an_enabled_reviewer_is_stored(site, monkeypatch):
    lantai = lantai_of(site.application)
    monkeypatch.setenv("LANTAI_DATA_DIR", str(lantai.settings.data_dir))
    assert (
        main(
            [
                "review",
                "J1-1",
                "--archive",
                "test-city",
                "--decision",
                "open",
                "--reason",
                "到期",
                "--by",
                "reviewer1",
            ]
        )
        == 0
    )
    assert lantai.review.last_decision("test-city", "J1-1")["by"] == "reviewer1"
    assert (
        main(
            [
                "review",
                "K1-1",
                "--archive",
                "fx-county",
                "--decision",
                "open",
                "--reason",
                "到期",
                "--by",
                "admin1",
            ]
        )
        == 0
    )


# -- 8. the sign-in redirect ---------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/\\example.com",
        "/\\/example.com",
        "//example.com",
        "///example.com",
        "https://example.com",
        "javascript:alert(1)",
        "/%0d%0aLocation:%20http://x",
        "/\texample.com",
        "example.com",
        "/no-such-page",
        "/staff/decisions",  # POST only
    ],
)
def test_sign_in_returns_only_to_a_page_of_this_app(site, target):
    from urllib.parse import urlencode

    response = login(site, "reviewer1", urlencode({"next": target}))
    assert response.headers["Location"] == "/staff/"


@pytest.mark.parametrize("target", ["/staff/queue", "/search?q=%E5%9C%9F%E5%9C%B0", "/"])
def test_sign_in_returns_to_a_routed_page(site, target):
    from urllib.parse import unquote, urlencode

    response = login(site, "reviewer1", urlencode({"next": unquote(target)}))
    assert unquote(response.headers["Location"]) == unquote(target)


# -- 9. admins, and archive ids ----------------------------------------------------------


def test_an_admin_without_archives_is_told_so(site):
    login(site, "admin0")
    queue = site.get("/staff/", follow_redirects=True).get_data(as_text=True)
    assert 'id="no-archives"' in queue and "--archive '*'" in queue


def test_an_admin_of_every_archive_sees_every_archive(site):
    login(site, "admin1")
    queue = site.get("/staff/queue").get_data(as_text=True)
    assert 'id="no-archives"' not in queue
    assert "test-city/J1-1" in queue and "fx-county/K1-1" in queue and "test-city/J1-3" in queue
    found = site.get("/staff/search?q=县里的未审档案").get_data(as_text=True)
    assert "县里的未审档案" in found


def test_every_archive_is_refused_to_other_roles(site):
    from catalog.users import UserError

    with pytest.raises(UserError, match="admins only"):
        lantai_of(site.application).users.add("clerk2", "staff", PASSWORD, ("*",))


@pytest.mark.parametrize("archive", ["nonexist", "宝鸡市档案馆", "test-city,nonexist"])
def test_an_unknown_archive_answers_400_naming_the_known_ones(site, archive, capsys, monkeypatch):
    api = site.get("/api/v1/search", query_string={"q": "通知", "archive": archive})
    assert api.status_code == 400
    assert api.get_json()["parameter"] == "archive"
    assert "fx-county" in api.get_json()["error"] and "test-city" in api.get_json()["error"]
    page = site.get("/search", query_string={"q": "通知", "archive": archive})
    assert page.status_code == 400 and "fx-county, test-city" in page.get_data(as_text=True)
    login(site, "reviewer1")
    staff = site.get("/staff/search", query_string={"q": "通知", "archive": archive})
    assert staff.status_code == 400 and "fx-county, test-city" in staff.get_data(as_text=True)
    monkeypatch.setenv("LANTAI_DATA_DIR", str(lantai_of(site.application).settings.data_dir))
    assert main(["search", "通知", "--archive", archive]) == 2
    assert "fx-county, test-city" in capsys.readouterr().err


def test_a_known_archive_filters(site):
    api = site.get("/api/v1/search", query_string={"q": "", "archive": "test-city"})
    assert api.status_code == 200 and api.get_json()["total"] == 1


# -- 6. review dates -----------------------------------------------------------------


def test_controlled_records_imported_without_a_decision_come_due(site):
    lantai = lantai_of(site.application)
    days = lantai.settings.controlled_review_days
    today = date.today()
    before = [i.record.archive_code for i in lantai.review.queue(today=today + timedelta(days - 1))]
    assert "J1-5" not in before
    due = [
        i for i in lantai.review.queue(today=today + timedelta(days + 1)) if i.record.archive_code == "J1-5"
    ]
    assert [(i.why, i.due) for i in due] in (
        [("re-review", today + timedelta(days))],
        [("re-review", today + timedelta(days - 1))],
    )
    status = lantai.review.status("test-city", ["J1-5"])[0]
    assert status["due"] in ((today + timedelta(days)).isoformat(), (today + timedelta(days - 1)).isoformat())


def test_undated_records_are_listed_under_their_own_filter(site):
    lantai = lantai_of(site.application)
    far = date.today() + timedelta(days=365 * 200)
    assert "J1-4" not in [i.record.archive_code for i in lantai.review.queue(today=far)]
    undated = lantai.review.queue(undated=True)
    assert [(i.record.archive_code, i.why, i.due) for i in undated] == [("J1-4", "undated", None)]
    login(site, "reviewer1")
    page = site.get("/staff/queue").get_data(as_text=True)
    assert 'id="undated-note"' in page and "?undated=1" in page
    listed = site.get("/staff/queue?undated=1").get_data(as_text=True)
    assert "未注日期的会议记录" in listed and "无日期：无法计算 25 年开放期限" in listed
    assert "一九五〇年春耕生产通知" not in listed
