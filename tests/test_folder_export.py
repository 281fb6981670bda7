"""Exporting a topic folder (专题导出): CSV, JSON, RIS and a DOCX compilation (资料汇编) of its
items as the researcher may see them now, with citations, notes, excerpts and pages; a
record closed after it was saved leaves its 档号 only; every export is audited."""

from __future__ import annotations

import csv
import io
import json

import docx
import pytest

from app import lantai_of
from tests.conftest import add_workspace_users, csrf, record, write_jsonl
from tests.fixtures.ingest import make

PASSWORD = "correct horse battery"
ROWS = [
    record("J1-1", "宝鸡县土地改革工作报告", date="1950-03-01", creator="宝鸡县委", files=["J1-1.pdf"]),
    record("J1-2", "凤翔县土地改革总结", date="1951", text="土地改革胜利结束，农民分得土地。"),
    record("J1-3", "岐山县土地改革机密通报", date="1952", text="岐山县土地改革材料。"),
]
CITATION = "宝鸡县委. 宝鸡县土地改革工作报告: J1-1[A]"


@pytest.fixture
def folder(client, tmp_path):
    """res1's folder 土改专题: J1-1 with a note and an excerpt of page 2, J1-2, and J1-3,
    which is then closed."""
    lantai = lantai_of(client.application)
    make.text_pdf(tmp_path / "J1-1.pdf", ["宝鸡县土地改革第一页", "第二页：全县成立农民协会。"])
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS)]).failed == 0
    add_workspace_users(lantai, PASSWORD)
    me = bearer(client, "res1")
    made = client.post("/api/v1/me/folders", json={"name": "土改专题"}, headers=me).get_json()
    items = f"/api/v1/me/folders/{made['id']}/items"
    for body in (
        {"record_id": "test-city/J1-1", "note": "见第二页", "pages": [2], "excerpt": "全县成立农民协会"},
        {"record_id": "test-city/J1-2", "note": "总结"},
        {"record_id": "test-city/J1-3", "note": "机密通报的笔记"},
    ):
        assert client.post(items, json=body, headers=me).status_code == 201
    lantai.decide("test-city", "J1-3", "controlled", "涉及国家秘密", "boss")
    yield made["id"]
    lantai.close()


def bearer(client, name: str) -> dict[str, str]:
    token = lantai_of(client.application).users.create_token(name)
    return {"Authorization": f"Bearer {token}"}


def export(client, folder_id: int, name: str, headers=None):
    answer = client.get(f"/api/v1/me/folders/{folder_id}/export?format={name}", headers=headers)
    assert answer.status_code == 200, answer.data[:300]
    return answer


def test_csv_json_and_ris_carry_citations_notes_and_excerpts_and_the_closed_code_only(client, folder):
    me = bearer(client, "res1")
    answer = export(client, folder, "csv", me)
    assert answer.headers["X-Export-Count"] == "3"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert [r["档号"] for r in rows] == ["J1-1", "J1-2", "J1-3"]
    first, _second, closed = rows
    assert first["引用格式"].startswith(CITATION)
    assert (first["备注"], first["摘录"], first["页码"]) == ("见第二页", "全县成立农民协会", "2")
    assert closed["状态"] == "已不可用" and closed["题名"] == "" and closed["备注"] == ""

    document = json.loads(export(client, folder, "json", me).data)
    assert document["title"] == "土改专题" and document["count"] == 3
    assert document["items"][2] == {"archive_code": "J1-3", "available": False}
    assert document["items"][1]["note"] == "总结"

    ris = export(client, folder, "ris", me).data.decode("utf-8")
    assert ris.count("ER  -") == 3 and "宝鸡县土地改革工作报告" in ris
    for text in (answer.data.decode("utf-8-sig"), json.dumps(document, ensure_ascii=False), ris):
        assert "岐山县" not in text and "机密通报" not in text  # closed: not its title, not the note


def test_the_docx_is_a_compilation_with_title_contents_sections_and_sources(client, folder):
    answer = export(client, folder, "docx", bearer(client, "res1"))
    assert answer.headers["Content-Disposition"].endswith(".docx")
    document = docx.Document(io.BytesIO(answer.data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "土改专题" in document.paragraphs[0].text  # the title page
    assert CITATION in text and "全县成立农民协会" in text and "见第二页" in text
    assert "J1-3" in text and "已不可用" in text
    assert "岐山县" not in text and "机密通报" not in text
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert any("宝鸡县土地改革工作报告" in h for h in headings)  # one section per item


def test_exports_are_audited_with_the_folder_and_the_count(client, folder):
    export(client, folder, "csv", bearer(client, "res1"))
    store = lantai_of(client.application).store
    (entry,) = store.audit_entries(action="export.folder")
    assert (entry.actor, entry.subject) == ("res1", str(folder))
    assert entry.detail == {"folder": "土改专题", "format": "csv", "items": 3}
    assert store.verify_audit()[1] is None


def test_only_the_owner_exports_and_an_unknown_format_is_named(client, folder):
    url = f"/api/v1/me/folders/{folder}/export?format=csv"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(client, "res2")).status_code == 404
    missing = client.get(
        f"/api/v1/me/folders/{folder + 99}/export?format=csv", headers=bearer(client, "res1")
    )
    assert missing.status_code == 404
    bad = client.get(f"/api/v1/me/folders/{folder}/export?format=pdf", headers=bearer(client, "res1"))
    assert bad.status_code == 400 and bad.get_json()["field"] == "format"
    assert lantai_of(client.application).store.audit_entries(action="export.folder") == []


def test_the_folder_page_offers_the_exports_to_its_owner(client, folder):
    client.post("/login", data={"name": "res1", "password": PASSWORD, "csrf_token": csrf(client)})
    page = client.get(f"/me/folders/{folder}").get_data(as_text=True)
    assert f"/me/folders/{folder}/export?format=docx" in page
    answer = client.get(f"/me/folders/{folder}/export?format=docx")
    assert answer.status_code == 200 and answer.mimetype.endswith("wordprocessingml.document")
    assert len(docx.Document(io.BytesIO(answer.data)).paragraphs) > 5
