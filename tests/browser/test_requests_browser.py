"""A request to consult records (查档申请) end to end in a real browser: a citizen asks for a
catalog-only record from its page, staff answer it with a certificate, and the citizen reads
the answer; real Chromium, real gunicorn. A closed record's title never reaches the citizen."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from app.runtime import open_lantai
from config import load_settings
from tests.browser.conftest import screenshot, serving, start_chromium

PASSWORD = "correct horse battery"
CLOSED_TITLE = "岐山县知青安置内部情况"


@pytest.fixture(scope="module")
def request_site(tmp_path_factory):
    """A catalog-only record and a closed one, served by ``lantai serve``, with a clerk."""
    data_dir = tmp_path_factory.mktemp("browser-requests")
    inputs = data_dir / "in"
    inputs.mkdir()
    base = {"archive": "test-city", "date": "1970", "classification": "无"}
    rows = [
        {
            **base,
            "archive_code": "J5-1",
            "title": "宝鸡县知青下乡登记表",
            "access": "catalog_only",
            "text": "名单",
        },
        {**base, "archive_code": "J5-2", "title": CLOSED_TITLE, "access": "unreviewed", "text": "知青"},
    ]
    (inputs / "rows.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    with serving(data_dir, [inputs]) as (url, _log):
        runtime = open_lantai(load_settings(env={}, data_dir=str(data_dir / "data"), backend="sqlite"))
        try:
            runtime.users.add("clerk1", "staff", PASSWORD, ("test-city",))
        finally:
            runtime.close()
        yield url


def test_a_citizen_asks_for_a_record_and_reads_the_staffs_answer(playwright_driver, request_site, tmp_path):
    base = request_site
    seen: list[str] = []
    citizen = start_chromium(playwright_driver, viewport={"width": 1280, "height": 900})
    staff = start_chromium(playwright_driver, viewport={"width": 1280, "height": 900})
    try:
        page = citizen.new_page()
        page.set_default_timeout(15_000)
        page.goto(base + "/records/test-city/J5-1")
        page.get_by_role("link", name="申请查阅").click()
        expect(page.locator("#records")).to_have_value("test-city/J5-1")
        page.fill("#name", "王小明")
        page.fill("#contact", "wang@example.org")
        page.fill("#purpose", "办理知青工龄认定")
        page.select_option("#kind", "zhiqing")
        page.fill("#description", "1970年下乡登记")
        screenshot(page, "request-form")
        page.get_by_role("button", name="提交申请").click()
        reference = page.locator("#reference").inner_text()
        code = page.locator("#check-code").inner_text()
        screenshot(page, "request-filed")
        page.locator("#follow-link").click()
        expect(page.locator("#status")).to_have_text("已受理")
        seen.append(page.content())

        desk = staff.new_page()
        desk.set_default_timeout(15_000)
        desk.goto(base + "/login")
        desk.fill("input[name=name]", "clerk1")
        desk.fill("input[name=password]", PASSWORD)
        desk.locator("form button[type=submit]").last.click()
        desk.goto(base + "/staff/requests")
        desk.get_by_role("link", name=reference).click()
        expect(desk.locator("#requester")).to_have_text("王小明")
        desk.select_option("#action", "answer")
        desk.fill("#text", "已出具档案证明，请查收附件。")
        certificate = tmp_path / "档案证明.pdf"
        certificate.write_bytes(b"%PDF-1.4 certificate")
        desk.set_input_files("#file", str(certificate))
        desk.locator("#answer-form button[type=submit]").click()
        expect(desk.locator("#status")).to_have_text("已答复")
        screenshot(desk, "request-answered-staff")

        page.reload()
        expect(page.locator("#status")).to_have_text("已答复")
        expect(page.locator("#timeline")).to_contain_text("已出具档案证明")
        link = page.get_by_role("link", name="档案证明.pdf")
        with urllib.request.urlopen(base + link.get_attribute("href")) as answer:
            assert answer.read() == b"%PDF-1.4 certificate"
        screenshot(page, "request-answered-citizen")
        seen.append(page.content())
        assert all(CLOSED_TITLE not in html for html in seen)
        assert "王小明" not in page.content()  # the follow page does not echo the requester
        assert code and reference in page.url
    finally:
        citizen.close()
        staff.close()
