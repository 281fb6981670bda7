"""An online exhibition (网上展览) end to end in a real browser: a curator builds one on the
staff pages, publishes it, a visitor reads it on a phone and on a desktop (page image drawn,
closed record absent, no horizontal scrolling, the skip link works), and the curator
unpublishes it; real Chromium, real gunicorn, a real PDF."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from app.runtime import open_lantai
from config import load_settings
from tests.browser.conftest import screenshot, serving, start_chromium
from tests.fixtures.ingest import make

PASSWORD = "correct horse battery"
CLOSED_TITLE = "岐山县解放初期机要通报"


@pytest.fixture(scope="module")
def exhibition_site(tmp_path_factory):
    """Two open records (one read from a two-page PDF) and a closed one, served by
    ``lantai serve``, with a curator of their archive."""
    data_dir = tmp_path_factory.mktemp("browser-exhibition")
    inputs = data_dir / "in"
    inputs.mkdir()
    make.text_pdf(inputs / "J1-1.pdf", ["宝鸡县解放第一页", "第二页：宝鸡县人民政府成立，军管会布告全县。"])
    base = {"archive": "test-city", "date": "1949-07-14", "classification": "无"}
    rows = [
        {
            **base,
            "archive_code": "J1-1",
            "title": "宝鸡县人民政府成立布告",
            "access": "open",
            "files": ["J1-1.pdf"],
        },
        {**base, "archive_code": "J1-2", "title": "凤翔县支前工作总结", "access": "open", "text": "支前。"},
        {**base, "archive_code": "J9-1", "title": CLOSED_TITLE, "access": "unreviewed", "text": "机要"},
    ]
    (inputs / "rows.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    with serving(data_dir, [inputs]) as (url, _log):
        runtime = open_lantai(load_settings(env={}, data_dir=str(data_dir / "data"), backend="sqlite"))
        try:
            runtime.users.add("curator1", "staff", PASSWORD, ("test-city",))
            runtime.users.set_curator("curator1", True)
        finally:
            runtime.close()
        yield url


def no_horizontal_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url}: content is {width}px wide in a {inner}px window"


def add_item(page, record: str, page_number: str = "", caption: str = "", commentary: str = "") -> None:
    form = page.locator("form.add-item").first
    form.locator("input[name=record]").fill(record)
    form.locator("input[name=page]").fill(page_number)
    form.locator("input[name=caption]").fill(caption)
    form.locator("textarea[name=commentary]").fill(commentary)
    form.get_by_role("button", name="添加展品").click()


def visit(playwright_driver, base: str, name: str, **options) -> None:
    """An anonymous visitor reads the published exhibition from the list of exhibitions."""
    context = start_chromium(playwright_driver, **options)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(base + "/exhibitions")
        page.get_by_role("link", name="宝鸡解放").click()
        page.wait_for_url(base + "/exhibitions/jiefang-1949")
        expect(page.locator("h1")).to_have_text("宝鸡解放")
        expect(page.locator(".title-other")).to_have_text("The Liberation of Baoji")
        image = page.locator("figure.exhibit img")
        expect(image).to_have_count(1)
        expect(image).to_have_attribute("alt", "军管会布告")
        image.scroll_into_view_if_needed()
        page.wait_for_function("document.querySelector('figure.exhibit img').naturalWidth > 0")
        expect(page.locator("figure.exhibit")).to_have_count(2)
        assert CLOSED_TITLE not in page.content()
        expect(page.locator("meta[property='og:image']")).to_have_count(1)
        page.keyboard.press("Tab")
        expect(page.locator("a.skip-link")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
        no_horizontal_overflow(page)
        screenshot(page, f"exhibition-{name}")
        page.locator("figure.exhibit .source a").first.click()
        page.wait_for_url(base + "/records/test-city/J1-1")
    finally:
        context.close()


def test_a_curator_builds_publishes_and_unpublishes_an_exhibition(playwright_driver, exhibition_site):
    base = exhibition_site
    context = start_chromium(playwright_driver, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(base + "/login")
        page.fill("input[name=name]", "curator1")
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.get_by_role("link", name="展览管理").click()

        page.fill("#new-slug", "jiefang-1949")
        page.fill("#new-title", "宝鸡解放")
        page.fill("#new-title-en", "The Liberation of Baoji")
        page.fill("#new-intro", "1949年7月，**宝鸡**解放。")
        page.get_by_role("button", name="建立草稿").click()
        page.wait_for_url(base + "/staff/exhibitions/jiefang-1949")
        page.fill("#new-section-title", "解放前夕")
        page.fill("#new-section-text", "军管会接管与支前。")
        page.get_by_role("button", name="添加单元").click()
        add_item(page, "test-city/J1-1", "2", "军管会布告", "布告落款为**军管会**。")
        add_item(page, "test-city/J1-2", "", "支前总结")
        add_item(page, "test-city/J9-1", "", "机要通报")
        expect(page.locator("li.exhibit")).to_have_count(3)
        expect(page.locator("li.exhibit.unavailable .no-longer-public")).to_have_count(1)
        screenshot(page, "exhibition-editor-desktop")

        page.goto(base + "/exhibitions/jiefang-1949")  # the draft, as staff see it
        expect(page.locator(".draft-note")).to_be_visible()
        assert CLOSED_TITLE not in page.content()
        page.goto(base + "/staff/exhibitions/jiefang-1949")
        page.locator("#publish").click()
        expect(page.locator("#publication-state")).to_have_text("已发布")

        visit(
            playwright_driver,
            base,
            "phone",
            viewport={"width": 360, "height": 740},
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
        )
        visit(playwright_driver, base, "desktop", viewport={"width": 1280, "height": 900})

        page.locator("#unpublish").click()
        expect(page.locator("#publication-state")).to_have_text("草稿")
    finally:
        context.close()
    anonymous = start_chromium(playwright_driver, viewport={"width": 1280, "height": 900})
    try:
        page = anonymous.new_page()
        answer = page.goto(base + "/exhibitions/jiefang-1949")
        assert answer is not None and answer.status == 404
        page.goto(base + "/exhibitions")
        expect(page.get_by_role("link", name="宝鸡解放")).to_have_count(0)
    finally:
        anonymous.close()
