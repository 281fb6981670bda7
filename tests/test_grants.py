"""Access grants (查阅许可): staff of a record's archive let one researcher read its full text
until a date. The record opens to that researcher only, through the access policy; after the
date, or once revoked, it answers 404 to them again; personal data stays masked unless the
grant says otherwise and why; every grant and revocation is audited."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from app import lantai_of
from tests.conftest import add_workspace_users, cli_env, csrf, record, write_jsonl

PASSWORD = "correct horse battery"
LANTAI = str(Path(sys.executable).with_name("lantai"))
MOBILE = "13912345678"
ROWS = [
    record("J1-1", "土地改革工作报告", text="土地改革胜利完成。"),
    record(
        "J1-5",
        "知青返城情况登记",
        access="controlled",
        text=f"知青李有财返城登记，联系电话{MOBILE}。",
        description="知青返城",
    ),
    record("J1-6", "机要通报", access="unreviewed", classification="机密", text="机要内容"),
    record("J1-7", "未审查的会议记录", access="unreviewed", text="会议记录全文"),
    record("K1-1", "县档案馆未开放档案", archive="test-county", access="unreviewed", text="县馆全文"),
]
UNTIL = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture
def site(client, tmp_path):
    lantai = lantai_of(client.application)
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS)]).failed == 0
    add_workspace_users(lantai, PASSWORD)
    lantai.users.add("clerk1", "staff", PASSWORD, ("test-city",))
    lantai.users.add("clerk2", "staff", PASSWORD, ("test-county",))
    return client


def bearer(client, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {lantai_of(client.application).users.create_token(name)}"}


def grant(client, by: str = "clerk1", **body) -> tuple[int, dict]:
    body = {"user": "res1", "records": ["test-city/J1-5"], "until": UNTIL, "reason": "编史修志", **body}
    response = client.post("/api/v1/staff/grants", json=body, headers=bearer(client, by))
    return response.status_code, response.get_json()


def reads(client, name: str | None, record_id: str = "test-city/J1-5") -> int:
    headers = bearer(client, name) if name else {}
    return client.get(f"/api/v1/records/{record_id}", headers=headers).status_code


def test_a_grant_opens_a_closed_record_to_that_researcher_only(site):
    assert {reads(site, who) for who in (None, "res1", "res2")} == {404}
    status, made = grant(site)
    assert status == 201
    [one] = made["grants"]
    assert (one["user"], one["record_id"], one["until"], one["active"]) == (
        "res1",
        "test-city/J1-5",
        UNTIL,
        True,
    )

    answer = site.get("/api/v1/records/test-city/J1-5", headers=bearer(site, "res1")).get_json()
    assert answer["text"].startswith("知青李有财返城登记") and answer["visibility"] == "full"
    assert "access" not in answer  # the status is for the record's own staff
    assert reads(site, None) == reads(site, "res2") == 404
    # the other records stay closed to the researcher
    assert reads(site, "res1", "test-city/J1-7") == 404


def test_the_record_page_and_its_text_open_to_the_grantee_personal_data_masked(site):
    grant(site)
    login(site, "res1")
    page = site.get("/records/test-city/J1-5")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "知青李有财返城登记" in html and MOBILE not in html and "***********" in html
    site.post("/logout", data={"csrf_token": csrf(site, "/")})
    assert site.get("/records/test-city/J1-5").status_code == 404


def test_personal_data_is_shown_only_when_the_grant_says_so_and_why(site):
    status, refused = grant(site, unmask_personal=True)
    assert status == 400 and refused["field"] == "personal_reason"
    assert reads(site, "res1") == 404  # nothing was granted
    status, _made = grant(site, unmask_personal=True, personal_reason="本人档案，出具证明")
    assert status == 201
    answer = site.get("/api/v1/records/test-city/J1-5", headers=bearer(site, "res1")).get_json()
    assert MOBILE in answer["text"]


def test_after_the_last_day_the_record_answers_404_again(site):
    lantai = lantai_of(site.application)
    grants = lantai.store.grants()
    yesterday = date.today() - timedelta(days=1)
    # granted a week ago until yesterday: over now
    grants.grant(
        "res1", ["test-city/J1-5"], yesterday, "编史修志", "clerk1", today=yesterday - timedelta(days=6)
    )
    assert reads(site, "res1") == 404
    res1 = lantai.users.get("res1")
    assert grants.active_records(res1.id, today=yesterday)  # on its last day it held
    assert not grants.active_records(res1.id, today=date.today())
    [listed] = site.get("/api/v1/me/grants", headers=bearer(site, "res1")).get_json()["grants"]
    assert listed["active"] is False and listed["record"] is None  # its 档号 only, no title


def test_a_grant_cannot_end_before_today(site):
    status, answer = grant(site, until=(date.today() - timedelta(days=1)).isoformat())
    assert status == 400 and answer["field"] == "until"
    status, answer = grant(site, until="next spring")
    assert status == 400 and answer["field"] == "until"


def test_revoking_closes_the_record_again_and_both_are_audited(site):
    _status, made = grant(site)
    grant_id = made["grants"][0]["id"]
    assert reads(site, "res1") == 200
    # staff of another archive: the same 404 as for a grant that does not exist
    other = site.delete(f"/api/v1/staff/grants/{grant_id}", headers=bearer(site, "clerk2"))
    assert other.status_code == 404 and reads(site, "res1") == 200
    revoked = site.delete(f"/api/v1/staff/grants/{grant_id}", headers=bearer(site, "clerk1"))
    assert revoked.status_code == 200 and revoked.get_json()["active"] is False
    assert reads(site, "res1") == 404

    store = lantai_of(site.application).store
    [added] = store.audit_entries(action="grant.add")
    assert (added.actor, added.subject) == ("clerk1", "test-city/J1-5")
    assert added.detail["user"] == "res1" and added.detail["until"] == UNTIL
    assert added.detail["reason"] == "编史修志"
    [gone] = store.audit_entries(action="grant.revoke")
    assert (gone.actor, gone.subject, gone.detail["grant"]) == ("clerk1", "test-city/J1-5", grant_id)
    assert store.verify_audit()[1] is None


def test_only_staff_of_the_records_archive_grant(site):
    status, answer = grant(site, by="clerk2")
    assert status == 403 and "test-city" in answer["error"]
    # the same answer for a 档号 that does not exist: staff of another archive learn nothing
    assert grant(site, by="clerk2", records=["test-city/NO-SUCH"]) == (status, answer)
    assert grant(site, by="res2")[0] == 403
    assert site.get("/api/v1/staff/grants").status_code == 401  # anonymous
    assert reads(site, "res1") == 404
    # staff of the county archive grant its records; an admin of every archive grants any
    assert grant(site, by="clerk2", records=["test-county/K1-1"])[0] == 201
    assert grant(site, by="boss", records=["test-city/J1-7"])[0] == 201
    assert reads(site, "res1", "test-county/K1-1") == reads(site, "res1", "test-city/J1-7") == 200


def test_a_classified_record_is_never_granted(site):
    status, answer = grant(site, by="boss", records=["test-city/J1-6"])
    assert status == 403 and "密级" in answer["error"]
    assert reads(site, "res1", "test-city/J1-6") == 404


def test_bad_input_names_the_field(site):
    assert grant(site, user="clerk2")[1]["field"] == "user"  # not a researcher
    assert grant(site, records="test-city/J1-5")[1]["field"] == "records"
    assert grant(site, records=["test-city/NO-SUCH"])[1]["field"] == "records"
    assert grant(site, reason="  ")[1]["field"] == "reason"
    assert grant(site, unmask_personal="yes")[1]["field"] == "unmask_personal"
    assert grant(site, request_reference="CD" * 40)[1]["field"] == "request_reference"
    assert lantai_of(site.application).store.grants().grants() == []  # all or nothing


def test_search_answers_a_granted_researcher_exactly_as_the_public(site):
    grant(site, records=["test-city/J1-5", "test-city/J1-7"])
    for q in ("知青", "会议记录", "土地改革"):
        public = site.get(f"/api/v1/search?q={q}").get_json()
        mine = site.get(f"/api/v1/search?q={q}", headers=bearer(site, "res1")).get_json()
        assert mine == public, q
    assert site.get("/api/v1/search?q=知青").get_json()["total"] == 0


def test_a_granted_record_goes_into_a_folder_but_not_into_its_share_link(site):
    grant(site)
    res1 = bearer(site, "res1")
    folder = site.post("/api/v1/me/folders", json={"name": "知青"}, headers=res1).get_json()
    item = site.post(
        f"/api/v1/me/folders/{folder['id']}/items",
        json={"record_id": "test-city/J1-5", "excerpt": "知青李有财返城登记"},
        headers=res1,
    )
    assert item.status_code == 201, item.get_json()
    exported = site.get(f"/api/v1/me/folders/{folder['id']}/export?format=json", headers=res1)
    assert "知青李有财返城登记" in exported.get_data(as_text=True)
    link = site.post(f"/api/v1/me/folders/{folder['id']}/share", json={}, headers=res1).get_json()["url"]
    shared = site.get(link)
    assert shared.status_code == 200 and "知青返城情况登记" not in shared.get_data(as_text=True)


def test_the_researcher_sees_their_grants_on_the_workspace(site):
    assert grant(site, request_reference="CD-2026-0001")[0] == 201
    [mine] = site.get("/api/v1/me/grants", headers=bearer(site, "res1")).get_json()["grants"]
    assert mine["record"]["title"] == "知青返城情况登记" and mine["request_reference"] == "CD-2026-0001"
    assert site.get("/api/v1/me/grants", headers=bearer(site, "res2")).get_json() == {"grants": []}
    assert site.get("/api/v1/me/grants").status_code == 401

    login(site, "res1")
    workspace = site.get("/me").get_data(as_text=True)
    assert "查阅许可" in workspace and "知青返城情况登记" in workspace and UNTIL in workspace
    assert re.search(r'<tr id="grant-\d+" class="active">', workspace)
    english = site.get("/me?lang=en").get_data(as_text=True)
    assert "Access grants" in english and "查阅许可" not in english


def test_staff_list_the_grants_of_their_archives(site):
    grant(site)
    grant(site, by="clerk2", records=["test-county/K1-1"])
    city = site.get("/api/v1/staff/grants", headers=bearer(site, "clerk1")).get_json()["grants"]
    assert [g["record_id"] for g in city] == ["test-city/J1-5"]
    every = site.get("/api/v1/staff/grants?user=res1", headers=bearer(site, "boss")).get_json()["grants"]
    assert {g["record_id"] for g in every} == {"test-city/J1-5", "test-county/K1-1"}


def test_the_grant_command(site):
    settings = lantai_of(site.application).settings

    def lantai(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [LANTAI, "grant", *args], env=cli_env(settings), capture_output=True, text=True, timeout=300
        )

    added = lantai(
        "add", "res1", "test-city/J1-5", "--until", UNTIL, "--reason", "编史修志", "--by", "clerk1"
    )
    assert added.returncode == 0, added.stderr
    assert f"res1 may read test-city/J1-5 until {UNTIL}" in added.stderr
    refused = lantai("add", "res1", "test-city/J1-7", "--until", UNTIL, "--reason", "x", "--by", "clerk2")
    assert refused.returncode == 2 and "does not serve archive 'test-city'" in refused.stderr
    listed = lantai("list", "--user", "res1")
    grant_id = listed.stdout.split("\t")[0]
    assert "test-city/J1-5" in listed.stdout and "active" in listed.stdout
    assert reads(site, "res1") == 200
    assert lantai("revoke", grant_id, "--by", "clerk1").returncode == 0
    assert "revoked" in lantai("list").stdout
    assert reads(site, "res1") == 404


def login(client, name: str) -> None:
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf(client)})
    assert response.status_code == 302
