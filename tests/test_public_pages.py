"""Public pages without a browser: facets, timeline, record page, citation, entity pages,
languages, asset budget and the content security policy."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app import create_app, lantai_of
from app.public import citation
from indexer.documents import index_doc
from tests.conftest import REPO, buffered_client, record, write_jsonl

TRANSLATIONS = REPO / "app" / "translations"
CLOSED_TITLES = ("关于赵秘云同志的审查材料", "机要通信网建设")


@pytest.fixture
def site(client, tmp_path):
    """Open, closed and catalog-only records over three years, two archives and two types,
    with entities indexed the way the entity extractor will index them."""
    rows = [
        record(
            f"J001-001-{n:04d}",
            f"关于第{n}批土地改革工作的报告",
            date=f"{1949 + n % 3}-05-01",
            text=f"寶雞縣第{n}區土地改革工作。李有財同志參加。",
            creator="宝鸡县人民政府",
        )
        for n in range(1, 13)
    ]
    rows += [
        record(
            "J002-001-0001",
            "凤翔县合作社照片",
            archive="fx-county",
            record_type="照片",
            date="1955",
            text="合作社社員合影。",
        ),
        record(
            "J001-002-0001",
            "关于赵秘云同志的审查材料",
            access="unreviewed",
            date="1960",
            text="赵秘云 李有财 土地改革",
        ),
        record("J001-002-0002", "机要通信网建设", classification="机密", date="1961", text="土地改革"),
        record(
            "J001-002-0003",
            "关于征购粮食的报告",
            access="catalog_only",
            date="1951-02-03",
            text="粮食征购明细",
            description="粮食征购工作",
        ),
    ]
    lantai = lantai_of(client.application)
    report = lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", rows)])
    assert report.failed == 0
    entities = {
        "J001-001-0001": {"persons": ("李有财",), "places": ("宝鸡",)},
        "J001-001-0002": {"persons": ("李有财",), "places": ("宝鸡",), "orgs": ("宝鸡县人民政府",)},
        "J001-001-0004": {"places": ("宝鸡",)},
        "J001-002-0001": {"persons": ("赵秘云", "李有财")},  # closed
        "J001-002-0002": {"orgs": ("机要局",)},  # classified
    }
    docs = []
    for code, found in entities.items():
        stored = lantai.store.get("test-city", code)
        docs.append(replace(index_doc(stored), **found))
    lantai.backend.index(docs)
    return client


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def facet_links(html: str, key: str) -> list[str]:
    section = re.search(rf'<section class="facet" aria-labelledby="facet-{key}">(.*?)</section>', html, re.S)
    assert section, f"no {key} facet"
    return hrefs(section.group(1))


def qs(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


# -- facets ---------------------------------------------------------------------------


def test_facet_links_add_and_remove_filters(site):
    html = page(site, "/search?q=土地改革")
    archive_links = facet_links(html, "archive")
    assert [qs(u) for u in archive_links] == [{"q": ["土地改革"], "archive": ["test-city"]}]
    assert "fx-county" not in html  # no open record of it matches

    filtered = page(site, archive_links[0])
    assert 'class="chip"' in filtered and "test-city" in filtered
    remove = facet_links(filtered, "archive")[0]  # the selected value's link removes it
    assert qs(remove) == {"q": ["土地改革"]}
    assert 'aria-current="true"' in filtered

    type_link = facet_links(filtered, "type")[0]
    assert qs(type_link) == {"q": ["土地改革"], "archive": ["test-city"], "type": ["文书"]}
    both = page(site, type_link)
    chips = re.findall(r'<a href="([^"]+)" class="chip"', both)
    assert sorted(str(qs(unescape(c))) for c in chips) == sorted(
        map(str, [{"q": ["土地改革"], "type": ["文书"]}, {"q": ["土地改革"], "archive": ["test-city"]}])
    )


def test_decade_year_and_entity_facets(site):
    html = page(site, "/search?q=")
    decades = facet_links(html, "decade")
    assert {(qs(u)["year_from"][0], qs(u)["year_to"][0]) for u in decades} == {
        ("1940", "1949"),
        ("1950", "1959"),
    }
    assert "1960" not in "".join(decades)  # closed records count nowhere
    fifties = page(site, next(u for u in decades if "year_from=1950" in u))
    years = facet_links(fifties, "year")
    assert {qs(u)["year_from"][0] for u in years} == {"1950", "1951", "1955"}
    assert all(qs(u)["year_from"] == qs(u)["year_to"] for u in years)

    persons = facet_links(html, "person")
    assert [qs(u)["person"] for u in persons] == [["李有财"]]
    assert re.search(r'李有财</span> <span class="count">2</span>', html)  # not 3: one is closed
    assert "赵秘云" not in html and "机要局" not in html
    places = facet_links(html, "place")
    combined = page(site, persons[0])
    place_link = facet_links(combined, "place")[0]
    assert qs(place_link)["person"] == ["李有财"] and qs(place_link)["place"] == ["宝鸡"]
    org = facet_links(html, "org")
    assert qs(org[0])["org"] == ["宝鸡县人民政府"] and places


def test_sort_date_range_form_and_pagination(site):
    html = page(site, "/search?q=土地改革&size=5&archive=test-city&sort=date")
    sort_links = re.search(r'<nav class="sort".*?</nav>', html, re.S).group(0)
    assert 'aria-current="true">日期（由远及近）' in sort_links
    assert all(qs(u)["archive"] == ["test-city"] for u in hrefs(sort_links))
    form = re.search(r'<form class="year-range".*?</form>', html, re.S).group(0)
    for name, value in (("q", "土地改革"), ("archive", "test-city"), ("sort", "date"), ("size", "5")):
        assert f'type="hidden" name="{name}" value="{value}"' in form
    assert 'name="year_from"' in form and 'name="year_to"' in form
    assert 'rel="next"' in html and "page=2" in html
    dates = re.findall(r'<time datetime="([^"]+)"', html)
    assert dates == sorted(dates)
    ranged = page(site, "/search?q=土地改革&year_from=1950&year_to=1951")
    assert all(d[:4] in ("1950", "1951") for d in re.findall(r'<time datetime="([^"]+)"', ranged))
    assert "1950–1951" in ranged


def test_hits_show_archive_type_snippet_and_pages_when_present(site, monkeypatch):
    service = lantai_of(site.application).search
    real = service.search

    def with_pages(request, audience):
        result = real(request, audience)
        for hit in result["hits"]:
            hit["pages"] = [3, 7]
        return result

    html = page(site, "/search?q=土地改革")
    assert "命中页" not in html  # no page numbers until page-level ingest provides them
    assert "<mark>土地改革</mark>" in html and "文书" in html and "test-city" in html
    monkeypatch.setattr(service, "search", with_pages)
    html = page(site, "/search?q=土地改革")
    pages = re.search(r'<p class="pages">(.*?)</p>', html).group(1)
    assert re.sub(r"<[^>]+>", "", pages) == "命中页：第 3 页、第 7 页"
    assert [urlparse(unescape(u)).fragment for u in hrefs(pages)][:2] == ["page-3", "page-7"]


# -- timeline -------------------------------------------------------------------------


def test_timeline_is_inline_svg_with_a_link_per_year(site):
    html = page(site, "/search?q=土地改革")
    svg = re.search(r'<svg class="timeline-svg".*?</svg>', html, re.S).group(0)
    bars = re.findall(r'<a href="([^"]+)" aria-label="([^"]+)" data-year="(\d+)"', svg)
    assert {year for _, _, year in bars} == {"1949", "1950", "1951"}
    for url, label, year in bars:
        assert qs(unescape(url)) == {"q": ["土地改革"], "year_from": [year], "year_to": [year]}
        assert re.fullmatch(rf"{year} 年：\d+ 条", label)
        assert f"<title>{label}</title>" in svg
    assert "style=" not in svg and "<script" not in svg
    assert 'role="group"' in svg and "aria-label=" in svg
    one_year = page(site, unescape(bars[0][0]))
    assert 'aria-current="true" class="current"' in one_year
    assert "<svg" not in page(site, "/search?q=没有这种东西")


# -- record pages and citations -------------------------------------------------------


def test_record_page_highlights_the_query_and_links_to_the_first_hit(site):
    html = page(site, "/records/test-city/J001-001-0002?q=宝鸡 土地改革")
    assert '<mark id="first-hit">寶雞</mark>' in html
    assert html.count("<mark") == 2 and 'href="#first-hit"' in html
    plain = page(site, "/records/test-city/J001-001-0002")
    assert "<mark" not in plain and "寶雞縣第2區土地改革工作" in plain
    assert 'id="permalink"' in plain and "http://localhost/records/test-city/J001-001-0002" in plain
    assert 'data-copy-target="citation"' in plain and " hidden>" in plain  # shown by the script


def test_record_back_link_keeps_the_search(site):
    results = page(site, "/search?q=土地改革&archive=test-city&year_from=1950")
    link = next(u for u in hrefs(results) if u.startswith("/records/test-city/"))
    record_page = page(site, link)
    back = re.search(r'<p class="back"><a href="([^"]+)"', record_page).group(1)
    assert qs(unescape(back)) == {"q": ["土地改革"], "archive": ["test-city"], "year_from": ["1950"]}
    hostile = page(site, "/records/test-city/J001-001-0002?back=//evil.example/&q=x")
    assert '<p class="back">' not in hostile


def test_an_installation_names_its_own_archives(settings, tmp_path):
    named = settings.with_overrides(
        archive_names={"test-city": {"zh": "测试市档案馆", "en": "Test City Archives", "place": "测试市"}}
    )
    client = create_app(named).test_client()
    lantai_of(client.application).ingester.ingest(
        [
            write_jsonl(
                tmp_path / "r.jsonl",
                [record("J001-001-0001", "关于土地改革的通知", creator="测试市人民政府", date="1950")],
            )
        ]
    )
    html = page(client, "/records/test-city/J001-001-0001")
    assert "测试市人民政府. 关于土地改革的通知: J001-001-0001[A]. 测试市: 测试市档案馆, 1950." in html
    assert "Test City Archives" in page(client, "/search?q=土地改革&lang=en")


def test_citation_follows_gbt_7714_for_archives(site):
    with site.application.test_request_context():
        assert citation(
            {
                "archive": "baoji-city",
                "archive_code": "J001-001-0001",
                "title": "关于开展整党整风的计划",
                "creator": "中共宝鸡市委",
                "date": "1950-05-04",
            }
        ) == ("中共宝鸡市委. 关于开展整党整风的计划: J001-001-0001[A]. 宝鸡: 宝鸡市档案馆, 1950-05-04.")
        # No creator: the holding archive is responsible; no date: none is made up.
        assert (
            citation(
                {
                    "archive": "baoji-city",
                    "archive_code": "J1-1",
                    "title": "名册。",
                    "creator": "",
                    "date": "",
                }
            )
            == "宝鸡市档案馆. 名册: J1-1[A]. 宝鸡: 宝鸡市档案馆."
        )
        # An archive without a known name is named by its id.
        assert (
            citation(
                {
                    "archive": "test-city",
                    "archive_code": "J1-2",
                    "title": "通知",
                    "creator": "某县",
                    "date": "1950",
                }
            )
            == "某县. 通知: J1-2[A]. test-city, 1950."
        )
    html = page(site, "/records/test-city/J001-001-0003")
    assert "宝鸡县人民政府. 关于第3批土地改革工作的报告: J001-001-0003[A]. test-city, 1949-05-01." in html
    english = page(site, "/records/test-city/J001-001-0003?lang=en")
    assert "J001-001-0003[A]. test-city, 1949-05-01." in english  # Chinese in any interface


def test_catalog_only_record_has_catalog_and_citation_but_no_text(site):
    html = page(site, "/records/test-city/J001-002-0003?q=明细")
    assert "粮食征购工作" in html and "明细</" not in html and "粮食征购明细" not in html
    assert "目录开放" in html and "[A]" in html


def test_record_page_links_entities_when_the_record_has_them(site, monkeypatch):
    service = lantai_of(site.application).search
    real = service.reading

    def with_entities(entities):
        def reading(record_id, audience, terms=None):
            answer = real(record_id, audience, terms)
            return {**answer, "record": {**answer["record"], "entities": entities}}

        return reading

    monkeypatch.setattr(
        service,
        "reading",
        with_entities([{"label": "PERSON", "text": "李有财"}, {"label": "PLACE", "text": "宝鸡"}]),
    )
    html = page(site, "/records/test-city/J001-001-0001")
    assert 'href="/entities/person/%E6%9D%8E%E6%9C%89%E8%B4%A2">李有财</a>' in html
    assert 'href="/entities/place/%E5%AE%9D%E9%B8%A1">宝鸡</a>' in html
    monkeypatch.setattr(service, "reading", with_entities({"org": ["宝鸡县人民政府"]}))
    assert "/entities/org/" in page(site, "/records/test-city/J001-001-0001")


# -- entity pages ---------------------------------------------------------------------


def test_entity_page_lists_public_records_and_their_years(site):
    html = page(site, "/entities/person/李有财")
    assert "<h1" in html and "李有财" in html
    assert "<strong>2</strong> 件开放档案提到了它" in html
    assert "J001-001-0001" in html and "J001-001-0002" in html
    assert "赵秘云" not in html and "J001-002-0001" not in html
    assert "时间跨度 1950–1951 年" in html
    assert "/entities/place/" in html  # places mentioned with it
    places = page(site, "/entities/place/宝鸡")
    assert "<strong>3</strong> 件开放档案提到了它" in places
    traditional = page(site, "/entities/place/寶雞")  # the name is normalized like a query
    assert "<strong>3</strong>" in traditional


def test_entity_mentioned_only_by_closed_records_answers_like_a_missing_record(site):
    missing = site.get("/records/test-city/J999-999-9999")
    for url in (
        "/entities/person/赵秘云",
        "/entities/org/机要局",
        "/entities/person/无此人",
        "/entities/weapon/李有财",
        "/entities/person/%20",
    ):
        response = site.get(url)
        assert response.status_code == 404, url
        assert response.data == missing.data, url
        assert dict(response.headers) == dict(missing.headers), url
    assert site.get("/entities/person/李有财?page=abc").status_code == 400


# -- empty results, tips --------------------------------------------------------------


def test_empty_results_help_with_script_words_filters_and_tips(site):
    html = page(site, "/search?q=土地改革 不存在之词&archive=test-city")
    assert "没有找到匹配的开放档案" in html
    assert "只检索一个词" in html and ">土地改革</a>（12 条）" in html
    assert "去掉所有筛选条件和年代范围" in html and 'href="/help/search"' in html
    assert "改用繁体" in html and "土地改革 不存在之詞" in html
    traditional = page(site, "/search?q=機密檔案 某某")
    assert "改用简体" in traditional and "机密档案 某某" in traditional
    assert "机要通信网建设" not in traditional
    quoted = page(site, '/search?q="不存在的短语" title:无')
    assert "去掉引号和字段限定" in quoted
    assert "拼音只匹配题名" in page(site, "/search?q=zzzqqq")
    tips = page(site, "/help/search")
    assert "<h1" in tips and "title:" in tips and "year:1949-1952" in tips


def test_the_search_help_explains_this_archives_relevance_settings(settings):
    changed = settings.with_overrides(
        relevance_text_weight=12, relevance_phrase_boost=3, relevance_tie_break="newest"
    )
    app = create_app(changed)
    app.config.update(TESTING=True)
    tips = page(buffered_client(app), "/help/search")
    order = re.search(r'<table class="tips-table tips-weights">(.*?)</table>', tips, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", order)
    assert cells[:4] == ["全文", "12", "题名", "10"]  # the heaviest field first
    assert "相关度乘以 3。" in tips
    assert "相关度相同时：日期晚的在前（无日期的最后）；最后按档号。" in tips
    english = page(buffered_client(app), "/help/search?lang=en")
    assert "How results are ordered" in english and "multiplied by 3." in english


def test_empty_results_offer_did_you_mean_in_chinese_then_english(site):
    html = page(site, "/search?q=凤祥 合作社")
    assert "您是不是要找：" in html and ">凤翔 合作社</a>（1 条）" in html
    link = hrefs(re.search(r'<p class="did-you-mean">(.*?)</p>', html).group(1))[0]
    assert urlparse(link).path == "/search" and qs(link) == {"q": ["凤翔 合作社"]}
    english = page(site, "/search?q=凤祥 合作社&lang=en")
    assert "Did you mean: " in english and ">凤翔 合作社</a> (1)" in english
    assert "您是不是要找" not in page(site, "/search?q=赵密云")  # only a closed record has 赵秘云
    assert "您是不是要找" not in page(site, "/search?q=凤翔 合作社")  # it has hits


def test_closed_titles_never_appear_on_public_pages(site):
    urls = [
        "/",
        "/search?q=",
        "/search?q=赵秘云",
        "/search?q=机要",
        "/search?q=土地改革",
        "/search?q=&year_from=1960&year_to=1961",
        "/entities/person/李有财",
        "/entities/place/宝鸡",
        "/help/search",
        "/records/test-city/J001-002-0001",
    ]
    html = page(site, "/search?q=")
    urls += [u for u in hrefs(html) if u.startswith(("/search", "/records", "/entities"))]
    for url in urls:
        body = site.get(url).get_data(as_text=True)
        for title in CLOSED_TITLES:
            assert title not in body, url
    assert "共 <strong>0</strong> 条结果" in page(site, "/search?q=&year_from=1960&year_to=1961")


# -- languages ------------------------------------------------------------------------


def test_chinese_by_default_english_on_request_and_remembered(site):
    zh = site.get("/search?q=土地改革")
    assert '<html lang="zh-CN">' in zh.get_data(as_text=True)
    assert "共 <strong>12</strong> 条结果" in zh.get_data(as_text=True)
    assert zh.headers["Content-Language"] == "zh-CN"
    switch = re.search(r'<a class="lang" href="([^"]+)"', zh.get_data(as_text=True)).group(1)
    assert qs(unescape(switch)) == {"q": ["土地改革"], "lang": ["en"]}

    en = site.get("/search?q=土地改革&lang=en")
    body = en.get_data(as_text=True)
    assert '<html lang="en">' in body and "<strong>12</strong> results" in body
    assert "Filters" in body and "Skip to main content" in body and "条结果" not in body
    assert "lang=en" in en.headers.get("Set-Cookie", "")
    remembered = site.get("/records/test-city/J001-001-0001").get_data(as_text=True)
    assert "Cite" in remembered and '<html lang="en">' in remembered
    back = site.get("/?lang=zh").get_data(as_text=True)
    assert '<html lang="zh-CN">' in back and "查档案" in back
    assert site.get("/?lang=xx").headers["Content-Language"] == "zh-CN"
    assert "Search tips" in site.get("/help/search?lang=en").get_data(as_text=True)


def _catalog_messages(path: Path) -> dict:
    """msgid -> msgstr; a plural entry as (singular, plural) -> (its forms)."""

    def key(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    with path.open("rb") as handle:
        catalog = read_mo(handle) if path.suffix == ".mo" else read_po(handle)
    return {key(m.id): key(m.string) for m in catalog if m.id}


def test_every_interface_string_is_translated_and_the_mo_is_compiled_from_the_po():
    with (TRANSLATIONS / "babel.cfg").open(encoding="utf-8") as cfg:  # what `make translations` reads
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    found = {
        message
        for _, _, message, *_ in extract_from_dir(str(REPO), method_map, options_map, keywords=keywords)
    }
    assert len(found) > 100
    po = _catalog_messages(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    mo = _catalog_messages(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo")
    untranslated = sorted(
        str(m) for m in found if not po.get(m) or (isinstance(po[m], tuple) and not all(po[m]))
    )
    assert not untranslated, f"add English for these (make translations): {untranslated}"
    # Every entry is found by the extraction, or `make translations` would drop it.
    unextracted = sorted(str(m) for m in po if str(m) and m not in found)
    assert not unextracted, f"babel.cfg misses the modules of these: {unextracted}"
    assert mo == po, "messages.mo is out of date: run `make` (pybabel compile)"


# -- assets and security --------------------------------------------------------------


def test_search_page_assets_stay_under_200_kb_and_are_all_local(site):
    response = site.get("/search?q=土地改革")
    html = response.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {"/static/lantai.css", "/static/lantai.js"} <= set(assets)
    total = len(response.data)
    for asset in set(assets):
        fetched = site.get(asset)
        assert fetched.status_code == 200, asset
        total += len(fetched.data)
    assert total < 200 * 1024, f"{total} bytes"
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)  # nothing from elsewhere
    static = REPO / "app" / "static"
    assert not [p for p in static.rglob("*") if p.suffix in (".woff", ".woff2", ".ttf", ".otf")]
    for path in static.rglob("*"):
        if path.suffix in (".css", ".js"):
            text = path.read_text(encoding="utf-8")
            assert "@import" not in text and "url(http" not in text and "//cdn" not in text, path


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/search?q=土地改革",
        "/search?q=不存在之词&type=照片",
        "/records/test-city/J001-001-0001?q=土地",
        "/entities/place/宝鸡",
        "/help/search",
        "/records/test-city/nope",
        "/search?page=0",
    ],
)
def test_strict_csp_and_no_inline_script_or_style(site, url):
    response = site.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    html = response.get_data(as_text=True)
    # A JSON-LD data block (citation metadata) is never run, so the CSP does not apply.
    assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/ld\+json\"))[^>]*>", html), (
        "inline script"
    )
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert 'href="#main"' in html and '<main id="main"' in html and "<nav" in html
    assert "<footer" in html and "<header" in html


def test_form_fields_have_labels(site):
    html = page(site, "/search?q=土地改革")
    for field_id in re.findall(r'<input id="([^"]+)"', html):
        assert f'for="{field_id}"' in html, field_id


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_colours_meet_wcag_aa_contrast():
    css = (REPO / "app" / "static" / "lantai.css").read_text(encoding="utf-8")
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})", css))
    text_pairs = [
        ("ink", "bg"),
        ("ink", "panel"),
        ("muted", "bg"),
        ("muted", "panel"),
        ("muted", "accent-soft"),
        ("link", "bg"),
        ("link", "panel"),
        ("ink", "mark"),
        ("ink", "accent-soft"),
        ("accent", "panel"),
    ]
    for fg, bg in text_pairs:
        assert contrast(colours[fg], colours[bg]) >= 4.5, (fg, bg)
    assert contrast("#ffffff", colours["accent"]) >= 4.5  # button text
    assert contrast("#ffffff", colours["link"]) >= 4.5  # the chosen suggestion
    assert contrast(colours["focus"], colours["bg"]) >= 3  # focus outline
    assert contrast("#a33a2f", colours["panel"]) >= 3  # timeline bars
