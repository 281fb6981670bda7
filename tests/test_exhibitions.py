"""Online exhibitions (网上展览): curators build one on the staff pages (or from a topic
folder in one step), publish and unpublish it (audited); the public page shows only the
items the access policy shows the public, at once, with page images only where the page
image route serves them; drafts answer 404 like unknown slugs."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from app import lantai_of
from tests.conftest import csrf, record, write_jsonl
from tests.fixtures.ingest import make

PASSWORD = "correct horse battery"
ROWS = [
    record("J1-1", "宝鸡县解放工作报告", date="1949-07-14", files=["J1-1.pdf"]),
    record("J1-2", "凤翔县支前总结", date="1949", text="支前工作胜利完成。"),
    record("J1-3", "解放初期机要情况通报", date="1949", access="unreviewed", text="机要材料"),
    record("J1-4", "接管工作人员名册", date="1949", files=["J1-4.pdf"]),
]


@pytest.fixture
def site(client, tmp_path):
    lantai = lantai_of(client.application)
    make.text_pdf(tmp_path / "J1-1.pdf", ["宝鸡县解放第一页", "第二页：全县成立人民政府。"])
    make.text_pdf(tmp_path / "J1-4.pdf", ["名册：王大山 手机 13912345678"])  # personal data: no image
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS)]).failed == 0
    lantai.users.add("curator1", "staff", PASSWORD, ("test-city",))
    lantai.users.set_curator("curator1", True)
    lantai.users.add("clerk1", "staff", PASSWORD, ("test-city",))
    lantai.users.add("boss", "admin", PASSWORD, ("*",), clearance=True)
    return client


def login(client, name: str) -> None:
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf(client)})
    assert response.status_code == 302


def logout(client) -> None:
    client.post("/logout", data={"csrf_token": csrf(client, "/exhibitions")})


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def post(client, url: str, form_page: str, **fields) -> str:
    response = client.post(url, data={"csrf_token": csrf(client, form_page), **fields})
    assert response.status_code in (302, 303), (url, response.status_code)
    return response.headers["Location"]


def build(client) -> str:
    """The curator's exhibition ``jiefang``: one section, three items; returns the editor."""
    post(
        client,
        "/staff/exhibitions/",
        "/staff/exhibitions/",
        slug="jiefang",
        title="宝鸡解放档案展",
        title_en="Liberation of Baoji",
        intro="**1949年**的宝鸡。",
    )
    editor = "/staff/exhibitions/jiefang"
    post(client, f"{editor}/sections", editor, title="解放前夕", text="支前与接管。")
    section = re.search(r"/staff/exhibitions/jiefang/sections/(\d+)/items", page(client, editor)).group(1)
    items = f"{editor}/sections/{section}/items"
    post(
        client,
        items,
        editor,
        record="test-city/J1-1",
        page="2",
        caption="成立人民政府",
        commentary="见第二页。",
    )
    post(client, items, editor, record="test-city/J1-2", caption="支前", crop="")
    post(client, items, editor, record="test-city/J1-4", page="1", caption="接管人员")
    return editor


def test_a_curator_builds_publishes_and_unpublishes_an_exhibition(site):
    login(site, "curator1")
    editor = build(site)
    assert "宝鸡解放档案展" in page(site, "/staff/exhibitions/")
    # a draft: staff see it (marked), the public gets the unknown slug's 404
    assert "草稿" in page(site, "/exhibitions/jiefang")
    logout(site)
    assert page(site, "/exhibitions/jiefang", 404) == page(site, "/exhibitions/no-such-thing", 404)
    assert "宝鸡解放档案展" not in page(site, "/exhibitions")

    login(site, "curator1")
    post(site, f"{editor}/publish", editor)
    logout(site)
    listing = page(site, "/exhibitions")
    assert "宝鸡解放档案展" in listing and "Liberation of Baoji" in listing
    shown = page(site, "/exhibitions/jiefang")
    assert "<strong>1949年</strong>" in shown and "成立人民政府" in shown and "见第二页。" in shown
    assert 'href="/records/test-city/J1-1"' in shown and "凤翔县支前总结" in shown
    # the page image where the page image route serves it; none for the page with personal data
    assert 'src="/records/test-city/J1-1/pages/2.png"' in shown
    assert site.get("/records/test-city/J1-1/pages/2.png").status_code == 200
    assert "/records/test-city/J1-4/pages/1.png" not in shown
    assert site.get("/records/test-city/J1-4/pages/1.png").status_code == 404
    # share image and citation metadata
    assert '<meta property="og:image" content="http://localhost/records/test-city/J1-1/pages/2.png">' in shown
    assert '<meta name="citation_title" content="宝鸡解放档案展">' in shown
    assert '"@type": "CreativeWork"' in shown
    assert "http://localhost/sitemap-exhibitions.xml" in page(site, "/sitemap.xml")
    assert "<loc>http://localhost/exhibitions/jiefang</loc>" in page(site, "/sitemap-exhibitions.xml")

    login(site, "curator1")
    post(site, f"{editor}/unpublish", editor)
    logout(site)
    page(site, "/exhibitions/jiefang", 404)
    assert "jiefang" not in page(site, "/sitemap-exhibitions.xml")
    assert "sitemap-exhibitions" not in page(site, "/sitemap.xml")
    actions = [e.action for e in lantai_of(site.application).store.audit_entries(subject="jiefang")]
    assert actions.count("exhibition.publish") == 1 and actions.count("exhibition.unpublish") == 1


def test_a_record_closed_again_leaves_the_public_page_at_once_and_is_marked_in_the_editor(site):
    login(site, "curator1")
    editor = build(site)
    post(site, f"{editor}/publish", editor)
    logout(site)
    assert "宝鸡县解放工作报告" in page(site, "/exhibitions/jiefang")

    lantai_of(site.application).decide("test-city", "J1-1", "controlled", "重新控制", "boss")
    shown = page(site, "/exhibitions/jiefang")
    assert "宝鸡县解放工作报告" not in shown and "J1-1" not in shown
    assert "成立人民政府" not in shown  # the caption goes with its item
    assert "og:image" not in shown  # no page image of it, not even as the share image
    assert "凤翔县支前总结" in shown

    login(site, "curator1")
    marked = page(site, editor)
    assert "已不再公开" in marked and "宝鸡县解放工作报告" in marked  # their own archive's record


def test_items_must_name_a_record_the_curator_may_see_and_errors_name_the_field(site):
    login(site, "curator1")
    editor = build(site)
    section = re.search(r"/sections/(\d+)/items", page(site, editor)).group(1)
    post(site, f"{editor}/sections/{section}/items", editor, record="test-city/NOPE")
    assert "record: no record test-city/NOPE" in page(site, editor)
    post(
        site,
        f"{editor}/sections/{section}/items",
        editor,
        record="test-city/J1-2",
        crop="0.5,0,0.6,1",
        page="1",
    )
    shown = page(site, editor)
    assert "crop: x + w and y + h must be at most 1" in shown
    assert shown.count('<li id="item-') == 3


def test_only_curators_and_admins_author_and_forms_need_the_csrf_token(site):
    login(site, "clerk1")
    assert site.get("/staff/exhibitions/").status_code == 403
    logout(site)
    login(site, "boss")
    assert site.get("/staff/exhibitions/").status_code == 200
    refused = site.post("/staff/exhibitions/", data={"slug": "x", "title": "x"})
    assert refused.status_code == 400
    assert lantai_of(site.application).store.exhibitions().get("x") is None


def test_a_topic_folder_becomes_a_draft_in_one_step(site):
    lantai = lantai_of(site.application)
    curator = lantai.users.get("curator1")
    folder = lantai.workspace.create_folder(curator, "支前专题", "支前档案")
    lantai.workspace.add_item(curator, folder["id"], "test-city/J1-1", "第二页最要紧", [2], "")
    lantai.workspace.add_item(curator, folder["id"], "test-city/J1-3", "", [], "")
    login(site, "curator1")
    folder_page = page(site, f"/me/folders/{folder['id']}")  # the one step, from the folder itself
    assert 'id="folder-to-exhibition"' in folder_page
    editor = post(
        site, "/staff/exhibitions/from-folder", f"/me/folders/{folder['id']}", folder_id=str(folder["id"])
    )
    [draft] = lantai.store.exhibitions().listing(published_only=False)
    assert editor.endswith(f"/staff/exhibitions/{draft.slug}") and not draft.published
    items = lantai.store.exhibitions().get(draft.slug).sections[0].items
    assert [(i.spec.record, i.spec.page, i.spec.caption) for i in items] == [
        ("test-city/J1-1", 2, "第二页最要紧"),
        ("test-city/J1-3", None, ""),
    ]
    post(site, f"/staff/exhibitions/{draft.slug}/publish", f"/staff/exhibitions/{draft.slug}")
    logout(site)
    shown = page(site, f"/exhibitions/{draft.slug}")
    assert "宝鸡县解放工作报告" in shown and "解放初期机要情况通报" not in shown


def test_markdown_is_sanitized_and_the_page_has_no_inline_script_or_style(site):
    lantai = lantai_of(site.application)
    from catalog.exhibition_spec import read_spec

    spec = read_spec(
        {
            "slug": "x",
            "title": "展",
            "published": True,
            "intro": '<script>alert(1)</script>\n\n[a](javascript:alert(1)) <b style="color:red">b</b>',
            "sections": [{"title": "s", "text": "[ok](https://example.org)"}],
        }
    )
    lantai.store.exhibitions().create(spec, "test")
    response = site.get("/exhibitions/x")
    shown = response.get_data(as_text=True)
    assert "<script>alert" not in shown and 'href="javascript' not in shown
    assert re.search(r"<[^>]*\sstyle=", shown) is None and "&lt;b style=" in shown  # shown as text
    assert '<a href="https://example.org" rel="noopener noreferrer">ok</a>' in shown
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", shown)
    assert scripts == [' type="application/ld+json"']


def test_exhibition_pages_pass_the_search_pages_structure_checks(site):
    """As test_public_pages' CSP and labels checks: skip link, landmarks, no inline script,
    style or handler, every image with a text alternative, every form field labelled."""
    login(site, "curator1")
    editor = build(site)
    post(site, f"{editor}/publish", editor)
    staff_html = page(site, editor)
    for field_id in re.findall(r'<(?:input|textarea|select) id="([^"]+)"', staff_html):
        assert f'for="{field_id}"' in staff_html, field_id
    logout(site)
    for url in ("/exhibitions", "/exhibitions/jiefang"):
        html = page(site, url)
        assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/ld\+json\"))[^>]*>", html)
        assert "<style" not in html and " style=" not in html
        assert not re.search(r"\son[a-z]+=", html)
        assert 'href="#main"' in html and '<main id="main"' in html and "<nav" in html
        assert all(" alt=" in tag for tag in re.findall(r"<img [^>]*>", html))
        assert html.count("<h1") == 1


def test_a_crop_an_english_title_and_a_cover_upload(site):
    login(site, "curator1")
    editor = build(site)
    item = re.search(r'action="/staff/exhibitions/jiefang/items/(\d+)"', page(site, editor)).group(1)
    fields = {"record": "test-city/J1-1", "page": "2", "crop": "0,0.5,1,0.5", "caption": "下半页"}
    post(site, f"{editor}/items/{item}", editor, **fields)
    png = io.BytesIO()
    Image.new("RGB", (30, 20), (200, 20, 20)).save(png, format="PNG")
    upload = {"title": "宝鸡解放档案展", "title_en": "Liberation of Baoji", "intro": "导言"}
    response = site.post(
        editor,
        data={**upload, "csrf_token": csrf(site, editor), "cover": (io.BytesIO(png.getvalue()), "封面.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert site.get("/exhibitions/jiefang/cover").data == png.getvalue()  # staff see the draft's
    post(site, f"{editor}/publish", editor)
    logout(site)

    shown = page(site, "/exhibitions/jiefang")
    width, height = map(int, re.search(r'<image href="[^"]+" width="(\d+)" height="(\d+)"', shown).groups())
    half = f"{height / 2:.0f}"  # the lower half of the page image, in its pixels
    assert f'<svg class="crop" viewBox="0 {half} {width} {half}"' in shown
    assert 'aria-label="下半页"' in shown
    assert '<meta property="og:image" content="http://localhost/exhibitions/jiefang/cover">' in shown
    english = page(site, "/exhibitions/jiefang?lang=en")
    assert '<h1 id="exhibition-title" lang="en">Liberation of Baoji</h1>' in english
    assert '<p class="title-other" lang="zh-CN">宝鸡解放档案展</p>' in english

    login(site, "curator1")
    post(site, f"{editor}/unpublish", editor)
    logout(site)
    assert site.get("/exhibitions/jiefang/cover").status_code == 404  # a draft's cover, too


def test_sections_and_items_are_edited_and_deleted_and_each_change_is_audited(site):
    login(site, "curator1")
    editor = build(site)
    html = page(site, editor)
    section = re.search(r"/staff/exhibitions/jiefang/sections/(\d+)/items", html).group(1)
    first_item = re.search(r'action="/staff/exhibitions/jiefang/items/(\d+)/delete"', html).group(1)
    post(site, f"{editor}/sections/{section}", editor, title="前夕", title_en="Eve", text="改写")
    post(site, f"{editor}/items/{first_item}/delete", editor)
    found = lantai_of(site.application).store.exhibitions().get("jiefang")
    assert (found.sections[0].title, found.sections[0].title_en, found.sections[0].text) == (
        "前夕",
        "Eve",
        "改写",
    )
    assert [i.spec.record for i in found.sections[0].items] == ["test-city/J1-2", "test-city/J1-4"]
    post(site, f"{editor}/sections/{section}/delete", editor)
    assert lantai_of(site.application).store.exhibitions().get("jiefang").sections == ()
    post(site, f"{editor}/delete", editor)
    assert site.get(editor).status_code == 404
    kinds = [e.detail.get("what") for e in lantai_of(site.application).store.audit_entries(subject="jiefang")]
    assert {"section.edit", "item.delete", "section.delete"} <= set(kinds)


def test_a_researchers_shared_folder_becomes_a_draft_of_its_public_items_by_its_link(site):
    lantai = lantai_of(site.application)
    researcher = lantai.users.add("res1", "researcher", PASSWORD)
    folder = lantai.workspace.create_folder(researcher, "解放专题", "")
    lantai.workspace.add_item(researcher, folder["id"], "test-city/J1-2", "私人笔记", [], "")
    token = lantai.workspace.share(researcher, folder["id"], True, share_notes=False)
    login(site, "curator1")
    post(
        site,
        "/staff/exhibitions/from-folder",
        "/staff/exhibitions/",
        share=f"http://localhost/shared/{token}",
    )
    [draft] = lantai.store.exhibitions().listing(published_only=False)
    items = lantai.store.exhibitions().get(draft.slug).sections[0].items
    assert [(i.spec.record, i.spec.caption) for i in items] == [("test-city/J1-2", "")]  # notes not shared
    post(site, "/staff/exhibitions/from-folder", "/staff/exhibitions/", share="http://localhost/shared/nope")
    assert "folder: no such folder (or share link)" in page(site, "/staff/exhibitions/")


def test_a_curator_of_another_archive_sees_a_closed_items_reference_code_only(site):
    lantai = lantai_of(site.application)
    lantai.users.add("curator2", "staff", PASSWORD, ("other-city",))
    lantai.users.set_curator("curator2", True)
    login(site, "curator1")
    editor = build(site)
    section = re.search(r"/sections/(\d+)/items", page(site, editor)).group(1)
    post(site, f"{editor}/sections/{section}/items", editor, record="test-city/J1-3", caption="机要")
    logout(site)
    login(site, "curator2")
    shown = page(site, editor)
    assert "test-city/J1-3" in shown and "解放初期机要情况通报" not in shown
    assert shown.count("已不再公开") == 1
    # nor may they add a record closed to them: it answers as one that does not exist
    post(site, f"{editor}/sections/{section}/items", editor, record="test-city/J1-3")
    assert "record: no record test-city/J1-3" in page(site, editor)
