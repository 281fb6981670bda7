"""The results page's export links, followed by a real Chromium: the files it downloads."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.test_exports import parse_ris


def download(page, label: str) -> tuple[str, bytes]:
    """Click the export link ``label``; the downloaded file's name and bytes."""
    with page.expect_download() as started:
        page.locator("p.export a", has_text=label).click()
    done = started.value
    return done.suggested_filename, Path(done.path()).read_bytes()


def test_the_results_page_exports_what_it_shows(page, site, visits):
    page.goto(site.url("/search?q=" + quote("关于") + "&sort=date"))
    visits.snapshot(page)
    total = int(page.locator("h2.summary strong").inner_text())
    first_title = page.locator("ol.hits li.hit h3 a").first.inner_text().strip()
    links = page.locator("p.export a")
    expect(links).to_have_count(3)
    screenshot(page, "search-export-desktop", full_page=False)

    name, data = download(page, "CSV")
    assert name.startswith("lantai-search-关于-") and name.endswith(".csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == min(total, 1000) and rows[0]["题名"] == first_title
    assert all(row["档号"] in row["引用格式"] and row["状态"] == "可用" for row in rows)

    name, data = download(page, "RIS")
    assert name.endswith(".ris")
    records = parse_ris(data.decode("utf-8"))
    assert [dict(r)["TI"] for r in records] == [row["题名"] for row in rows]
    assert not [t for t in site.closed_titles if t in data.decode("utf-8")]
    visits.assert_no_closed_titles()  # fetches the export URLs the browser asked for, too
