"""A researcher's workspace in a real browser: sign in, save a search from the results, make a
topic folder, select a passage of a page and add it to the folder, then see the badge of new
hits when a matching record is opened; real Chromium, real gunicorn, a real PDF."""

from __future__ import annotations

import json
import os
import subprocess
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from app.runtime import open_lantai
from config import load_settings
from tests.browser.conftest import LANTAI, screenshot, serving, start_chromium
from tests.fixtures.ingest import make

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def workspace_site(tmp_path_factory):
    """An open record read from a two-page PDF and a closed one that matches the same query,
    served by ``lantai serve``, with a researcher and a reviewer account."""
    data_dir = tmp_path_factory.mktemp("browser-workspace")
    inputs = data_dir / "in"
    inputs.mkdir()
    make.text_pdf(
        inputs / "J1-1.pdf", ["宝鸡县土地改革第一页", "第二页：全县成立农民协会，土地改革全面展开。"]
    )
    base = {"archive": "test-city", "date": "1950-05-01", "classification": "无"}
    rows = [
        {
            **base,
            "archive_code": "J1-1",
            "title": "宝鸡县土地改革工作报告",
            "access": "open",
            "files": ["J1-1.pdf"],
        },
        {
            **base,
            "archive_code": "J9-1",
            "title": "岐山县土地改革情况",
            "access": "unreviewed",
            "text": "土地改革",
        },
    ]
    (inputs / "rows.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    with serving(data_dir, [inputs]) as (url, _log):
        runtime = open_lantai(load_settings(env={}, data_dir=str(data_dir / "data"), backend="sqlite"))
        try:
            runtime.users.add("res1", "researcher", PASSWORD)
            runtime.users.add("boss", "admin", PASSWORD, ("*",), clearance=True)
        finally:
            runtime.close()
        yield url, data_dir / "data"


def test_a_researcher_saves_a_search_and_a_passage_and_sees_new_hits(playwright_driver, workspace_site):
    base, data = workspace_site
    context = start_chromium(playwright_driver, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(base + "/login")
        page.fill("input[name=name]", "res1")
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url(base + "/")

        page.goto(base + "/search?q=" + quote("土地改革"))
        page.fill("#save-search-name", "土改材料")
        page.get_by_role("button", name="保存此检索").click()
        page.wait_for_url(base + "/me")
        row = page.locator("table.saved-searches tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("土改材料")
        expect(page.locator("h1 .badge.new-hits")).to_have_count(0)

        page.fill("#folder-name", "土地改革专题")
        page.get_by_role("button", name="建立专题").click()
        expect(page.locator("h1")).to_have_text("土地改革专题")

        # Select a passage of page 2 in the record's text: it becomes the excerpt and its page.
        page.goto(base + "/records/test-city/J1-1")
        page.evaluate(
            """() => {
                const text = document.querySelector('#page-2 .text');
                const node = document.createTreeWalker(text, NodeFilter.SHOW_TEXT).nextNode();
                const start = node.data.indexOf('全县成立农民协会');
                const range = document.createRange();
                range.setStart(node, start);
                range.setEnd(node, start + 8);
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                text.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
            }"""
        )
        expect(page.locator("#excerpt")).to_have_value("全县成立农民协会")
        expect(page.locator("#excerpt-pages")).to_have_value("2")
        page.fill("#item-note", "成立农民协会的时间")
        page.locator("section.add-to-folder button[type=submit]").click()
        expect(page.locator("p.flash")).to_contain_text("J1-1")

        # A reviewer opens a record that matches the saved search: the workspace says so.
        env = {k: v for k, v in os.environ.items() if not k.startswith("LANTAI_")}
        env.update(LANTAI_DATA_DIR=str(data), LANTAI_BACKEND="sqlite")
        opened = subprocess.run(
            [LANTAI, "review", "J9-1", "--archive", "test-city", "--decision", "open"]
            + ["--reason", "到期开放", "--by", "boss"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert opened.returncode == 0, opened.stderr
        page.goto(base + "/me")
        expect(page.locator("h1 .badge.new-hits")).to_have_text("1 条新结果")
        expect(row.locator(".badge.new-hits")).to_have_text("新 1")
        screenshot(page, "workspace")

        page.get_by_role("link", name="土地改革专题").click()
        item = page.locator("li.folder-item")
        expect(item).to_have_count(1)
        expect(item.locator("blockquote.excerpt")).to_contain_text("全县成立农民协会")
        expect(item.locator("blockquote.excerpt cite")).to_have_text("第 2 页")
        expect(item.locator("textarea")).to_have_value("成立农民协会的时间")
        screenshot(page, "workspace-folder")

        page.goto(base + "/me")
        page.get_by_role("button", name="查看并标为已读").click()
        page.wait_for_url(lambda url: "/search?" in url)
        expect(page.locator("ol.hits li.hit")).to_have_count(2)
        page.goto(base + "/me")
        expect(page.locator("h1 .badge.new-hits")).to_have_count(0)
    finally:
        context.close()
