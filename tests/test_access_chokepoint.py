"""Every route that answers with record data asks the one policy call, for every record it shows.

The test walks ``app.url_map``: each route is either listed with a request that makes it
show records, or listed as answering no record data (with the reason). A new route that is
in neither list fails here; one that shows a record without asking
:func:`catalog.policy.view_of` for it fails too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from app import lantai_of
from catalog import policy
from catalog.exhibition_spec import read_spec
from indexer.documents import index_doc
from tests.conftest import record, write_jsonl
from tests.fixtures.ingest import make

PASSWORD = "correct horse battery"
ROWS = [
    record("J1-1", "宝鸡县土地改革工作报告", date="1950-03-01", files=["J1-1.pdf"]),
    record("J1-2", "凤翔县土地改革总结", date="1951", text="土地改革胜利结束。"),
    record(
        "J1-3",
        "土地改革中机要情况的通报",
        date="1951",
        access="unreviewed",
        classification="机密",
        text="土地改革机要",
    ),
    record(
        "J1-4",
        "关于土地改革复查的报告",
        date="1952",
        access="catalog_only",
        text="复查材料",
        description="土地改革复查",
    ),
    record("J1-5", "土地改革遗留问题的处理意见", date="1953", access="unreviewed", text="土地改革遗留问题"),
    record("J1-6", "未注日期的土地改革会议记录", date="", access="unreviewed"),
]
ROWS = [{**row, "fonds": "J1"} for row in ROWS]  # one fonds (全宗号 column), for the fonds pages
TITLES = {f"test-city/{row['archive_code']}": row["title"] for row in ROWS}


#: A request to consult records (查档申请), as filed in the ``site`` fixture and by routes.
REQUEST = {"name": "王小明", "contact": "wang@example.org", "purpose": "退休", "kind": "employment"}


@dataclass(frozen=True)
class Json:
    """A JSON body to send (a form is sent as form fields)."""

    body: dict


#: Routes that answer with record data: (method, url, user or None, form) and the record ids
#: whose view must have been asked (beyond every record whose title the answer shows).
RECORD_ROUTES = {
    "public.home": [("GET", "/", None, None, ())],
    "public.search": [("GET", "/search?q=土地改革", None, None, ("test-city/J1-1",))],
    "public.record": [
        ("GET", "/records/test-city/J1-1", None, None, ("test-city/J1-1",)),
        ("GET", "/records/test-city/J1-6", "res1", None, ("test-city/J1-6",)),  # granted to res1
    ],
    "public.page_image": [("GET", "/records/test-city/J1-1/pages/1.png", None, None, ("test-city/J1-1",))],
    "public.original_file": [("GET", "/records/test-city/J1-1/files/1", None, None, ("test-city/J1-1",))],
    "fonds.archive": [("GET", "/fonds/test-city", None, None, ())],
    "fonds.fonds": [("GET", "/fonds/test-city/J1", None, None, ("test-city/J1-2", "test-city/J1-4"))],
    "public.entity": [("GET", "/entities/person/李有财", None, None, ("test-city/J1-2",))],
    "api.search": [("GET", "/api/v1/search?q=土地改革", None, None, ("test-city/J1-2",))],
    "api.record": [("GET", "/api/v1/records/test-city/J1-4", None, None, ("test-city/J1-4",))],
    "api.suggest": [("GET", "/api/v1/suggest?q=土地改革", None, None, ())],
    "api.page_boxes": [
        ("GET", "/api/v1/records/test-city/J1-1/pages/1/boxes?q=土地", None, None, ("test-city/J1-1",))
    ],
    "search_export.export": [
        ("GET", "/api/v1/search/export?format=json&q=土地改革", None, None, ("test-city/J1-2",)),
        ("GET", "/api/v1/search/export?format=csv&q=土地改革", "clerk1", None, ("test-city/J1-5",)),
    ],
    "staff.search": [("GET", "/staff/search?q=土地改革", "clerk1", None, ("test-city/J1-5",))],
    "staff.queue": [
        ("GET", "/staff/queue", "clerk1", None, ("test-city/J1-5",)),
        ("GET", "/staff/queue?undated=1", "clerk1", None, ()),
    ],
    "staff.record": [
        ("GET", "/staff/records/test-city/J1-5", "clerk1", None, ("test-city/J1-5",)),
        ("GET", "/staff/records/test-city/J1-3", "clerk1", None, ("test-city/J1-3",)),
    ],
    "staff.status": [
        (
            "POST",
            "/staff/status",
            "clerk1",
            {"archive": "test-city", "codes": "J1-3 J1-5 J1-1"},
            ("test-city/J1-3", "test-city/J1-5"),
        )
    ],
    "me_api.searches": [("GET", "/api/v1/me/searches", "res1", None, ("test-city/J1-2",))],
    "me_api.saved_search": [("GET", "/api/v1/me/searches/1", "res1", None, ("test-city/J1-2",))],
    "me_api.mark_seen": [("POST", "/api/v1/me/searches/1/seen", "res1", None, ("test-city/J1-2",))],
    "me_api.save_search": [
        ("POST", "/api/v1/me/searches", "res1", Json({"name": "n", "query": "土地改革"}), ("test-city/J1-2",))
    ],
    "me_api.folder": [("GET", "/api/v1/me/folders/1", "res1", None, ("test-city/J1-2",))],
    "me_api.export_folder": [
        ("GET", "/api/v1/me/folders/1/export?format=json", "res1", None, ("test-city/J1-2",))
    ],
    "me_api.items": [("GET", "/api/v1/me/folders/1/items", "res1", None, ("test-city/J1-2",))],
    "me_api.update_folder": [
        ("PATCH", "/api/v1/me/folders/1", "res1", Json({"name": "f"}), ("test-city/J1-2",))
    ],
    "me_api.add_item": [
        (
            "POST",
            "/api/v1/me/folders/1/items",
            "res1",
            Json({"record_id": "test-city/J1-4"}),
            ("test-city/J1-4",),
        ),
        (
            "POST",
            "/api/v1/me/folders/1/items",
            "res1",
            Json({"record_id": "test-city/J1-5"}),
            ("test-city/J1-5",),
        ),
    ],
    "me_api.update_item": [
        ("PATCH", "/api/v1/me/folders/1/items/1", "res1", Json({"note": "n"}), ("test-city/J1-2",))
    ],
    "me_api.reorder": [
        ("PUT", "/api/v1/me/folders/1/order", "res1", Json({"item_ids": [2, 1]}), ("test-city/J1-2",))
    ],
    "me_api.grants": [("GET", "/api/v1/me/grants", "res1", None, ("test-city/J1-6",))],
    "research.home": [("GET", "/me", "res1", None, ("test-city/J1-2", "test-city/J1-6"))],
    "research.folder": [("GET", "/me/folders/1", "res1", None, ("test-city/J1-2",))],
    "research.export_folder": [("GET", "/me/folders/1/export?format=csv", "res1", None, ("test-city/J1-2",))],
    "research.shared": [("GET", lambda: f"/shared/{SHARED['token']}", None, None, ("test-city/J1-2",))],
    "requests.new_request": [
        ("POST", "/requests/new", "clerk1", {**REQUEST, "records": "test-city/J1-5"}, ("test-city/J1-5",))
    ],
    "requests.api_file": [
        ("POST", "/api/v1/requests", None, Json({**REQUEST, "records": ["J1-4"]}), ("test-city/J1-4",))
    ],
    "requests.follow": [("GET", lambda: f"/requests/{SHARED['request']}", None, None, ("test-city/J1-4",))],
    "requests.api_follow": [
        ("GET", lambda: f"/api/v1/requests/{SHARED['request']}", None, None, ("test-city/J1-4",))
    ],
    "staff_requests.listing": [("GET", "/staff/requests", "clerk1", None, ("test-city/J1-4",))],
    "staff_requests.api_listing": [("GET", "/api/v1/staff/requests", "clerk1", None, ("test-city/J1-4",))],
    "staff_requests.detail": [
        ("GET", lambda: f"/staff/requests/{SHARED['staff_request']}", "clerk1", None, ("test-city/J1-4",))
    ],
    "staff_requests.api_detail": [
        (
            "GET",
            lambda: f"/api/v1/staff/requests/{SHARED['staff_request']}",
            "clerk1",
            None,
            ("test-city/J1-4",),
        )
    ],
    "staff_requests.api_act": [
        (
            "POST",
            lambda: f"/api/v1/staff/requests/{SHARED['staff_request']}",
            "clerk1",
            Json({"action": "reply", "text": "正在查找"}),
            ("test-city/J1-4",),
        )
    ],
    "oai.endpoint": [
        (
            "GET",
            "/oai?verb=ListRecords&metadataPrefix=oai_dc",
            None,
            None,
            ("test-city/J1-2", "test-city/J1-4"),
        ),
        (
            "GET",
            "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:lantai:test-city/J1-4",
            None,
            None,
            ("test-city/J1-4",),
        ),
    ],
    "opened.index": [("GET", "/opened", None, None, ("test-city/J1-2",))],
    "opened.month": [("GET", lambda: f"/opened/{OPENED_MONTH}", None, None, ("test-city/J1-2",))],
    "opened.month_csv": [("GET", lambda: f"/opened/{OPENED_MONTH}.csv", None, None, ("test-city/J1-2",))],
    "opened.feed": [("GET", "/opened.atom", None, None, ("test-city/J1-2",))],
    "findability.sitemap": [("GET", "/sitemap-1.xml", None, None, ("test-city/J1-1", "test-city/J1-4"))],
    "exhibitions.exhibition": [
        ("GET", "/exhibitions/tugai", None, None, ("test-city/J1-1", "test-city/J1-4", "test-city/J1-5")),
        ("GET", "/exhibitions/tugai", "clerk1", None, ("test-city/J1-5",)),  # as the public sees it
    ],
    "staff_exhibitions.editor": [
        ("GET", "/staff/exhibitions/tugai", "clerk1", None, ("test-city/J1-5", "test-city/J1-3"))
    ],
}
#: Routes that answer no record data, and why.
NO_RECORD_DATA = {
    "static": "the style sheet, script and icon",
    "auth.login": "the sign-in form",
    "auth.logout": "signs out and redirects",
    "public.search_tips": "a help page",
    "staff.home": "redirects to the queue",
    "staff.decide": "records decisions and redirects (a write, checked by can_decide)",
    "staff.audit_log": "the audit log (admins): who did what, not records",
    "me_api.folders": "a researcher's folder names and sizes",
    "me_api.create_folder": "makes an empty folder",
    "me_api.delete_search": "deletes, answers 204",
    "me_api.delete_folder": "deletes, answers 204",
    "me_api.delete_item": "deletes, answers 204",
    "me_api.share": "answers the share link only",
    "research.save_search": "saves and redirects (what it counts is shown by research.home)",
    "research.mark_seen": "marks seen and redirects to the results page",
    "research.delete_search": "deletes and redirects",
    "research.create_folder": "makes an empty folder and redirects",
    "research.update_folder": "renames and redirects",
    "research.delete_folder": "deletes and redirects",
    "research.add_item": "adds (asking the policy, as me_api.add_item) and redirects",
    "research.update_item": "saves a note and redirects",
    "research.move_item": "reorders and redirects",
    "research.delete_item": "deletes and redirects",
    "research.share": "makes a share link and redirects",
    "staff_grants.add": "grants access (a write, checked by serves_archive); answers 档号, dates, reasons",
    "staff_grants.listing": "grants of the caller's archives: 档号, dates, reasons, no record fields",
    "staff_grants.revoke": "revokes a grant of the caller's archives; answers it as staff_grants.listing",
    "requests.requester_file": "a file staff attached to a request (a certificate), not a record",
    "staff_requests.staff_file": "a file staff attached to a request, not a record",
    "staff_requests.stats": "counts of requests by month, kind, source, archive and outcome",
    "staff_requests.enter": "the entry form; filing asks the policy as requests.new_request, then redirects",
    "staff_requests.act": "takes a step (as staff_requests.api_act) and redirects to staff_requests.detail",
    "findability.robots": "the crawlers' rules",
    "findability.sitemap_index": "links to the sitemap files, no record",
    "openapi.document": "the API's OpenAPI document: routes and models, no records",
    "openapi.docs_page": "the page that renders the OpenAPI document",
    "openapi.docs_asset": "Swagger UI's style sheet and script",
    "exhibitions.index": "published exhibitions' titles and dates, no record",
    "exhibitions.sitemap": "the published exhibitions' addresses, no record",
    "exhibitions.cover": "an exhibition's cover, the curators' own image, not a record's",
    "staff_exhibitions.listing": "every exhibition's title and state, the curator's folder names",
    "staff_exhibitions.create": "makes an empty draft and redirects",
    "staff_exhibitions.from_folder": "drafts a folder as research.folder or .shared answers it",
    "staff_exhibitions.update": "saves titles, introduction and cover, redirects",
    "staff_exhibitions.publish": "publishes (audited) and redirects",
    "staff_exhibitions.unpublish": "unpublishes (audited) and redirects",
    "staff_exhibitions.delete": "deletes and redirects",
    "staff_exhibitions.add_section": "adds a section and redirects",
    "staff_exhibitions.update_section": "saves a section and redirects",
    "staff_exhibitions.delete_section": "deletes a section and redirects",
    "staff_exhibitions.add_item": "adds (asking the policy with the curator's audience) and redirects",
    "staff_exhibitions.update_item": "saves (asking the policy as add_item) and redirects",
    "staff_exhibitions.delete_item": "deletes and redirects",
}
#: The month (UTC) of the opening decision the ``site`` fixture makes.
OPENED_MONTH = datetime.now(UTC).strftime("%Y-%m")
#: The share token of the researcher's folder (made by the ``site`` fixture).
SHARED: dict[str, str] = {}


@pytest.fixture
def site(client, tmp_path):
    lantai = lantai_of(client.application)
    make.text_pdf(tmp_path / "J1-1.pdf", ["宝鸡县土地改革第一页", "第二页"])
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS)]).failed == 0
    lantai.decide("test-city", "J1-2", "open", "期满开放", "shen")  # for the catalogue of opened records
    stored = lantai.store.get("test-city", "J1-2")
    lantai.backend.index([replace(index_doc(stored), persons=("李有财",))])
    lantai.users.add("clerk1", "staff", PASSWORD, ("test-city",))
    researcher = lantai.users.add("res1", "researcher", PASSWORD)
    lantai.workspace.save_search(researcher, "土改", "土地改革", {})
    folder = lantai.workspace.create_folder(researcher, "专题", "")
    lantai.workspace.add_item(researcher, folder["id"], "test-city/J1-2", "", [], "")
    SHARED["token"] = lantai.workspace.share(researcher, folder["id"], True) or ""
    lantai.store.grants().grant("res1", ["test-city/J1-6"], "2999-12-31", "编史修志", "clerk1")
    filed, code = lantai.requests.file({**REQUEST, "records": ["test-city/J1-4"]}, policy.PUBLIC, "10.1.1.1")
    SHARED["request"] = f"{filed.reference}?code={code}"
    SHARED["staff_request"] = filed.reference
    lantai.users.set_curator("clerk1", True)
    items = [{"record": f"test-city/{code}", "page": 1} for code in ("J1-1", "J1-4", "J1-5", "J1-3")]
    exhibition = {
        "slug": "tugai",
        "title": "土改展",
        "published": True,
        "sections": [{"title": "s", "items": items}],
    }
    lantai.store.exhibitions().create(read_spec(exhibition), "t")
    return client


def unclassified_routes(app) -> set[str]:
    """Endpoints in neither list."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    return endpoints - set(RECORD_ROUTES) - set(NO_RECORD_DATA)


def unasked_records(client, monkeypatch, routes) -> list:
    """For each call of ``routes``: the records it showed (or had to ask about) without
    asking the policy; a call that asked nothing at all counts too."""
    asked: list[str] = []
    decide = policy.view_of

    def counting(audience, record):
        asked.append(f"{record.archive}/{record.archive_code}")
        return decide(audience, record)

    monkeypatch.setattr(policy, "view_of", counting)
    tokens, problems = {}, []
    for endpoint, calls in routes.items():
        for method, url, user, form, must_ask in calls:
            headers = {}
            if user:
                tokens.setdefault(user, lantai_of(client.application).users.create_token(user))
                headers["Authorization"] = f"Bearer {tokens[user]}"
            asked.clear()
            url = url() if callable(url) else url
            body = {"json": form.body} if isinstance(form, Json) else {"data": form}
            response = client.open(url, method=method, headers=headers, **body)
            assert response.status_code in (200, 201, 404), (endpoint, url, response.status_code)
            body = (
                response.get_data(as_text=True)
                if response.mimetype.startswith(("text/", "application/json"))
                else ""
            )
            shown = {i for i, title in TITLES.items() if title in body}
            missing = (shown | set(must_ask)) - set(asked)
            if missing or not asked:
                problems.append((endpoint, url, sorted(missing)))
    return problems


def test_every_route_is_classified(site):
    unknown = unclassified_routes(site.application)
    assert not unknown, (
        f"routes that answer with record data must ask catalog.policy.view_of "
        f"(add them to RECORD_ROUTES) or say why not (NO_RECORD_DATA): {unknown}"
    )
    endpoints = {rule.endpoint for rule in site.application.url_map.iter_rules()}
    assert not (set(RECORD_ROUTES) | set(NO_RECORD_DATA)) - endpoints


def test_every_record_route_asks_the_policy_for_every_record_it_shows(site, monkeypatch):
    assert unasked_records(site, monkeypatch, RECORD_ROUTES) == []


def test_a_route_that_forgets_the_policy_fails_both_checks(site, monkeypatch):
    app = site.application

    def careless(record_id: str):
        archive, _, code = record_id.partition("/")
        return {"title": lantai_of(app).store.get(archive, code).title}

    app.add_url_rule("/careless/<path:record_id>", "careless", careless)
    assert unclassified_routes(app) == {"careless"}
    rogue = {"careless": [("GET", "/careless/test-city/J1-5", None, None, ())]}
    assert unasked_records(site, monkeypatch, rogue) == [
        ("careless", "/careless/test-city/J1-5", ["test-city/J1-5"])
    ]
