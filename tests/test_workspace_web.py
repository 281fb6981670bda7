"""The "我的研究" pages: save a search from the results page, add a record (with an excerpt
of one of its pages) to a folder from its record page, the badge of new hits, notes,
order, CSRF on every form, English, and the read-only share link."""

from __future__ import annotations

import re

import pytest

from app import lantai_of
from tests.conftest import add_workspace_users, csrf, csrf_token, record, write_jsonl
from tests.fixtures.ingest import make

PASSWORD = "correct horse battery"
ROWS = [
    record("J1-1", "宝鸡县土地改革工作报告", date="1950-03-01", files=["J1-1.pdf"]),
    record("J1-2", "凤翔县土地改革总结", date="1951", text="土地改革胜利结束。"),
    record("J1-3", "土地改革机要通报", date="1951", access="unreviewed", text="土地改革机要材料"),
]


@pytest.fixture
def site(client, tmp_path):
    lantai = lantai_of(client.application)
    make.text_pdf(tmp_path / "J1-1.pdf", ["宝鸡县土地改革第一页", "第二页：全县成立农民协会。"])
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS)]).failed == 0
    add_workspace_users(lantai, PASSWORD)
    return client


def login(client, name: str) -> None:
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf(client)})
    assert response.status_code == 302


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_save_a_search_from_the_results_and_see_its_new_hits(site, tmp_path):
    login(site, "res1")
    results = page(site, "/search?q=土地改革&year_from=1950")
    assert "保存此检索" in results
    form = re.search(r'<form method="post" action="/me/searches".*?</form>', results, re.S).group(0)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    assert fields["q"] == "土地改革" and fields["year_from"] == "1950"
    saved = site.post("/me/searches", data=fields)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/me")
    workspace = page(site, "/me")
    assert "已保存检索“土地改革”" in workspace and 'class="badge new-hits"' not in workspace

    lantai = lantai_of(site.application)
    lantai.decide("test-city", "J1-3", "open", "到期开放", "boss")
    workspace = page(site, "/me")
    assert "1 条新结果" in workspace and "新 1" in workspace
    [saved_id] = re.findall(r'action="/me/searches/(\d+)/seen"', workspace)
    seen = site.post(f"/me/searches/{saved_id}/seen", data={"csrf_token": csrf_token(workspace)})
    assert seen.status_code == 302 and "/search?" in seen.headers["Location"]
    assert 'class="badge new-hits"' not in page(site, "/me")


def test_add_a_passage_of_a_page_to_a_folder_from_the_record_page(site):
    login(site, "res1")
    home = page(site, "/me")
    made = site.post(
        "/me/folders", data={"name": "土改专题", "description": "", "csrf_token": csrf_token(home)}
    )
    folder_url = made.headers["Location"]
    record_page = page(site, "/records/test-city/J1-1")
    assert "加入专题" in record_page and "土改专题" in record_page
    folder_id = re.search(r'<option value="(\d+)">土改专题', record_page).group(1)
    token = csrf_token(record_page)
    form = {
        "csrf_token": token,
        "record_id": "test-city/J1-1",
        "folder": folder_id,
        "next": "/records/test-city/J1-1",
    }
    wrong = site.post("/me/items", data={**form, "excerpt": "不存在的话", "pages": "2"})
    assert wrong.headers["Location"].endswith("/records/test-city/J1-1")
    assert "未保存：excerpt" in page(site, "/records/test-city/J1-1")
    added = site.post("/me/items", data={**form, "excerpt": "全县成立农民协会", "pages": "2", "note": "要点"})
    assert added.status_code == 302
    assert "已加入专题（J1-1）" in page(site, "/records/test-city/J1-1")
    site.post("/me/items", data={**form, "record_id": "test-city/J1-2"})

    folder = page(site, folder_url)
    assert "全县成立农民协会" in folder and "第 2 页" in folder and "要点" in folder
    first, second = re.findall(r'id="item-(\d+)"', folder)
    site.post(f"/me/folders/{folder_id}/items/{second}/move", data={"csrf_token": token, "direction": "up"})
    assert re.findall(r'id="item-(\d+)"', page(site, folder_url)) == [second, first]
    site.post(f"/me/folders/{folder_id}/items/{first}", data={"csrf_token": token, "note": "改过的笔记"})
    assert "改过的笔记" in page(site, folder_url)
    # Every form needs the CSRF token.
    refused = site.post(f"/me/folders/{folder_id}/items/{first}/delete", data={})
    assert refused.status_code == 400
    site.post(f"/me/folders/{folder_id}/items/{first}/delete", data={"csrf_token": token})
    assert re.findall(r'id="item-(\d+)"', page(site, folder_url)) == [second]


def test_another_researchers_folder_is_not_found(site):
    login(site, "res1")
    home = page(site, "/me")
    folder_url = site.post("/me/folders", data={"name": "私人", "csrf_token": csrf_token(home)}).headers[
        "Location"
    ]
    site.post("/logout", data={"csrf_token": csrf_token(home)})
    login(site, "res2")
    assert site.get(folder_url).status_code == 404
    assert site.get("/me/folders/99999").status_code == 404
    assert "私人" not in page(site, "/me")


def test_a_share_link_shows_open_records_and_notes_only_when_shared(site):
    lantai = lantai_of(site.application)
    user = lantai.users.get("res1")
    folder = lantai.workspace.create_folder(user, "分享的专题", "给同事看")
    for key in ("test-city/J1-1", "test-city/J1-2"):
        lantai.workspace.add_item(user, folder["id"], key, f"笔记{key[-1]}", [], "")
    token = lantai.workspace.share(user, folder["id"], True, share_notes=False)
    lantai.decide("test-city", "J1-2", "controlled", "重新控制", "boss")
    shared = page(site, f"/shared/{token}")
    assert "宝鸡县土地改革工作报告" in shared and "凤翔县土地改革总结" not in shared and "J1-2" not in shared
    assert "笔记" not in shared
    with_notes = lantai.workspace.share(user, folder["id"], True, share_notes=True)
    assert with_notes != token and site.get(f"/shared/{token}").status_code == 404  # the old link is gone
    assert "笔记1" in page(site, f"/shared/{with_notes}")
    lantai.workspace.share(user, folder["id"], False)
    assert site.get(f"/shared/{with_notes}").status_code == 404


def test_the_workspace_in_english(site):
    login(site, "res1")
    english = page(site, "/me?lang=en")
    assert "My research" in english and "Saved searches" in english and "Topic folder" in english
    assert "New topic folder" in english


def test_add_a_result_to_a_folder_from_the_results_page(site):
    login(site, "res1")
    assert 'class="add-hit' not in page(site, "/search?q=土地改革")  # no folder yet
    home = page(site, "/me")
    site.post("/me/folders", data={"name": "结果专题", "csrf_token": csrf_token(home)})
    results = page(site, "/search?q=土地改革")
    forms = re.findall(
        r'<form method="post" action="/me/items" class="add-hit inline">.*?</form>', results, re.S
    )
    assert len(forms) == 2  # J1-1 and J1-2; the closed J1-3 is not a result
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', forms[0]))
    fields["folder"] = re.search(r'<option value="(\d+)">结果专题', forms[0]).group(1)
    added = site.post("/me/items", data=fields)
    assert added.status_code == 302 and "/search?q=" in added.headers["Location"]
    assert "已加入专题" in page(site, added.headers["Location"])
    [folder] = lantai_of(site.application).workspace.folders(lantai_of(site.application).users.get("res1"))
    assert folder["size"] == 1
