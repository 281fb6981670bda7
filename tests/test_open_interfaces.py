"""The catalogue of opened records (/opened, /opened.atom, /opened/<yyyy-mm>.csv), robots.txt,
sitemaps and the citation metadata of record pages: the public view only."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
from lxml import etree

from app import create_app, lantai_of
from tests.conftest import buffered_client, record, write_jsonl

pytestmark = pytest.mark.both_catalogs
MONTH = datetime.now(UTC).strftime("%Y-%m")
ATOM = {"a": "http://www.w3.org/2005/Atom"}
SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
ROWS = [
    record("J1-1", "宝鸡县土地改革工作报告", access="unreviewed", creator="宝鸡县委", subjects=["土地改革"]),
    record("J1-2", "凤翔县土地改革总结", access="unreviewed", description="联系电话13912345678"),
    record("J1-3", "机要情况的通报", access="unreviewed", classification="机密"),
    record("J1-4", "扫盲运动总结", access="unreviewed"),
    record("J1-5", "早已开放的水利报告"),
    record("J2-1", "凤翔县扫盲工作计划", archive="fx-county", access="unreviewed"),
]


@pytest.fixture
def site(settings, tmp_path):
    """Records opened by decisions this month (one of them closed again), one classified
    record "opened" (still closed by its 密级), one open since its import."""
    app = create_app(settings.with_overrides(sitemap_size=2))
    lantai = lantai_of(app)
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS)]).failed == 0
    for archive, code in [
        ("test-city", "J1-1"),
        ("test-city", "J1-2"),
        ("test-city", "J1-3"),
        ("fx-county", "J2-1"),
    ]:
        lantai.decide(archive, code, "open", "期满开放", "shen")
    lantai.decide("test-city", "J1-4", "catalog_only", "目录开放", "shen")
    lantai.decide("test-city", "J1-2", "controlled", "涉及个人隐私", "shen")  # closed again
    yield buffered_client(app)
    lantai.close()


def test_the_catalogue_lists_opening_decisions_by_month_and_archive(site):
    page = site.get("/opened").get_data(as_text=True)
    assert f'href="/opened/{MONTH}"' in page and f'href="/opened/{MONTH}.csv"' in page
    row = re.search(rf"<tr>\s*<th scope=\"row\"><a href=\"/opened/{MONTH}\">.*?</tr>", page, re.S).group(0)
    assert "fx-county 1" in row and "test-city 2" in row  # J1-1 and J1-4; J1-2 closed again, J1-3 classified
    assert re.search(r"<td>3</td>", row)
    month = site.get(f"/opened/{MONTH}").get_data(as_text=True)
    assert "宝鸡县土地改革工作报告" in month and "扫盲运动总结" in month and "凤翔县扫盲工作计划" in month
    assert "凤翔县土地改革总结" not in month and "机要情况的通报" not in month
    assert "早已开放的水利报告" not in month  # open since its import: no opening decision here
    english = site.get("/opened?lang=en").get_data(as_text=True)
    assert "Catalogue of opened records" in english


def test_a_month_downloads_as_csv_and_the_feed_lists_the_latest_batches(site):
    response = site.get(f"/opened/{MONTH}.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert sorted((r["馆藏单位"], r["档号"], r["开放状态"]) for r in rows) == [
        ("fx-county", "J2-1", "开放"),
        ("test-city", "J1-1", "开放"),
        ("test-city", "J1-4", "目录开放"),
    ]
    feed = etree.fromstring(site.get("/opened.atom").data)
    entries = feed.findall("a:entry", ATOM)
    assert sorted(len(re.findall("<li>", e.findtext("a:content", namespaces=ATOM))) for e in entries) == [
        1,
        2,
    ]
    assert all(e.findtext("a:updated", namespaces=ATOM).endswith("Z") for e in entries)
    text = etree.tostring(feed, encoding="unicode")
    assert "凤翔县土地改革总结" not in text and "机要情况的通报" not in text
    for bad in ("/opened/2026-13.csv", "/opened/soon", "/opened/..%2Fetc.csv"):
        assert site.get(bad).status_code == 404


def test_a_record_closed_again_drops_out_of_every_list(site):
    lantai = lantai_of(site.application)
    lantai.decide("test-city", "J1-1", "controlled", "复审", "shen")
    for url in ("/opened", f"/opened/{MONTH}", f"/opened/{MONTH}.csv", "/opened.atom", "/sitemap-1.xml"):
        body = site.get(url).get_data(as_text=True)
        assert "宝鸡县土地改革工作报告" not in body and "J1-1<" not in body and "J1-1," not in body, url


def test_sitemaps_list_open_record_pages_only_in_files_of_the_configured_size(site):
    robots = site.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots and "Disallow: /staff/" in robots
    index = etree.fromstring(site.get("/sitemap.xml").data)
    files = [loc.text for loc in index.iterfind("s:sitemap/s:loc", SITEMAP)]
    assert files == ["http://localhost/sitemap-1.xml", "http://localhost/sitemap-2.xml"]
    listed = {}
    for url in files:
        tree = etree.fromstring(site.get(url.removeprefix("http://localhost")).data)
        urls = tree.findall("s:url", SITEMAP)
        assert len(urls) <= 2
        listed.update(
            {
                u.findtext("s:loc", namespaces=SITEMAP): u.findtext("s:lastmod", namespaces=SITEMAP)
                for u in urls
            }
        )
    assert set(listed) == {
        f"http://localhost/records/{i}"
        for i in ("fx-county/J2-1", "test-city/J1-1", "test-city/J1-4", "test-city/J1-5")
    }
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp) for stamp in listed.values())
    assert site.get("/sitemap-3.xml").status_code == 404


def test_record_pages_carry_citation_metadata_for_scholarly_search_engines(site):
    page = site.get("/records/test-city/J1-1").get_data(as_text=True)
    head = page.split("</head>")[0]
    assert '<meta name="citation_title" content="宝鸡县土地改革工作报告">' in head
    assert '<meta name="citation_author" content="宝鸡县委">' in head
    assert '<meta name="citation_date" content="1950/03/01">' in head
    assert '<meta name="DC.title" content="宝鸡县土地改革工作报告">' in head
    assert (
        '<meta name="DC.identifier" content="J1-1">' in head
        and '<meta name="DC.subject" content="土地改革">' in head
    )
    linked = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', head, re.S).group(1))
    assert linked["@type"] == "ArchiveComponent" and linked["identifier"] == "J1-1"
    assert linked["holdingArchive"]["@type"] == "ArchiveOrganization"
    assert linked["url"] == "http://localhost/records/test-city/J1-1"


def test_citation_metadata_shows_what_the_page_shows_and_cannot_break_out_of_its_script(settings, tmp_path):
    app = create_app(settings)
    lantai = lantai_of(app)
    rows = [
        record("J3-1", '</script><script>alert(1)</script>"标题"', description="身份证 11010519491231002X")
    ]
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "odd.jsonl", rows)]).failed == 0
    page = buffered_client(app).get("/records/test-city/J3-1").get_data(as_text=True)
    lantai.close()
    head = page.split("</head>")[0]
    assert "<script>alert(1)" not in head and "11010519491231002X" not in page
    linked = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', head, re.S).group(1))
    assert linked["name"] == rows[0]["title"]
