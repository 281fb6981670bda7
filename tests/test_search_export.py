"""Search results export: ``GET /api/v1/search/export?format=csv|json|ris&…`` over HTTP."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import unquote

import pytest

from app import create_app, lantai_of
from app.citation import citation
from tests.conftest import buffered_client, csrf, record, write_jsonl
from tests.fixtures.ingest import make
from tests.test_exports import parse_ris

PASSWORD = "correct horse battery"
ID_NUMBER = "11010519491231002X"
ROWS = [
    *[
        record(
            f"J001-001-{n:04d}",
            f"关于第{n}批土地改革工作的报告",
            date=f"{1949 + n % 5}-0{n % 9 + 1}",
            creator="中共宝鸡县委" if n % 2 else "",
            text=f"寶雞縣第{n}區土地改革工作，联系人身份证号{ID_NUMBER}。",
        )
        for n in range(1, 13)
    ],
    record("J001-002-0001", "关于赵秘云同志土地改革问题的审查材料", access="unreviewed", text="土地改革审查"),
    record("J001-002-0002", "土地改革机要通信网建设", classification="机密", text="土地改革机要"),
    record("J001-003-0001", "宝鸡县档案汇集", files=["J001-003-0001.pdf"]),
    record(
        "J001-002-0003",
        "关于土地改革中征购粮食的报告",
        access="catalog_only",
        text="全文含有未开放内容：土地改革粮食征购明细",
        description="土地改革粮食征购工作",
    ),
]
OPEN = {
    f"test-city/{r['archive_code']}" for r in ROWS if r["access"] == "open" and r["classification"] == "无"
}
CATALOG_ONLY = "test-city/J001-002-0003"
CLOSED = {"test-city/J001-002-0001", "test-city/J001-002-0002"}


@pytest.fixture
def site(client, tmp_path):
    lantai = lantai_of(client.application)
    make.text_pdf(tmp_path / "J001-003-0001.pdf", ["第一页没有", "土地改革在第二页", "第三页"])
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS)]).failed == 0
    lantai.users.add("clerk1", "staff", PASSWORD, ("test-city",))
    lantai.users.add("scholar", "researcher", PASSWORD, ())
    return client


def bearer(client, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {lantai_of(client.application).users.create_token(name)}"}


def exported_json(client, query: str = "q=土地改革", headers: dict | None = None) -> dict:
    response = client.get(f"/api/v1/search/export?format=json&{query}", headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.data.decode("utf-8"))


def test_anonymous_callers_export_exactly_the_public_view_with_citations(site):
    searched = site.get("/api/v1/search?q=土地改革&size=100").get_json()
    document = exported_json(site)
    items = {item["id"]: item for item in document["items"]}
    assert list(items) == [hit["id"] for hit in searched["hits"]]
    assert set(items) == OPEN | {CATALOG_ONLY}
    assert document["count"] == searched["total"] == len(items)
    assert document["title"] == "检索结果：土地改革"
    store = lantai_of(site.application).store
    with site.application.app_context():
        for record_id, item in items.items():
            stored = store.get(*record_id.split("/"))
            fields = ("archive", "archive_code", "title", "creator", "date")
            expected = citation({name: getattr(stored, name) for name in fields})
            assert item["citation"] == expected
            assert item["archive"] == "test-city" and item["available"] is True
    first = items["test-city/J001-001-0001"]
    assert first["creator"] == "中共宝鸡县委" and first["citation"].startswith("中共宝鸡县委. ")
    assert "土地改革" in first["excerpt"] and "<mark>" not in first["excerpt"]
    assert first["pages"] == []  # no pages: its text came with the catalog row
    assert items["test-city/J001-003-0001"]["pages"] == [2]
    assert "第二页" in items["test-city/J001-003-0001"]["excerpt"]
    assert ID_NUMBER not in json.dumps(document, ensure_ascii=False)  # masked as on the page
    # 目录开放: catalog fields only, never its text or a snippet
    catalog_only = items[CATALOG_ONLY]
    assert (catalog_only["excerpt"], catalog_only["pages"]) == ("", [])
    assert "明细" not in json.dumps(document, ensure_ascii=False)


def test_csv_and_ris_carry_the_same_records(site):
    ids = [item["id"] for item in exported_json(site)["items"]]
    response = site.get("/api/v1/search/export?format=csv&q=土地改革&sort=date")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    assert sorted(r["记录标识"] for r in rows) == sorted(ids)
    assert [r["日期"] for r in rows] == sorted(r["日期"] for r in rows)  # the sort is kept
    ris = site.get("/api/v1/search/export?format=ris&q=土地改革")
    assert ris.mimetype == "application/x-research-info-systems"
    records = parse_ris(ris.data.decode("utf-8"))
    assert [dict(r)["C1"] for r in records] == ids


def test_the_answer_is_a_named_attachment_never_cached(site):
    response = site.get("/api/v1/search/export?format=csv&q=土地改革&type=文书")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "lantai-search-土地改革-" in unquote(disposition) and disposition.endswith(".csv")
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["X-Export-Count"] == str(len(OPEN) + 1)
    everything = site.get("/api/v1/search/export?format=ris")
    assert "filename=lantai-search-all-" in everything.headers["Content-Disposition"]


def test_filters_narrow_the_export_as_they_narrow_the_search(site):
    query = "q=土地改革&year_from=1950&year_to=1951"
    searched = site.get(f"/api/v1/search?{query}&size=100").get_json()
    assert 0 < searched["total"] < len(OPEN)
    assert [i["id"] for i in exported_json(site, query)["items"]] == [h["id"] for h in searched["hits"]]


def test_the_export_holds_at_most_the_configured_number(site, settings):
    app = create_app(settings.with_overrides(export_max_records=5))
    try:
        client = buffered_client(app)
        response = client.get("/api/v1/search/export?format=json&q=土地改革&size=2&page=3")
        document = json.loads(response.data)
        assert document["count"] == 5 and response.headers["X-Export-Count"] == "5"
        expected = client.get("/api/v1/search?q=土地改革&size=5").get_json()["hits"]
        assert [i["id"] for i in document["items"]] == [h["id"] for h in expected]
    finally:
        lantai_of(app).close()


def test_staff_export_their_own_view_and_researchers_the_public_one(site):
    staff = {i["id"] for i in exported_json(site, headers=bearer(site, "clerk1"))["items"]}
    assert "test-city/J001-002-0001" in staff  # unreviewed, of their archive
    assert "test-city/J001-002-0002" not in staff  # classified: no clearance
    researcher = exported_json(site, headers=bearer(site, "scholar"))
    assert researcher["items"] == exported_json(site)["items"]


def test_exports_by_signed_in_users_are_audited(site):
    store = lantai_of(site.application).store
    exported_json(site)  # anonymous: not audited
    assert store.audit_entries(action="export.search") == []
    document = exported_json(site, "q=土地改革&year_from=1950", headers=bearer(site, "clerk1"))
    (entry,) = store.audit_entries(action="export.search")
    assert (entry.actor, entry.subject) == ("clerk1", "土地改革")
    assert entry.detail == {
        "format": "json",
        "params": {"q": ["土地改革"], "year_from": ["1950"]},
        "items": document["count"],
        "total": document["count"],
    }
    assert store.verify_audit()[1] is None


def test_a_session_export_is_the_signed_in_users_view_and_audited(site):
    token = csrf(site)
    site.post("/login", data={"name": "clerk1", "password": PASSWORD, "csrf_token": token})
    ids = {i["id"] for i in exported_json(site)["items"]}
    assert "test-city/J001-002-0001" in ids
    assert [e.actor for e in lantai_of(site.application).store.audit_entries(action="export.search")] == [
        "clerk1"
    ]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("format=xls&q=土地改革", "format"),
        ("q=土地改革", "format"),
        ("format=docx&q=土地改革", "format"),
        ("format=csv&page=0", "page"),
        ("format=csv&size=abc", "size"),
        ("format=csv&year_from=abc", "year_from"),
        ("format=csv&year_from=1960&year_to=1950", "year_from"),
        ("format=csv&sort=random", "sort"),
        ("format=csv&archive=nonexist", "archive"),
        ("format=json&q=" + "长" * 501, "q"),
    ],
)
def test_malformed_parameters_answer_400_naming_the_field(site, query, parameter):
    response = site.get(f"/api/v1/search/export?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == parameter and parameter in body["error"]


def test_the_results_page_offers_the_exports(site):
    page = site.get("/search?q=土地改革&type=文书").get_data(as_text=True)
    for name in ("csv", "json", "ris"):
        assert (
            f"/api/v1/search/export?format={name}&amp;q=%E5%9C%9F%E5%9C%B0%E6%94%B9%E9%9D%A9&amp;type="
            in page
        )
    english = site.get("/search?q=土地改革&lang=en").get_data(as_text=True)
    assert "Export" in english
