"""Record pages read from files: the text page by page with the hits, the first matching
page as the landing point, page images of the original PDF or scan, and the original
file to download; none of it for a record, page or file the public may not see."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest
from PIL import Image

from app import lantai_of
from app.originals import PAGE_WIDTH
from catalog.policy import ORIGINAL_NONE, ORIGINAL_SHOWN, ORIGINAL_WITHHELD, PUBLIC, view_of
from indexer.page_types import FileOptions
from tests.conftest import answer_without_path, record
from tests.fixtures.ingest import make
from tests.test_ingest_files import tesseract  # noqa: F401 - a fixture

PNG = b"\x89PNG\r\n\x1a\n"
NO_OCR = FileOptions(ocr=False)
OPEN_PAGES = [
    "封面：宝鸡县人民政府档案",
    "寶雞縣第二區土地改革工作全面展開。",
    "联系人电话13912345678。",
    "土地改革工作总结，土地改革胜利完成。",
]


def ingest(client, root: Path, rows: list[dict], options: FileOptions = NO_OCR):
    (root / "rows.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    report = lantai_of(client.application).ingester.ingest([root], options=options, workers=1)
    assert report.failed == 0, report.errors
    return report


@pytest.fixture
def holdings(client, tmp_path):
    """Records with PDFs: open (a page with a phone number), open and clean, closed,
    classified, catalog-only; and one open record without files."""
    root = tmp_path / "in"
    root.mkdir()
    make.text_pdf(root / "J1-1.pdf", OPEN_PAGES)
    make.text_pdf(root / "J1-2.pdf", ["凤翔县水利建设报告", "水利工程第二页"])
    for code in ("J9-1", "J9-2", "J9-3"):
        make.text_pdf(root / f"{code}.pdf", ["机要通信网的土地改革材料", "第二页"])
    ingest(
        client,
        root,
        [
            record("J1-1", "关于土地改革的档案", files=["J1-1.pdf"]),
            record("J1-2", "凤翔县水利建设报告", files=["J1-2.pdf"]),
            record("J9-1", "未审核的土地改革档案", access="unreviewed", files=["J9-1.pdf"]),
            record("J9-2", "机密的土地改革档案", classification="机密", files=["J9-2.pdf"]),
            record("J9-3", "目录开放的土地改革档案", access="catalog_only", files=["J9-3.pdf"]),
            record("J5-1", "没有页面的土地改革档案", text="土地改革全文一段。"),
        ],
    )
    return root


def get(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def original_access(access, classification, personal_data=(), unread=False):
    record = SimpleNamespace(archive="test-city", access=access, classification=classification)
    return view_of(PUBLIC, record).original(personal_data, unread)


def test_the_policy_decides_images_and_files_in_one_place():
    assert original_access("open", "none") == ORIGINAL_SHOWN
    assert original_access("open", "none", ["mobile"]) == ORIGINAL_WITHHELD
    assert original_access("open", "none", (), unread=True) == ORIGINAL_WITHHELD
    for access, classification in (
        ("catalog_only", "none"),
        ("unreviewed", "none"),
        ("controlled", "none"),
        ("open", "secret"),
        (None, None),
        ("open", "garbled"),
        ("weird", "none"),
    ):
        assert original_access(access, classification) == ORIGINAL_NONE, (access, classification)
        assert original_access(access, classification, ["mobile"], True) == ORIGINAL_NONE


def test_record_page_shows_the_text_page_by_page_with_hits_and_a_jump_to_the_first(client, holdings):
    html = get(client, "/records/test-city/J1-1?q=土地改革").get_data(as_text=True)
    sections = re.findall(r'<section class="page[^"]*" id="page-(\d+)"', html)
    assert sections == ["1", "2", "3", "4"]
    assert '<h3 id="page-2-heading">第 2 页' in html
    page_two = html[html.index('id="page-2"') : html.index('id="page-3"')]
    assert '<mark id="first-hit">土地改革</mark>' in page_two and "寶雞縣第二區" in page_two
    page_four = html[html.index('id="page-4"') :]
    assert page_four.count("<mark>土地改革</mark>") == 2
    assert html.count("<mark") == 3
    assert "在 2 页中命中 3 处" in html
    jump = re.search(r'<a href="([^"]+)" class="jump">', html).group(1)
    assert jump == "#page-2"
    nav = re.search(r'<nav class="page-nav".*?</nav>', html, re.S).group(0)
    assert re.findall(r'href="#page-(\d+)"', nav) == ["1", "2", "3", "4"]
    assert re.findall(r'<li class="match"><a href="#page-(\d+)"', nav) == ["2", "4"]
    assert "13912345678" not in html and "联系人电话***********" in html  # masked, as everywhere
    plain = get(client, "/records/test-city/J1-1").get_data(as_text=True)
    assert "<mark" not in plain and 'class="jump"' not in plain and 'id="page-4"' in plain
    assert "<mark" not in get(client, "/records/test-city/J1-1?q=不存在之词").get_data(as_text=True)


def test_records_without_pages_keep_the_text_in_one_block(client, holdings):
    html = get(client, "/records/test-city/J5-1?q=土地改革").get_data(as_text=True)
    assert '<mark id="first-hit">土地改革</mark>' in html and 'href="#first-hit"' in html
    assert 'id="page-1"' not in html and "page-nav" not in html and "/pages/" not in html
    catalog_only = get(client, "/records/test-city/J9-3?q=土地改革").get_data(as_text=True)
    assert "目录开放" in catalog_only and "page-nav" not in catalog_only and "/pages/" not in catalog_only
    assert "机要通信网" not in catalog_only and "/files/" not in catalog_only


def test_results_link_to_the_first_matching_page_and_to_each_matching_page(client, holdings):
    html = get(client, "/search?q=土地改革").get_data(as_text=True)
    hit = re.search(r'<li class="hit">(?:(?!</li>).)*J1-1(?:(?!</li>).)*</li>', html, re.S).group(0)
    title_link = unescape(re.search(r'<h3 class="hit-title"[^>]*><a href="([^"]+)"', hit).group(1))
    parsed = urlparse(title_link)
    assert parsed.path == "/records/test-city/J1-1" and parsed.fragment == "page-2"
    assert parse_qs(parsed.query)["q"] == ["土地改革"]
    pages = re.search(r'<p class="pages">(.*?)</p>', hit, re.S).group(1)
    links = [urlparse(unescape(u)) for u in re.findall(r'href="([^"]+)"', pages)]
    assert [u.fragment for u in links] == ["page-2", "page-4"]
    assert all(u.path == "/records/test-city/J1-1" for u in links)
    assert ">第 2 页</a>、<a" in pages
    # The landing point exists on the page the link opens.
    assert 'id="page-2"' in get(client, title_link).get_data(as_text=True)
    plain = re.search(r'<li class="hit">(?:(?!</li>).)*J5-1(?:(?!</li>).)*</li>', html, re.S).group(0)
    assert "#page-" not in plain


def test_page_image_is_a_png_rendered_from_the_pdf_and_cached(client, holdings):
    html = get(client, "/records/test-city/J1-1?q=土地改革").get_data(as_text=True)
    images = re.findall(r'<img src="([^"]+)" alt="第 (\d+) 页原件图像"', html)
    assert images == [(f"/records/test-city/J1-1/pages/{n}.png", str(n)) for n in (1, 2, 4)]
    assert "本页含个人信息" in html[html.index('id="page-3"') : html.index('id="page-4"')]

    response = get(client, "/records/test-city/J1-1/pages/2.png")
    assert response.mimetype == "image/png" and response.data.startswith(PNG)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-cache" in response.headers["Cache-Control"]
    assert "img-src 'self'" in response.headers["Content-Security-Policy"]
    image = Image.open(io.BytesIO(response.data))
    assert image.format == "PNG" and image.width == PAGE_WIDTH
    assert image.height == pytest.approx(PAGE_WIDTH * 842 / 595, abs=2)  # A4, as reportlab draws it
    assert image.convert("L").getextrema()[0] < 100  # the text is drawn, not a blank page

    data_dir = Path(lantai_of(client.application).settings.data_dir)
    cached = list((data_dir / "page-images").rglob("*.png"))
    assert len(cached) == 1 and cached[0].read_bytes() == response.data
    assert get(client, "/records/test-city/J1-1/pages/2.png").data == response.data
    etag = response.headers["ETag"]
    assert (
        client.get("/records/test-city/J1-1/pages/2.png", headers={"If-None-Match": etag}).status_code == 304
    )


def test_download_gives_the_original_bytes_under_its_reference_code(client, holdings):
    html = get(client, "/records/test-city/J1-2").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" download="J1-2.pdf">', html).group(1)
    assert link == "/records/test-city/J1-2/files/1"
    response = get(client, link)
    assert response.data == (holdings / "J1-2.pdf").read_bytes()
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "J1-2.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    withheld = get(client, "/records/test-city/J1-1").get_data(as_text=True)
    assert "/files/1" not in withheld and "原件 J1-1.pdf 含个人信息，不提供下载" in withheld


@pytest.mark.parametrize(
    "url",
    [
        "/records/test-city/J9-1/pages/1.png",
        "/records/test-city/J9-1/files/1",  # unreviewed
        "/records/test-city/J9-2/pages/1.png",
        "/records/test-city/J9-2/files/1",  # classified
        "/records/test-city/J9-3/pages/1.png",
        "/records/test-city/J9-3/files/1",  # catalog only
        "/records/test-city/J1-1/pages/3.png",  # personal data on the page
        "/records/test-city/J1-1/files/1",  # personal data in the file
        "/records/test-city/J1-1/pages/5.png",
        "/records/test-city/J1-1/pages/0.png",  # no such page
        "/records/test-city/J1-2/files/2",
        "/records/test-city/J5-1/pages/1.png",
        "/records/test-city/J5-1/files/1",
        "/records/test-city/NOPE/pages/1.png",
        "/records/test-city/NOPE/files/1",
        "/records/nope/pages/1.png",
    ],
)
def test_what_may_not_be_served_answers_exactly_like_a_missing_record(client, holdings, url):
    missing = answer_without_path(client.get("/records/test-city/NOPE-0"), "/records/test-city/NOPE-0")
    response = client.get(url)
    assert answer_without_path(response, url) == missing


def test_a_changed_or_missing_original_is_not_served(client, holdings):
    assert get(client, "/records/test-city/J1-2/files/1").data
    pdf = holdings / "J1-2.pdf"
    original = pdf.read_bytes()
    pdf.write_bytes(original.replace(b"%%EOF", b"%%EOF\n% changed\n"))
    for url in ("/records/test-city/J1-2/pages/1.png", "/records/test-city/J1-2/files/1"):
        response = get(client, url, 410)
        assert "原件已更改或已不在原处" in response.get_data(as_text=True)
        assert not response.data.startswith((PNG, b"%PDF"))
    pdf.write_bytes(original)  # back as ingest read it
    assert get(client, "/records/test-city/J1-2/pages/1.png").data.startswith(PNG)
    pdf.unlink()
    assert get(client, "/records/test-city/J1-2/files/1", 410)
    assert get(client, "/records/test-city/J1-2/pages/2.png", 410)
    assert get(client, "/records/test-city/J1-2/pages/1.png", 410)  # even when cached


def test_a_record_closed_again_stops_serving_its_images_at_once(client, holdings):
    assert get(client, "/records/test-city/J1-2/pages/1.png").data.startswith(PNG)
    lantai = lantai_of(client.application)
    lantai.review.decide("test-city", "J1-2", "controlled", reason="重新控制", by="reviewer")
    get(client, "/records/test-city/J1-2/pages/1.png", 404)
    get(client, "/records/test-city/J1-2/files/1", 404)


def test_scans_are_shown_when_read_and_withheld_while_waiting_for_ocr(client, tmp_path, tesseract):  # noqa: F811
    root = tmp_path / "scans"
    root.mkdir()
    make.image_file(root / "J7-1.png", ["宝鸡县土地改革"])
    ingest(client, root, [record("J7-1", "扫描的土地改革档案", files=["J7-1.png"])], FileOptions())
    make.image_file(root / "J7-2.png", ["凤翔县水利建设"])  # arrives later, OCR is off then
    ingest(
        client,
        root,
        [
            record("J7-1", "扫描的土地改革档案", files=["J7-1.png"]),
            record("J7-2", "未识别的扫描档案", files=["J7-2.png"]),
        ],
        NO_OCR,
    )
    html = get(client, "/records/test-city/J7-1").get_data(as_text=True)
    assert '<img src="/records/test-city/J7-1/pages/1.png"' in html
    image = Image.open(io.BytesIO(get(client, "/records/test-city/J7-1/pages/1.png").data))
    with Image.open(root / "J7-1.png") as source:
        assert image.format == "PNG" and image.size == source.size  # narrower than PAGE_WIDTH: as is
    assert get(client, "/records/test-city/J7-1/files/1").data == (root / "J7-1.png").read_bytes()
    unread = get(client, "/records/test-city/J7-2").get_data(as_text=True)
    assert "本页尚未识别文字" in unread and "/pages/1.png" not in unread
    get(client, "/records/test-city/J7-2/pages/1.png", 404)
    get(client, "/records/test-city/J7-2/files/1", 404)


def test_low_quality_pages_say_so_and_text_files_have_no_image(client, tmp_path):
    root = tmp_path / "ocr"
    root.mkdir()
    make.hocr(root / "J8-1.hocr", [[[("农民", 95), ("协会", 91)]], [[("模糊", 30), ("字迹", 25)]]])
    ingest(client, root, [record("J8-1", "农民协会的OCR稿", files=["J8-1.hocr"])])
    html = get(client, "/records/test-city/J8-1?q=农民").get_data(as_text=True)
    split = html.index('id="page-2"')
    first, second = html[html.index('id="page-1"') : split], html[split:]
    assert "识别质量较低" not in first and "本页文字识别质量较低" in second
    assert "<img" not in html and "/files/" not in html  # an hOCR page is its text
    get(client, "/records/test-city/J8-1/pages/1.png", 404)
    english = get(client, "/records/test-city/J8-1?q=农民&lang=en").get_data(as_text=True)
    assert "Jump to the first (page 1)" in english and "recognised poorly" in english
