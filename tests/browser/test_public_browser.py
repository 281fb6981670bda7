"""The public pages as a citizen's browser meets them: real Chromium, real gunicorn, sample records."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections import deque
from urllib.parse import parse_qs, quote, urljoin, urlparse

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, start_chromium


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def no_horizontal_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url}: content is {width}px wide in a {inner}px window"


def test_chromium_starts(playwright_driver, tmp_path):
    """Chromium itself: a failure here names the reason every other browser test fails for."""
    context = start_chromium(playwright_driver)
    try:
        page = context.new_page()
        page.set_content("<p id=x>兰台</p>")
        assert page.inner_text("#x") == "兰台"
        assert "Chrom" in page.evaluate("navigator.userAgent")
    finally:
        context.close()


def test_search_facets_record_and_back_keep_query_and_filters(page, site, visits):
    page.goto(site.url("/search?q=" + quote("关于")))
    visits.snapshot(page)
    expect(page.locator("h2.summary")).to_contain_text("条结果")
    screenshot(page, "search-desktop")

    page.locator("section.facet[aria-labelledby='facet-archive'] a").first.click()
    page.wait_for_url(re.compile(r"archive="))
    visits.snapshot(page)
    page.locator("section.facet[aria-labelledby='facet-type'] a").first.click()
    page.wait_for_url(re.compile(r"type="))
    visits.snapshot(page)
    results_url = page.url
    chosen = params(results_url)
    assert chosen["q"] == ["关于"] and len(chosen["archive"]) == 1 and len(chosen["type"]) == 1
    chips = page.locator(".active-filters .chip")
    expect(chips).to_have_count(2)
    expect(page.locator("section.facet li.selected")).to_have_count(2)
    total = int(page.locator("h2.summary strong").inner_text())
    assert total > 0

    first = page.locator("ol.hits li.hit h3 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/records/"))
    visits.snapshot(page)
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("#citation")).to_contain_text("[A]")
    back_link = page.locator("p.back a")
    assert params(urljoin(page.url, back_link.get_attribute("href"))) == chosen

    page.go_back()
    page.wait_for_url(results_url)
    visits.snapshot(page)
    expect(page.locator("#q")).to_have_value("关于")
    expect(page.locator(".active-filters .chip")).to_have_count(2)
    assert int(page.locator("h2.summary strong").inner_text()) == total

    chips.first.click()  # removing one filter keeps the other and the query
    page.wait_for_url(lambda url: "archive=" not in url)
    assert params(page.url)["q"] == ["关于"] and params(page.url)["type"] == chosen["type"]
    visits.snapshot(page)
    visits.assert_no_closed_titles()


def test_suggestions_appear_while_typing_and_work_from_the_keyboard(page, site, visits):
    page.goto(site.url("/"))
    box = page.locator("#q")
    box.click()
    box.press_sequentially("宝鸡", delay=80)
    options = page.locator("#q-suggestions [role='option']")
    expect(options.first).to_be_visible()
    visits.snapshot(page)
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "true")
    assert all("宝鸡" in text for text in options.all_inner_texts())
    screenshot(page, "suggestions-desktop", full_page=False)

    box.press("ArrowDown")
    box.press("ArrowDown")
    second = options.nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", second.get_attribute("id"))
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#q-suggestions")).to_be_hidden()

    box.press("ArrowDown")  # reopens on the same suggestions
    expect(box).to_have_attribute("aria-expanded", "true")
    chosen = options.first.inner_text()
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))
    visits.snapshot(page)
    assert params(page.url)["q"] == [chosen]
    expect(page.locator("ol.hits li.hit h3 a").first).to_have_text(chosen)

    # Typing words that only closed records contain suggests nothing.
    box = page.locator("#q")
    box.fill("")
    box.press_sequentially("赵秘云", delay=60)
    page.wait_for_timeout(600)
    visits.snapshot(page)
    expect(page.locator("#q-suggestions [role='option']")).to_have_count(0)
    visits.assert_no_closed_titles()


def test_a_timeline_bar_filters_to_its_year(page, site, visits):
    page.goto(site.url("/search?q="))
    visits.snapshot(page)
    bars = page.locator("svg.timeline-svg a")
    assert bars.count() > 10
    best = max(
        range(bars.count()),
        key=lambda i: int(re.search(r"(\d+) 条$", bars.nth(i).get_attribute("aria-label")).group(1)),
    )
    bar = bars.nth(best)
    year = bar.get_attribute("data-year")
    count = int(re.search(r"(\d+) 条$", bar.get_attribute("aria-label")).group(1))
    assert bar.get_attribute("aria-label").startswith(f"{year} 年")
    bar.click()
    page.wait_for_url(re.compile(f"year_from={year}&year_to={year}|year_to={year}"))
    visits.snapshot(page)
    assert params(page.url)["year_from"] == [year] and params(page.url)["year_to"] == [year]
    assert int(page.locator("h2.summary strong").inner_text()) == count
    dates = page.locator("ol.hits time").all_inner_texts()
    assert dates and all(d.startswith(year) for d in dates)
    expect(page.locator(f"svg.timeline-svg a[data-year='{year}']")).to_have_attribute("aria-current", "true")

    # The bars are links a keyboard reaches and follows too.
    page.goto(site.url("/search?q=" + quote("关于")))
    other = page.locator("svg.timeline-svg a").first
    other_year = other.get_attribute("data-year")
    other.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(f"year_to={other_year}"))
    assert params(page.url)["q"] == ["关于"]
    visits.snapshot(page)
    visits.assert_no_closed_titles()


def test_phone_width_has_no_horizontal_overflow(phone, site, visits):
    record = site.url("/records/baoji-city/J001-001-0001?q=" + quote("整风"))
    for name, path in (
        ("home", "/"),
        ("search", "/search?q=" + quote("关于")),
        ("search-empty", "/search?q=" + quote("國務院 xyzzy")),
        ("record", record.removeprefix(site.base)),
        ("tips", "/help/search"),
        ("not-found", "/records/baoji-city/NOPE"),
    ):
        phone.goto(site.url(path))
        visits.snapshot(phone)
        no_horizontal_overflow(phone)
        screenshot(phone, f"{name}-phone")
    phone.goto(site.url("/search?q=" + quote("关于")))
    filters = phone.locator("a.to-filters")
    expect(filters).to_be_visible()
    filters.click()
    expect(phone.locator("#filters")).to_be_in_viewport()
    phone.locator("#q").click()
    phone.locator("#q").fill("")
    phone.locator("#q").press_sequentially("宝鸡", delay=60)
    expect(phone.locator("#q-suggestions [role='option']").first).to_be_visible()
    no_horizontal_overflow(phone)
    screenshot(phone, "suggestions-phone", full_page=False)
    visits.assert_no_closed_titles()


def test_record_page_highlights_jumps_and_copies_the_citation(page, site, visits):
    page.goto(site.url("/search?q=" + quote("整风")))
    page.locator("ol.hits li.hit h3 a").first.click()
    page.wait_for_url(re.compile(r"/records/.*\?q="))
    visits.snapshot(page)
    expect(page.locator("mark#first-hit")).to_have_count(1)
    page.locator("a[href='#first-hit']").click()
    assert page.evaluate("location.hash") == "#first-hit"
    copy = page.locator("button[data-copy-target='citation']")
    expect(copy).to_be_visible()  # shown by the script (hidden without it)
    copy.click()
    expect(page.locator(".copy-status")).to_have_text("已复制引用。")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#citation").inner_text().strip()
    assert re.fullmatch(r".+\. .+: J\d{3}-\d{3}-\d{4}\[A\]\. .+\.", copied)
    screenshot(page, "record-desktop")
    visits.assert_no_closed_titles()


def test_keyboard_skip_link_and_language_switch(page, site, visits):
    page.goto(site.url("/search?q=" + quote("土地")))
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    page.locator("a.lang").click()
    page.wait_for_url(re.compile(r"lang=en"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h2.summary")).to_contain_text("results")
    page.goto(site.url("/"))  # the choice is remembered
    expect(page.locator("html")).to_have_attribute("lang", "en")
    visits.snapshot(page)
    screenshot(page, "home-english")
    page.locator("a.lang").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    visits.assert_no_closed_titles()


def test_no_page_an_anonymous_visitor_reaches_shows_a_closed_title(page, site, visits):
    """Crawl facet, timeline, entity, record and result pages; check every page's HTML."""
    start = [
        "/",
        "/search?q=",
        "/search?q=" + quote("关于"),
        "/search?q=" + quote("报告"),
        "/search?q=" + quote("红色档案"),
        "/help/search",
    ]
    for word in ("赵秘云", "青隼", "钱隐松", "鹞岭甲号", "蓝槐沟"):  # only in closed records
        start += [
            "/search?q=" + quote(word),
            "/entities/person/" + quote(word),
            "/entities/place/" + quote(word),
            "/api/v1/suggest?q=" + quote(word[:2]),
        ]
    queues = {kind: deque() for kind in ("start", "search", "records", "entities")}
    queues["start"].extend(site.url(p) for p in start)
    seen: set[str] = set()
    kinds: set[str] = set()
    while any(queues.values()) and len(seen) < 90:
        for queue in queues.values():  # take turns, so every kind of page gets visited
            url = queue.popleft() if queue else None
            if url is None or url in seen:
                continue
            seen.add(url)
            response = page.goto(url)
            html = visits.snapshot(page)
            path = urlparse(url).path
            kinds.add(path.split("/")[1] or "home")
            if path.startswith("/entities/"):
                assert response.status in (200, 404)
            if response.status != 200 or "/api/" in path:
                continue
            assert html.count("<mark") == html.count("</mark>")
            for raw in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
                href = urljoin(page.url, raw).split("#")[0]
                section = urlparse(href).path.split("/")[1]
                if (
                    href.startswith(site.base)
                    and section in queues
                    and "lang=" not in href
                    and href not in seen
                ):
                    queues[section].append(href)
                for kind in ("person", "place", "org"):  # each entity facet value's own page
                    for name in parse_qs(urlparse(href).query).get(kind, []):
                        queues["entities"].append(site.url(f"/entities/{kind}/{quote(name)}"))
    assert {"home", "search", "records"} <= kinds
    for word in ("赵秘云", "青隼", "钱隐松"):
        closed_entity = urllib.request.Request(site.url("/entities/person/" + quote(word)))
        missing = urllib.request.Request(site.url("/records/baoji-city/NO-SUCH-CODE"))
        bodies = []
        for request in (closed_entity, missing):
            try:
                urllib.request.urlopen(request, timeout=10)
                raise AssertionError(f"{request.full_url} answered 200")
            except urllib.error.HTTPError as error:
                bodies.append((error.code, error.read()))
        assert bodies[0] == bodies[1]
    visits.assert_no_closed_titles()
