"""A researcher's workspace through the API (``/api/v1/me/...``): saved searches with totals
and new hits, topic folders with notes, pages and checked excerpts, limits and bad input,
and records closed after they were saved, which show as no longer available."""

from __future__ import annotations

import pytest

from app import lantai_of
from catalog.policy import PUBLIC
from tests.conftest import add_workspace_users, record, write_jsonl
from tests.fixtures.ingest import make

PASSWORD = "correct horse battery"
ROWS = [
    record("J1-1", "宝鸡县土地改革工作报告", date="1950-03-01", files=["J1-1.pdf"]),
    record("J1-2", "凤翔县土地改革总结", date="1951", text="土地改革胜利结束，农民分得土地。"),
    record("J1-3", "土地改革机要通报", date="1951", access="unreviewed", text="土地改革机要材料"),
    record(
        "J1-4",
        "关于土地改革复查的报告",
        date="1952",
        access="catalog_only",
        text="复查材料",
        description="土地改革复查",
    ),
    record("J1-5", "兴修水利的报告", date="1958", text="冬季农田水利建设，联系人13912345678。"),
]

pytestmark = pytest.mark.both_catalogs  # the workspace's tables on SQLite and PostgreSQL


@pytest.fixture
def site(client, tmp_path):
    lantai = lantai_of(client.application)
    make.text_pdf(tmp_path / "J1-1.pdf", ["宝鸡县土地改革第一页", "第二页：全县成立农民协会。"])
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS)]).failed == 0
    add_workspace_users(lantai, PASSWORD)
    yield client
    lantai.close()  # its catalog connections (PostgreSQL's would outlive the test)


def bearer(client, name: str) -> dict[str, str]:
    token = lantai_of(client.application).users.create_token(name)
    return {"Authorization": f"Bearer {token}"}


def test_a_saved_search_counts_what_is_new_after_ingest_and_after_an_opening(site, tmp_path):
    me = bearer(site, "res1")
    saved = site.post(
        "/api/v1/me/searches",
        json={"name": "土改", "query": "土地改革", "filters": {"year_from": 1950, "year_to": "1960"}},
        headers=me,
    )
    assert saved.status_code == 201, saved.get_json()
    body = saved.get_json()
    assert body["total"] == 3 and body["new_hits"] == 0  # J1-1, J1-2, J1-4 (catalog fields)
    assert body["filters"] == {"year_from": "1950", "year_to": "1960"}

    lantai = lantai_of(site.application)
    more = [record("J2-1", "岐山县土地改革材料", date="1953", text="岐山县土地改革。")]
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "more.jsonl", more)]).failed == 0
    [listed] = site.get("/api/v1/me/searches", headers=me).get_json()["searches"]
    assert (listed["total"], listed["new_hits"]) == (4, 1)

    lantai.decide("test-city", "J1-3", "open", "到期开放", "boss")
    [listed] = site.get("/api/v1/me/searches", headers=me).get_json()["searches"]
    assert (listed["total"], listed["new_hits"]) == (5, 2)

    seen = site.post(f"/api/v1/me/searches/{listed['id']}/seen", headers=me).get_json()
    assert (seen["total"], seen["new_hits"]) == (5, 0)
    # Closing a record takes it out of the total, and it never counts as new.
    lantai.decide("test-city", "J2-1", "controlled", "涉及个人隐私", "boss")
    [listed] = site.get("/api/v1/me/searches", headers=me).get_json()["searches"]
    assert (listed["total"], listed["new_hits"]) == (4, 0)
    # Another researcher sees none of it.
    assert site.get("/api/v1/me/searches", headers=bearer(site, "res2")).get_json() == {"searches": []}
    assert (
        site.post(f"/api/v1/me/searches/{listed['id']}/seen", headers=bearer(site, "res2")).status_code == 404
    )


def test_folders_hold_items_with_notes_pages_and_checked_excerpts(site):
    me = bearer(site, "res1")
    made = site.post("/api/v1/me/folders", json={"name": "土地改革专题", "description": "资政"}, headers=me)
    assert made.status_code == 201
    folder = made.get_json()["id"]
    items = f"/api/v1/me/folders/{folder}/items"

    first = site.post(
        items,
        json={
            "record_id": "test-city/J1-1",
            "note": "见第二页",
            "pages": [2],
            "excerpt": "全县成立 农民协会",
        },
        headers=me,
    )
    assert first.status_code == 201, first.get_json()
    assert (
        first.get_json()["pages"] == [2] and first.get_json()["record"]["title"] == "宝鸡县土地改革工作报告"
    )
    # The excerpt must be on the pages named, in text the researcher can see.
    wrong_page = site.post(
        items, json={"record_id": "test-city/J1-1", "pages": [1], "excerpt": "农民协会"}, headers=me
    )
    assert wrong_page.status_code == 400 and wrong_page.get_json()["field"] == "excerpt"
    no_page = site.post(items, json={"record_id": "test-city/J1-1", "pages": [9]}, headers=me)
    assert no_page.status_code == 400 and no_page.get_json()["field"] == "pages"
    invented = site.post(items, json={"record_id": "test-city/J1-2", "excerpt": "地主逃亡"}, headers=me)
    assert invented.status_code == 400 and invented.get_json()["field"] == "excerpt"
    hidden_text = site.post(items, json={"record_id": "test-city/J1-4", "excerpt": "复查材料"}, headers=me)
    assert hidden_text.status_code == 400 and hidden_text.get_json()["field"] == "excerpt"
    masked = site.post(items, json={"record_id": "test-city/J1-5", "excerpt": "13912345678"}, headers=me)
    assert masked.status_code == 400  # personal data is masked on the public view
    second = site.post(
        items, json={"record_id": "test-city/J1-2", "note": "总结", "excerpt": "农民分得土地"}, headers=me
    )
    third = site.post(items, json={"record_id": "test-city/J1-4", "note": "目录开放"}, headers=me)
    assert second.status_code == third.status_code == 201

    ids = [first.get_json()["id"], second.get_json()["id"], third.get_json()["id"]]
    shown = site.get(f"/api/v1/me/folders/{folder}", headers=me).get_json()
    assert [i["id"] for i in shown["items"]] == ids and shown["size"] == 3
    order = site.put(f"/api/v1/me/folders/{folder}/order", json={"item_ids": ids[::-1]}, headers=me)
    assert [i["id"] for i in order.get_json()["items"]] == ids[::-1]
    partial = site.put(f"/api/v1/me/folders/{folder}/order", json={"item_ids": ids[:2]}, headers=me)
    assert partial.status_code == 400
    edited = site.patch(f"{items}/{ids[0]}", json={"note": "第二页最要紧"}, headers=me)
    assert edited.get_json()["note"] == "第二页最要紧"
    assert site.delete(f"{items}/{ids[1]}", headers=me).status_code == 204
    renamed = site.patch(f"/api/v1/me/folders/{folder}", json={"name": "土改"}, headers=me).get_json()
    assert renamed["name"] == "土改" and [i["id"] for i in renamed["items"]] == [ids[2], ids[0]]
    assert site.get("/api/v1/me/folders", headers=me).get_json()["folders"][0]["size"] == 2
    assert site.delete(f"/api/v1/me/folders/{folder}", headers=me).status_code == 204
    assert site.get(f"/api/v1/me/folders/{folder}", headers=me).status_code == 404


def test_a_record_closed_after_it_was_saved_shows_its_code_only(site):
    me = bearer(site, "res1")
    folder = site.post("/api/v1/me/folders", json={"name": "f"}, headers=me).get_json()["id"]
    site.post(
        f"/api/v1/me/folders/{folder}/items",
        json={"record_id": "test-city/J1-2", "note": "我的笔记", "excerpt": "土地改革胜利结束"},
        headers=me,
    )
    lantai_of(site.application).decide("test-city", "J1-2", "controlled", "重新控制", "boss")
    answer = site.get(f"/api/v1/me/folders/{folder}", headers=me)
    [item] = answer.get_json()["items"]
    assert site.get(f"/api/v1/me/folders/{folder}/items", headers=me).get_json() == {"items": [item]}
    assert item == {
        "id": item["id"],
        "position": 1,
        "available": False,
        "archive_code": "J1-2",
        "note": "我的笔记",
    }
    body = answer.get_data(as_text=True)
    assert "凤翔县土地改革总结" not in body and "胜利结束" not in body
    # The folder's export function gives the same view (for any audience).
    [for_export] = lantai_of(site.application).workspace.items_now(folder, PUBLIC)
    assert for_export["available"] is False and "record" not in for_export


def test_unknown_invisible_and_others_answer_404_alike(site):
    me, other = bearer(site, "res1"), bearer(site, "res2")
    folder = site.post("/api/v1/me/folders", json={"name": "f"}, headers=me).get_json()["id"]
    items = f"/api/v1/me/folders/{folder}/items"
    missing = site.post(items, json={"record_id": "test-city/NOPE"}, headers=me)
    closed = site.post(items, json={"record_id": "test-city/J1-3"}, headers=me)
    assert missing.status_code == closed.status_code == 404
    assert (missing.data, dict(missing.headers)) == (closed.data, dict(closed.headers))
    theirs = site.get(f"/api/v1/me/folders/{folder}", headers=other)
    nowhere = site.get("/api/v1/me/folders/99999", headers=other)
    assert theirs.status_code == nowhere.status_code == 404 and theirs.data == nowhere.data
    assert site.post(items, json={"record_id": "test-city/J1-2"}, headers=other).status_code == 404
    assert site.delete(f"/api/v1/me/folders/{folder}", headers=other).status_code == 404
    assert site.get(f"/api/v1/me/folders/{folder}", headers=me).status_code == 200


def test_limits_and_bad_input_answer_400_with_a_message(site):
    me = bearer(site, "res1")
    for url in ("/api/v1/me/searches", "/api/v1/me/folders"):
        broken = site.post(url, data="{not json", content_type="application/json", headers=me)
        assert broken.status_code == 400 and "JSON object" in broken.get_json()["error"]
        listed = site.post(url, json=["a"], headers=me)
        assert listed.status_code == 400
    long_name = site.post("/api/v1/me/folders", json={"name": "专" * 201}, headers=me)
    assert long_name.status_code == 400 and long_name.get_json()["field"] == "name"
    empty = site.post("/api/v1/me/folders", json={"name": "  "}, headers=me)
    assert empty.get_json()["field"] == "name"
    bad_filter = site.post(
        "/api/v1/me/searches", json={"name": "x", "query": "土地", "filters": {"colour": "red"}}, headers=me
    )
    assert bad_filter.status_code == 400 and bad_filter.get_json()["field"] == "filters.colour"
    bad_year = site.post(
        "/api/v1/me/searches",
        json={"name": "x", "query": "土地", "filters": {"year_from": "明年"}},
        headers=me,
    )
    assert bad_year.status_code == 400 and bad_year.get_json()["field"] == "filters.year_from"
    folder = site.post("/api/v1/me/folders", json={"name": "f"}, headers=me).get_json()["id"]
    long_note = site.post(
        f"/api/v1/me/folders/{folder}/items",
        json={"record_id": "test-city/J1-2", "note": "注" * 5001},
        headers=me,
    )
    assert long_note.status_code == 400 and long_note.get_json()["field"] == "note"
    pages = site.post(
        f"/api/v1/me/folders/{folder}/items", json={"record_id": "test-city/J1-2", "pages": "3"}, headers=me
    )
    assert pages.get_json()["field"] == "pages"


def test_a_folder_holds_at_most_its_limit(tmp_path, settings):
    from app import create_app
    from tests.conftest import buffered_client

    app = create_app(settings.with_overrides(folder_item_limit=2))
    site = buffered_client(app)
    lantai = lantai_of(app)
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS[1:2])]).failed == 0
    lantai.users.add("res1", "researcher", PASSWORD)
    me = bearer(site, "res1")
    folder = site.post("/api/v1/me/folders", json={"name": "f"}, headers=me).get_json()["id"]
    url = f"/api/v1/me/folders/{folder}/items"
    codes = [site.post(url, json={"record_id": "test-city/J1-2"}, headers=me).status_code for _ in range(3)]
    assert codes == [201, 201, 400]
    lantai.close()


def test_anonymous_callers_have_no_workspace(site):
    assert site.get("/api/v1/me/searches").status_code == 401
    assert site.post("/api/v1/me/folders", json={"name": "x"}).status_code == 400  # no CSRF token
    bad = site.get("/api/v1/me/folders", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    page = site.get("/me")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_a_digest_of_new_hits_is_queued_in_the_outbox(site, tmp_path):
    me = bearer(site, "res1")
    site.post("/api/v1/me/searches", json={"name": "土改", "query": "土地改革"}, headers=me)
    lantai = lantai_of(site.application)
    user = lantai.users.get("res1")
    assert lantai.workspace.queue_digest(user) is None
    more = [record("J2-1", "岐山县土地改革材料", date="1953", text="岐山县土地改革。")]
    lantai.ingester.ingest([write_jsonl(tmp_path / "more.jsonl", more)])
    assert lantai.workspace.queue_digest(user) is not None
    [message] = lantai.store.research().unsent_messages()
    assert message["user_id"] == user.id and "土改: 1 new" in message["body"]


def test_a_folder_is_shared_read_only_through_the_api(site):
    me = bearer(site, "res1")
    folder = site.post("/api/v1/me/folders", json={"name": "分享"}, headers=me).get_json()["id"]
    for key in ("test-city/J1-2", "test-city/J1-4"):
        site.post(
            f"/api/v1/me/folders/{folder}/items", json={"record_id": key, "note": "私人笔记"}, headers=me
        )
    shared = site.post(
        f"/api/v1/me/folders/{folder}/share", json={"share_notes": False}, headers=me
    ).get_json()
    assert shared["shared"] is True
    page = site.get(shared["url"]).get_data(as_text=True)
    assert "凤翔县土地改革总结" in page and "关于土地改革复查的报告" in page and "私人笔记" not in page
    theirs = site.post(f"/api/v1/me/folders/{folder}/share", json={}, headers=bearer(site, "res2"))
    assert theirs.status_code == 404
    bad = site.post(f"/api/v1/me/folders/{folder}/share", json={"shared": "yes"}, headers=me)
    assert bad.status_code == 400 and bad.get_json()["field"] == "shared"
    off = site.post(f"/api/v1/me/folders/{folder}/share", json={"shared": False}, headers=me).get_json()
    assert off == {"shared": False, "url": None} and site.get(shared["url"]).status_code == 404


def test_a_signed_in_browser_session_uses_the_api_with_its_csrf_header(site):
    from tests.conftest import csrf

    signed_in = site.post("/login", data={"name": "res1", "password": PASSWORD, "csrf_token": csrf(site)})
    assert signed_in.status_code == 302
    token = csrf(site, "/me")  # signing in starts a new session, with a new token
    assert site.post("/api/v1/me/folders", json={"name": "f"}).status_code == 400
    made = site.post("/api/v1/me/folders", json={"name": "f"}, headers={"X-CSRF-Token": token})
    assert made.status_code == 201
    assert [f["name"] for f in site.get("/api/v1/me/folders").get_json()["folders"]] == ["f"]


def test_a_saved_search_whose_archive_is_gone_matches_nothing(site):
    me = bearer(site, "res1")
    saved = site.post(
        "/api/v1/me/searches",
        json={"name": "x", "query": "土地改革", "filters": {"archive": "test-city"}},
        headers=me,
    )
    assert saved.status_code == 201 and saved.get_json()["total"] == 3
    store = lantai_of(site.application).store
    store.remove([("test-city", row["archive_code"]) for row in ROWS])
    [listed] = site.get("/api/v1/me/searches", headers=me).get_json()["searches"]
    assert (listed["total"], listed["new_hits"]) == (0, 0)


def test_every_route_with_a_body_answers_400_for_malformed_json(site):
    me = bearer(site, "res1")
    folder = site.post("/api/v1/me/folders", json={"name": "f"}, headers=me).get_json()["id"]
    item = site.post(f"/api/v1/me/folders/{folder}/items", json={"record_id": "test-city/J1-2"}, headers=me)
    routes = [
        ("POST", "/api/v1/me/searches"),
        ("POST", "/api/v1/me/folders"),
        ("PATCH", f"/api/v1/me/folders/{folder}"),
        ("POST", f"/api/v1/me/folders/{folder}/items"),
        ("PATCH", f"/api/v1/me/folders/{folder}/items/{item.get_json()['id']}"),
        ("PUT", f"/api/v1/me/folders/{folder}/order"),
        ("POST", f"/api/v1/me/folders/{folder}/share"),
    ]
    for method, url in routes:
        for body in ('{"name": ', "[1, 2]", "", "null"):
            answer = site.open(url, method=method, data=body, content_type="application/json", headers=me)
            assert answer.status_code == 400, (method, url, body)
            assert "JSON object" in answer.get_json()["error"], (method, url, body)
