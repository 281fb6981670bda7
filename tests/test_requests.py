"""Requests to consult records (查档申请) end to end over HTTP: filing by anyone (form and
JSON), following with the check code, staff answering, forwarding, files, personal data
and the year's figures."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app, lantai_of
from catalog.policy import audience_for
from config import load_settings
from tests.conftest import buffered_client, cli_env, csrf, record, write_jsonl

PASSWORD = "correct horse battery"
LANTAI = str(Path(sys.executable).with_name("lantai"))
ROWS = [
    record("J1-1", "宝鸡县招工花名册", date="1975"),
    record("J1-2", "知青下乡登记表", date="1969", access="catalog_only", description="知青名单"),
    record("J1-3", "关于某案件的机要报告", date="1980", access="unreviewed", text="机要"),
    record("J2-1", "凤翔县婚姻登记底册", date="1978", archive="fx-county"),
]
FILED = {
    "name": "王小明",
    "contact": "wang@example.org",
    "purpose": "办理退休手续",
    "kind": "employment",
    "records": ["test-city/J1-1"],
    "description": "本人1975年招工材料",
    "delivery": "electronic",
}


pytestmark = pytest.mark.both_catalogs  # the catalog on SQLite and on PostgreSQL


def make_site(tmp_path, catalog_url="", **overrides):
    config = load_settings(
        env={},
        data_dir=str(tmp_path / "data"),
        backend="sqlite",
        ingest_entities=False,
        database_url=catalog_url,
        **overrides,
    )
    app = create_app(config)
    app.config.update(TESTING=True)
    lantai = lantai_of(app)
    report = lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS)])
    assert report.failed == 0
    lantai.users.add("clerk1", "staff", PASSWORD, ("test-city",))
    lantai.users.add("clerk2", "staff", PASSWORD, ("fx-county",))
    lantai.users.add("boss", "admin", PASSWORD, ("*",), clearance=True)
    return app, lantai


@pytest.fixture
def site(tmp_path, request, catalog_url):
    app, lantai = make_site(tmp_path, catalog_url)
    request.addfinalizer(lantai.close)
    return app, lantai


def token(lantai, name):
    return {"Authorization": f"Bearer {lantai.users.create_token(name)}"}


def login(client, name):
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf(client)})
    assert answer.status_code == 302


def file(client, **changes):
    return client.post("/api/v1/requests", json={**FILED, **changes})


def test_anyone_files_a_request_and_follows_it_with_its_code(site):
    app, _lantai = site
    client = buffered_client(app)
    filed = file(client)
    assert filed.status_code == 201
    ref, code = filed.get_json()["reference"], filed.get_json()["check_code"]
    followed = client.get(f"/api/v1/requests/{ref}?code={code}").get_json()
    assert followed["status"] == "received" and followed["archive"] == "test-city"
    assert followed["records"] == [
        {"id": "test-city/J1-1", "archive_code": "J1-1", "title": "宝鸡县招工花名册"}
    ]
    assert [e["kind"] for e in followed["timeline"]] == ["received"]
    assert "王小明" not in json.dumps(followed, ensure_ascii=False)  # not echoed to whoever holds the code
    page = client.get(f"/requests/{ref}?code={code}")
    assert page.status_code == 200 and "已受理" in page.get_data(as_text=True)


def test_a_wrong_or_missing_code_answers_like_an_unknown_reference(site):
    app, _lantai = site
    client = buffered_client(app)
    ref = file(client).get_json()["reference"]
    unknown = client.get("/api/v1/requests/2026-ZZZZZZZZ?code=x")
    for url in (f"/api/v1/requests/{ref}?code=x", f"/api/v1/requests/{ref}"):
        wrong = client.get(url)
        assert (wrong.status_code, wrong.data) == (unknown.status_code, unknown.data) == (404, unknown.data)
    assert client.get(f"/requests/{ref}").status_code == 404


def test_validation_names_each_bad_field(site):
    app, _lantai = site
    answer = file(buffered_client(app), name="", contact="not reachable", kind="horoscope", delivery="pigeon")
    assert answer.status_code == 400
    assert set(answer.get_json()["fields"]) == {"name", "contact", "kind", "delivery"}
    no_body = buffered_client(app).post("/api/v1/requests", data="[]", content_type="application/json")
    assert no_body.status_code == 400 and "body" in no_body.get_json()["fields"]


def test_a_closed_record_is_refused_exactly_like_an_unknown_one(site):
    app, _lantai = site
    client = buffered_client(app)
    closed = file(client, records=["test-city/J1-3"]).get_json()
    unknown = file(client, records=["test-city/J1-9"]).get_json()
    assert closed["fields"] == {"records[0]": "no record 'test-city/J1-3' can be requested"}
    assert json.dumps(closed).replace("J1-3", "X") == json.dumps(unknown).replace("J1-9", "X")
    assert "机要" not in json.dumps(closed, ensure_ascii=False)


def test_a_catalog_only_record_page_offers_a_request_with_its_code_filled_in(site):
    app, _lantai = site
    client = buffered_client(app)
    page = client.get("/records/test-city/J1-2").get_data(as_text=True)
    assert "/requests/new?record=test-city/J1-2" in page and "申请查阅" in page
    form = client.get("/requests/new?record=test-city/J1-2").get_data(as_text=True)
    assert ">test-city/J1-2</textarea>" in form
    sent = client.post(
        "/requests/new",
        data={**FILED, "records": "J1-2", "kind": "zhiqing", "csrf_token": csrf(client, "/requests/new")},
    )
    assert sent.status_code == 201 and 'id="check-code"' in sent.get_data(as_text=True)


def test_the_rate_limit_and_the_honeypot_stop_floods(tmp_path, request, catalog_url):
    app, lantai = make_site(tmp_path, catalog_url, request_rate_limit=2)
    request.addfinalizer(lantai.close)
    client = buffered_client(app)
    assert [file(client).status_code for _ in range(3)] == [201, 201, 429]
    fresh = buffered_client(app)
    fresh.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    robot = file(fresh, website="http://spam.example")
    assert robot.status_code == 201
    assert lantai.store.requests().get(robot.get_json()["reference"]) is None
    assert len(lantai.store.requests().listing(None)) == 2


def test_staff_see_only_requests_addressed_to_their_archive(site):
    app, lantai = site
    client = buffered_client(app)
    ref = file(client).get_json()["reference"]
    mine = client.get("/api/v1/staff/requests", headers=token(lantai, "clerk1")).get_json()
    assert [r["reference"] for r in mine["requests"]] == [ref] and mine["requests"][0]["name"] == "王小明"
    other = token(lantai, "clerk2")
    assert client.get("/api/v1/staff/requests", headers=other).get_json()["total"] == 0
    assert client.get(f"/api/v1/staff/requests/{ref}", headers=other).status_code == 404
    refused = client.post(
        f"/api/v1/staff/requests/{ref}", json={"action": "reply", "text": "x"}, headers=other
    )
    assert refused.status_code == 404
    login(client, "clerk2")
    assert client.get(f"/staff/requests/{ref}").status_code == 404


def test_staff_decline_citing_a_rule_and_the_requester_reads_it(site):
    app, lantai = site
    client = buffered_client(app)
    filed = file(client).get_json()
    staff = token(lantai, "clerk1")
    url = f"/api/v1/staff/requests/{filed['reference']}"
    missing_rule = client.post(url, json={"action": "decline", "text": "尚未开放"}, headers=staff)
    assert missing_rule.status_code == 400 and set(missing_rule.get_json()["fields"]) == {"rule"}
    done = client.post(
        url, json={"action": "decline", "text": "尚未开放", "rule": "《档案法》第二十七条"}, headers=staff
    )
    assert done.status_code == 200 and done.get_json()["status"] == "declined"
    followed = client.get(f"/api/v1/requests/{filed['reference']}?code={filed['check_code']}").get_json()
    assert followed["timeline"][-1] | {"at": ""} == {
        "at": "",
        "kind": "declined",
        "archive": "test-city",
        "text": "尚未开放",
        "rule": "《档案法》第二十七条",
        "files": [],
    }
    audit = json.dumps(
        [e.detail for e in lantai.store.audit_entries(subject=filed["reference"])], ensure_ascii=False
    )
    assert "王小明" not in audit and "wang@example.org" not in audit and "w***@example.org" in audit


def test_a_forwarded_request_moves_with_its_history(site):
    app, lantai = site
    client = buffered_client(app)
    ref = file(client).get_json()["reference"]
    staff = token(lantai, "clerk1")
    moved = client.post(
        f"/api/v1/staff/requests/{ref}",
        json={"action": "forward", "to_archive": "fx-county", "text": "转凤翔"},
        headers=staff,
    )
    assert moved.status_code == 200 and moved.get_json()["moved_to"] == "fx-county"
    assert client.get(f"/api/v1/staff/requests/{ref}", headers=staff).status_code == 404
    theirs = client.get(f"/api/v1/staff/requests/{ref}", headers=token(lantai, "clerk2")).get_json()
    assert theirs["status"] == "forwarded"
    assert [(e["kind"], e["archive"], e["actor"]) for e in theirs["timeline"]] == [
        ("received", "test-city", "public"),
        ("forwarded", "fx-county", "clerk1"),
    ]


def test_staff_answer_with_a_certificate_the_requester_downloads(site):
    app, lantai = site
    client = buffered_client(app)
    filed = file(client).get_json()
    login(client, "clerk1")
    page = client.get(f"/staff/requests/{filed['reference']}").get_data(as_text=True)
    assert "王小明" in page and "wang@example.org" in page
    sent = client.post(
        f"/staff/requests/{filed['reference']}",
        data={
            "action": "answer",
            "text": "已出具档案证明",
            "file": (io.BytesIO(b"%PDF-1.4 certificate"), "档案证明.pdf", "application/pdf"),
            "csrf_token": csrf(client, f"/staff/requests/{filed['reference']}"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    followed = (
        buffered_client(app)
        .get(f"/api/v1/requests/{filed['reference']}?code={filed['check_code']}")
        .get_json()
    )
    assert followed["status"] == "answered"
    file_id = followed["timeline"][-1]["files"][0]["id"]
    download = buffered_client(app).get(
        f"/requests/{filed['reference']}/files/{file_id}?code={filed['check_code']}"
    )
    assert download.status_code == 200 and download.data == b"%PDF-1.4 certificate"
    assert download.headers["Content-Disposition"].isascii()  # gunicorn refuses other headers
    assert (
        buffered_client(app).get(f"/requests/{filed['reference']}/files/{file_id}?code=x").status_code == 404
    )


def test_staff_enter_a_phone_request_and_overdue_ones_are_flagged_on_their_home(site):
    app, lantai = site
    client = buffered_client(app)
    login(client, "clerk1")
    entered = client.post(
        "/staff/requests/new",
        data={
            **FILED,
            "records": "test-city/J1-1",
            "source": "phone",
            "csrf_token": csrf(client, "/staff/requests/new"),
        },
    )
    assert entered.status_code == 302
    listed = client.get("/api/v1/staff/requests?source=phone").get_json()["requests"]
    assert [(r["source"], r["entered_by"]) for r in listed] == [("phone", "clerk1")]
    assert "overdue-requests" not in client.get("/staff/queue").get_data(as_text=True)
    old = datetime.now(UTC) - timedelta(days=30)
    lantai.requests.file(FILED, audience_for("staff", ["test-city"]), "10.0.0.1", now=old)
    home = client.get("/staff/", follow_redirects=True).get_data(as_text=True)
    assert 'id="overdue-requests"' in home and "1 件查档申请已逾期未答复" in home
    assert len(client.get("/api/v1/staff/requests?overdue=1").get_json()["requests"]) == 1
    assert file(buffered_client(app), source="phone").get_json()["fields"] == {
        "source": "only staff enter requests on behalf of a person"
    }


def test_the_requester_is_told_by_mail_through_the_outbox(site, smtp_server):
    app, lantai = site
    client = buffered_client(app)
    filed = file(client).get_json()
    file(client, contact="13812345678")  # a phone: the SMS channel, kept but not sent
    url, inbox = smtp_server()
    env = cli_env(lantai.settings, LANTAI_SMTP_URL=url)
    sent = subprocess.run(
        [LANTAI, "requests", "notify"], env=env, capture_output=True, text=True, timeout=120
    )
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout) == {"sent": 1, "waiting": 0}
    (_sender, recipients, message) = inbox.received[0]
    assert recipients == ["wang@example.org"] and filed["reference"] in str(message["Subject"])
    assert filed["check_code"] in message.get_content()
    waiting = [m for m in lantai.workspace.store.unsent_messages() if m["user_id"] is None]
    assert [(m["channel"], m["address"]) for m in waiting] == [("sms", "13812345678")]


def test_the_figures_of_a_year_and_the_purge(site):
    app, lantai = site
    client = buffered_client(app)
    first = file(client).get_json()
    file(client, kind="zhiqing", records=["J1-2", "fx-county/J2-1"])
    client.post(
        f"/api/v1/staff/requests/{first['reference']}",
        json={"action": "answer", "text": "已答复"},
        headers=token(lantai, "clerk1"),
    )
    year = str(datetime.now(UTC).year)
    env = cli_env(lantai.settings)
    stats = subprocess.run(
        [LANTAI, "requests", "stats", "--year", year, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    figures = json.loads(stats.stdout)
    assert (figures["requests"], figures["records"]) == (2, 3)
    assert figures["by_kind"] == {"employment": 1, "zhiqing": 1}
    assert (
        figures["by_outcome"] == {"answered": 1, "received": 1} and figures["median_answer_days"] is not None
    )
    assert sum(figures["by_month"].values()) == 2 and figures["by_source"] == {"web": 2}
    login(client, "clerk1")
    assert "利用人次" in client.get(f"/staff/requests/stats?year={year}").get_data(as_text=True)
    kept = subprocess.run([LANTAI, "requests", "purge"], env=env, capture_output=True, text=True, timeout=120)
    assert kept.returncode == 0 and "0 requests purged" in kept.stderr
    purged = subprocess.run(
        [LANTAI, "requests", "purge"],
        env={**env, "LANTAI_REQUEST_RETENTION_DAYS": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert purged.returncode == 0, purged.stderr
    # not yet a day old: kept; the cut-off counts from the closing (or filing) date
    assert lantai.store.requests().get(first["reference"]).name == "王小明"


def test_the_csv_export_masks_the_requesters_and_is_audited(site):
    app, lantai = site
    client = buffered_client(app)
    ref = file(client, contact="13812345678").get_json()["reference"]
    export = client.get("/api/v1/staff/requests?format=csv", headers=token(lantai, "clerk1"))
    text = export.get_data(as_text=True)
    assert export.mimetype == "text/csv" and ref in text
    assert "王小明" not in text and "13812345678" not in text and "王**" in text and "138****5678" in text
    assert lantai.store.audit_entries(action="request.export")[0].detail == {"rows": 1, "format": "csv"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.dictionaries(
        st.sampled_from(
            [*FILED, "source", "archive", "website", "action", "rule", "to_archive", "grant_until"]
        ),
        json_values,
        max_size=6,
    )
)
def test_no_input_answers_a_server_error(site, body):
    app, lantai = site
    client = buffered_client(app)
    client.environ_base["REMOTE_ADDR"] = f"10.9.{len(str(body)) % 250}.{hash(str(body)) % 250}"
    filed = client.post("/api/v1/requests", json={**FILED, **body})
    assert filed.status_code in (201, 400, 429), filed.get_data(as_text=True)
    if filed.status_code == 400:
        assert filed.get_json()["fields"]
    ref = lantai.requests.file(FILED, audience_for("admin", ["*"]), "10.0.0.1")[0].reference
    step = client.post(f"/api/v1/staff/requests/{ref}", json=body, headers=token(lantai, "boss"))
    assert step.status_code in (200, 400), step.get_data(as_text=True)


def test_mistakes_do_not_count_against_the_rate_limit(tmp_path, request, catalog_url):
    app, lantai = make_site(tmp_path, catalog_url, request_rate_limit=1)
    request.addfinalizer(lantai.close)
    client = buffered_client(app)
    assert [file(client, contact="?").status_code for _ in range(3)] == [400, 400, 400]
    assert file(client).status_code == 201
    assert file(client).status_code == 429


def test_the_request_pages_speak_english_on_request(site):
    app, _lantai = site
    client = buffered_client(app)
    form = client.get("/requests/new?lang=en").get_data(as_text=True)
    assert "Ask to consult records" in form and "Contact (mobile phone or e-mail)" in form
    assert "申请查阅档案" in client.get("/requests/new?lang=zh").get_data(as_text=True)


def test_an_answer_with_a_grant_opens_the_named_records_to_the_researcher_who_asked(site):
    app, lantai = site
    lantai.users.add("res1", "researcher", PASSWORD)
    client = buffered_client(app)
    step = {"action": "answer", "text": "准予查阅", "grant_until": "2999-06-30"}
    staff, reader = token(lantai, "clerk1"), token(lantai, "res1")
    # Filed without an account: nobody to grant to; the step is refused and not stored.
    anonymous = client.post("/api/v1/requests", json=FILED).get_json()["reference"]
    refused = client.post(f"/api/v1/staff/requests/{anonymous}", json=step, headers=staff)
    assert refused.status_code == 400 and set(refused.get_json()["fields"]) == {"grant_until"}
    assert lantai.requests.store.get(anonymous).status == "received"
    # A researcher asks for a 目录开放 record's text; the answer grants it until the date.
    filed = {**FILED, "records": ["test-city/J1-2"]}
    ref = client.post("/api/v1/requests", json=filed, headers=reader).get_json()["reference"]
    assert client.get("/api/v1/records/test-city/J1-2", headers=reader).get_json()["visibility"] == "catalog"
    assert client.post(f"/api/v1/staff/requests/{ref}", json=step, headers=staff).status_code == 200
    assert client.get("/api/v1/records/test-city/J1-2", headers=reader).get_json()["visibility"] == "full"
    assert client.get("/api/v1/records/test-city/J1-2").get_json()["visibility"] == "catalog"
    grants = client.get("/api/v1/me/grants", headers=reader).get_json()
    assert [(g["record"]["id"], g["until"], g["request_reference"]) for g in grants["grants"]] == [
        ("test-city/J1-2", "2999-06-30", ref)
    ]
