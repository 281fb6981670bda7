"""A record read from a PDF, as a citizen's browser meets it: from a search to the first
matching page, its image beside the text; real Chromium, real gunicorn, a real PDF."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from urllib.parse import quote, urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, serving, start_chromium
from tests.fixtures.ingest import make
from tests.test_ingest_files import tesseract  # noqa: F401 - a fixture
from tests.test_page_boxes import NOTICE, drawn

PAGES = [
    "封面：宝鸡县人民政府档案",
    "目录：一、概况；二、工作进展",
    "第三页：春耕生产情况。",
    "第四页：兴修水利情况。",
    "第五页：全县土地改革工作全面展开。",
    "第六页：土地改革总结。",
]


@pytest.fixture(scope="module")
def paged_site(tmp_path_factory):
    """An open record read from a six-page PDF (the query matches pages 5 and 6), and a
    closed one read from another PDF, served by ``lantai serve``."""
    data_dir = tmp_path_factory.mktemp("browser-paged")
    inputs = data_dir / "in"
    inputs.mkdir()
    make.text_pdf(inputs / "J1-1.pdf", PAGES)
    make.text_pdf(inputs / "J9-1.pdf", ["未开放的土地改革材料"])
    rows = [
        {
            "archive": "test-city",
            "archive_code": "J1-1",
            "title": "宝鸡县土地改革工作报告",
            "date": "1950-05-01",
            "access": "open",
            "classification": "无",
            "files": ["J1-1.pdf"],
        },
        {
            "archive": "test-city",
            "archive_code": "J9-1",
            "title": "机要通信网材料",
            "date": "1950-05-01",
            "access": "unreviewed",
            "classification": "无",
            "files": ["J9-1.pdf"],
        },
    ]
    (inputs / "rows.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    with serving(data_dir, [inputs]) as (base, _log):
        yield base


def test_from_a_search_to_the_first_matching_page_and_its_image(playwright_driver, paged_site):
    context = start_chromium(playwright_driver, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(paged_site + "/search?q=" + quote("土地改革"))
        hit = page.locator("ol.hits li.hit").filter(has_text="J1-1")
        expect(hit.locator("p.pages a")).to_have_count(2)
        hit.locator("h3 a").click()
        page.wait_for_url(re.compile(r"/records/test-city/J1-1\?.*#page-5$"))

        # Landed at page 5 (the first matching page), not at the top of the record.
        assert page.evaluate("document.querySelector(':target').id") == "page-5"
        expect(page.locator("#page-5-heading")).to_be_in_viewport()
        expect(page.locator("#page-1-heading")).not_to_be_in_viewport()
        expect(page.locator("#page-5 mark").first).to_have_text("土地改革")
        expect(page.locator("p.hit-count a.jump")).to_have_attribute("href", "#page-5")

        image = page.locator("#page-5 img")
        expect(image).to_be_visible()
        page.wait_for_function(
            "() => { const i = document.querySelector('#page-5 img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        assert image.evaluate("i => i.naturalWidth") == 1000
        expect(image).to_be_in_viewport()  # beside the text, and nothing above it moved
        expect(page.locator("#page-5-heading")).to_be_in_viewport()
        src = image.get_attribute("src")
        assert urlparse(src).path == "/records/test-city/J1-1/pages/5.png"
        screenshot(page, "record-first-matching-page", full_page=False)

        # The page list moves between pages; the download is the original PDF.
        page.locator("nav.page-nav a[href='#page-2']").click()
        expect(page.locator("#page-2-heading")).to_be_in_viewport()
        download = page.locator("ul.downloads a").first
        expect(download).to_have_attribute("download", "J1-1.pdf")
        with urllib.request.urlopen(paged_site + download.get_attribute("href"), timeout=10) as answer:
            assert answer.read().startswith(b"%PDF")

        # A link to the record with the query but no anchor opens at the first match too.
        page.goto(paged_site + "/records/test-city/J1-1?q=" + quote("土地改革"))
        page.wait_for_url(re.compile(r"#page-5$"))
        assert page.evaluate("document.querySelector(':target').id") == "page-5"
        expect(page.locator("#page-5-heading")).to_be_in_viewport()

        for url in ("/records/test-city/J9-1/pages/1.png", "/records/test-city/J9-1/files/1"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(paged_site + url, timeout=10)
            assert refused.value.code == 404
            assert "机要通信网" not in refused.value.read().decode("utf-8")
    finally:
        context.close()


@pytest.fixture(scope="module")
def scanned_site(tmp_path_factory, tesseract):  # noqa: F811
    """An open record read from a scan that ``lantai ingest`` OCRs with Tesseract."""
    data_dir = tmp_path_factory.mktemp("browser-scan")
    inputs = data_dir / "in"
    inputs.mkdir()
    make.image_file(inputs / "J7-1.png", NOTICE)
    row = {
        "archive": "test-city",
        "archive_code": "J7-1",
        "title": "宝鸡市人民政府关于土地改革的通知",
        "date": "1950-03-01",
        "access": "open",
        "classification": "无",
        "files": ["J7-1.png"],
    }
    (inputs / "rows.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    with serving(data_dir, [inputs]) as (base, _log):
        yield base


def test_the_query_is_boxed_over_the_scan_where_it_was_drawn(playwright_driver, scanned_site):
    context = start_chromium(playwright_driver, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(scanned_site + "/records/test-city/J7-1?q=" + quote("土地改革"))
        page.wait_for_function(
            "() => { const i = document.querySelector('#page-1 img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        rect = page.locator("#page-1 svg.page-hits rect")
        expect(rect).to_have_count(1)
        image = page.locator("#page-1 img").bounding_box()
        box = rect.bounding_box()
        assert image and box
        # Where Pillow drew 土地改革, as fractions of the page, on the image as displayed.
        x0, y0, x1, y1 = drawn(NOTICE, 0, "土地改革")
        half = 20 / 720 * image["width"]  # half a character, as displayed
        assert abs(box["x"] - (image["x"] + x0 * image["width"])) <= half
        assert abs(box["x"] + box["width"] - (image["x"] + x1 * image["width"])) <= half
        assert abs(box["y"] - (image["y"] + y0 * image["height"])) <= half
        assert abs(box["y"] + box["height"] - (image["y"] + y1 * image["height"])) <= half
        expect(page.locator("#page-1 figcaption.hits-caption")).to_be_visible()
        screenshot(page, "record-scan-hits-boxed", full_page=False)
        assert not [e for e in errors if "Content Security Policy" in e], errors

        page.goto(scanned_site + "/records/test-city/J7-1")  # no query: nothing boxed
        expect(page.locator("#page-1 img")).to_be_visible()
        expect(page.locator("svg.page-hits")).to_have_count(0)
    finally:
        context.close()
