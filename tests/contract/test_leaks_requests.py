"""Leak suite, requests to consult records (查档申请): on every backend and both catalogs, a
request may name only records its filer may see, and a closed 档号 is refused exactly like
an unknown one; a record closed after it was named never shows its title to the requester
or the public (the follow page and API), and staff of another archive never see the request.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app, lantai_of
from tests.conftest import buffered_client
from tests.contract.conftest import BACKENDS
from tests.contract.test_leaks import holdings, runtime_on, visibility_of

PASSWORD = "correct horse battery"
pytestmark = [pytest.mark.both_catalogs, pytest.mark.usefixtures("catalog_url")]
REQUEST = {"name": "王小明", "contact": "wang@example.org", "purpose": "查阅", "kind": "other"}
REQUEST_SETTINGS = settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def site_on(config, request):
    app = create_app(replace(config, request_rate_limit=100_000))
    lantai = lantai_of(app)
    request.addfinalizer(lantai.close)
    return buffered_client(app), lantai


@pytest.mark.parametrize("backend", BACKENDS)
@REQUEST_SETTINGS
@given(rows=holdings())
def test_a_closed_code_is_refused_exactly_like_an_unknown_one(backend, request, rows):
    with runtime_on(backend, request, rows) as (_lantai, config):
        client, _ = site_on(config, request)
        unknown = client.post("/api/v1/requests", json={**REQUEST, "records": ["city-a/NO-SUCH-CODE"]})
        for row in rows:
            key = f"{row['archive']}/{row['archive_code']}"
            for named in (key, row["archive_code"]):
                answer = client.post("/api/v1/requests", json={**REQUEST, "records": [named]})
                if visibility_of(row) == "none":
                    same = answer.get_data(as_text=True).replace(named, "city-a/NO-SUCH-CODE")
                    assert (answer.status_code, same) == (400, unknown.get_data(as_text=True))
                    assert row["title"] not in answer.get_data(as_text=True)
                else:
                    assert answer.status_code == 201, answer.get_json()


@pytest.mark.parametrize("backend", BACKENDS)
@REQUEST_SETTINGS
@given(rows=holdings(), data=st.data())
def test_records_closed_after_a_request_named_them_never_show_their_title(backend, request, rows, data):
    opened = [dict(row, access="open", classification="无") for row in rows]
    with runtime_on(backend, request, opened) as (_lantai, config):
        client, lantai = site_on(config, request)
        lantai.users.add("boss", "admin", PASSWORD, ("*",), clearance=True)
        lantai.users.add("other", "staff", PASSWORD, ("elsewhere",))
        keys = [f"{r['archive']}/{r['archive_code']}" for r in opened]
        filed = [
            client.post("/api/v1/requests", json={**REQUEST, "records": [key]}).get_json() for key in keys
        ]
        fate = {}
        for row, key in zip(opened, keys, strict=True):
            fate[key] = data.draw(st.sampled_from(["open", "catalog_only", "controlled"]), label=key)
            if fate[key] != "open":
                lantai.decide(row["archive"], row["archive_code"], fate[key], "复审", "boss")
        visible = {r["title"] for r, k in zip(opened, keys, strict=True) if fate[k] != "controlled"}
        other = {"Authorization": f"Bearer {lantai.users.create_token('other')}"}
        assert client.get("/api/v1/staff/requests", headers=other).get_json()["total"] == 0
        for row, key, answer in zip(opened, keys, filed, strict=True):
            ref, code = answer["reference"], answer["check_code"]
            api = client.get(f"/api/v1/requests/{ref}?code={code}")
            page = client.get(f"/requests/{ref}?code={code}")
            assert api.status_code == page.status_code == 200
            assert client.get(f"/api/v1/staff/requests/{ref}", headers=other).status_code == 404
            if fate[key] == "controlled" and row["title"] not in visible:
                for body in (api.get_data(as_text=True), page.get_data(as_text=True)):
                    assert row["title"] not in body, (key, body)
                assert json.loads(api.data)["records"] == [{"id": key, "archive_code": row["archive_code"]}]
