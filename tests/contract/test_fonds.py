"""The fonds hierarchy (全宗 → 目录/案卷 → 件) on every backend: 档号 parsed by each archive's
pattern (DA/T 13 volumes, DA/T 22 items, a pattern of the archive's own), stored, faceted
(``fonds``, ``series``) and filtered (``fonds=``, ``series=``), counting only what the caller
may see; fonds descriptions (全宗介绍) shown on the fonds page."""

from __future__ import annotations

import pytest

from app import create_app, lantai_of
from catalog.fonds import read_fonds_csv
from catalog.policy import PUBLIC, Audience
from search.fonds import archive_fonds, fonds_page
from search.params import parse_request
from tests.conftest import buffered_client, record
from tests.contract.conftest import BACKENDS, ingested_runtime

PATTERNS = {"dot-city": r"(?P<fonds>[A-Z]\d+)\.(?P<series>\d+)\.(?P<file>\d+)"}
ROWS = [
    record("J001-001-0001", "关于土地改革的通知", date="1950"),
    record("J001-001-0002", "关于兴修水利的报告", date="1951"),
    record("J001-002-0001", "关于扫盲运动的总结", date="1952"),
    record("J001-002-0002", "关于赵秘云同志的调查", access="unreviewed"),
    record("J001-003-0001", "关于机要通信的规定", classification="秘密"),
    record("J009-001-0001", "全宗全部未开放的文件", access="controlled"),
    record("S-7", "没有规范档号但著录了全宗号", fonds="J001"),
    record("0001-WS·2023-Y-0001", "关于档案数字化的通知", archive="item-county", date="2023"),
    record("0001-WS·2023-Y-0002", "关于档案开放审核的通知", archive="item-county", date="2023"),
    record("0001-WS·2023-D30-0001", "关于会议安排的通知", archive="item-county", access="catalog_only"),
    record("Z12.3.45", "按本馆规则编号的档案", archive="dot-city"),
]


@pytest.fixture(params=BACKENDS)
def lantai(request, tmp_path):
    """A runtime on ``request.param`` with ``ROWS`` ingested and ``dot-city``'s own pattern."""
    yield from ingested_runtime(
        request, tmp_path, ROWS, ingest_entities=False, archive_code_patterns=PATTERNS
    )


def run(lantai, audience=PUBLIC, **args):
    return lantai.search.search(parse_request(args, lantai.settings), audience)


def codes(result) -> set[str]:
    return {h["archive_code"] for h in result["hits"]}


def test_the_public_facets_count_fonds_and_series_of_open_records_only(lantai):
    facets = run(lantai, archive="test-city")["facets"]
    assert facets["fonds"] == {"J001": 4}  # J009 is wholly closed; S-7 has its 全宗号 column
    assert facets["series"] == {"001": 2, "002": 1}  # 003 holds a classified file only


def test_staff_of_the_archive_count_what_they_may_see(lantai):
    clerk = Audience(role="staff", archives=frozenset({"test-city"}))  # no clearance
    facets = run(lantai, clerk, archive="test-city")["facets"]
    assert facets["fonds"] == {"J001": 5, "J009": 1}
    assert facets["series"] == {"001": 3, "002": 2}


def test_fonds_and_series_parameters_filter(lantai):
    assert codes(run(lantai, fonds="J001", series="002")) == {"J001-002-0001"}
    assert codes(run(lantai, q="关于", fonds="J001", series="001", size="50")) == {
        "J001-001-0001",
        "J001-001-0002",
    }
    assert codes(run(lantai, fonds="J009")) == set()
    assert codes(run(lantai, fonds="J001,0001", series="WS·2023-Y", size="50")) == {
        "0001-WS·2023-Y-0001",
        "0001-WS·2023-Y-0002",
    }


def test_da_t_22_item_codes_and_an_archives_own_pattern(lantai):
    items = run(lantai, archive="item-county")["facets"]
    assert items["fonds"] == {"0001": 3}
    assert items["series"] == {"WS·2023-Y": 2, "WS·2023-D30": 1}
    assert run(lantai, archive="dot-city")["facets"]["series"] == {"3": 1}
    assert lantai.search.record("dot-city/Z12.3.45", PUBLIC)["code_parts"]["series"] == "3"
    answer = lantai.search.record("item-county/0001-WS·2023-Y-0002", PUBLIC)
    assert answer["code_parts"] == {"fonds": "0001", "series": "WS·2023-Y", "file": "0002"}
    assert answer["fonds"] == ""  # the 全宗号 column as catalogued (none here)


def test_browsing_a_fonds_lists_its_series_and_files(lantai):
    listed = archive_fonds(lantai.search, "test-city", PUBLIC)
    assert [(f["fonds"], f["count"]) for f in listed["fonds"]] == [("J001", 4)]
    page = fonds_page(lantai.search, "test-city", "J001", PUBLIC, series="001")
    assert page["total"] == 4
    assert [(s["series"], s["count"]) for s in page["series_counts"]] == [("001", 2), ("002", 1)]
    assert codes(page["result"]) == {"J001-001-0001", "J001-001-0002"}
    assert fonds_page(lantai.search, "test-city", "J009", PUBLIC) is None
    assert fonds_page(lantai.search, "test-city", "J001", PUBLIC, series="003") is None
    assert fonds_page(lantai.search, "nowhere", "J001", PUBLIC) is None


def test_fonds_pages_show_the_description_breadcrumbs_and_search_within(lantai):
    csv_text = "全宗号,全宗名称,起止年代,全宗介绍\nJ001,测试市人民政府,1949-1966,市政府及其工作部门的文件。\n"
    lantai.store.fonds().save(read_fonds_csv(csv_text, "test-city"), "admin1", source="fonds.csv")
    app = create_app(lantai.settings)
    try:
        client = buffered_client(app)
        page = client.get("/fonds/test-city/J001").get_data(as_text=True)
        assert "测试市人民政府" in page and "市政府及其工作部门的文件。" in page and "1949-1966" in page
        assert 'name="fonds" value="J001"' in page  # search within this fonds
        assert "/fonds/test-city/J001/002" in page
        series = client.get("/fonds/test-city/J001/002").get_data(as_text=True)
        assert 'name="series" value="002"' in series and "关于扫盲运动的总结" in series
        assert "关于兴修水利的报告" not in series
        record = client.get("/records/test-city/J001-001-0002").get_data(as_text=True)
        assert 'href="/fonds/test-city/J001/001"' in record and 'href="/fonds/test-city"' in record
        assert 'name="fonds" value="J001"' in record
        assert client.get("/fonds/test-city/J009").status_code == 404
        assert "测试市人民政府" in client.get("/fonds/test-city").get_data(as_text=True)
    finally:
        lantai_of(app).close()
    assert lantai.store.audit_entries(action="fonds.import")[0].actor == "admin1"


def test_oversized_fonds_filters_answer_400_naming_the_parameter(lantai):
    app = create_app(lantai.settings)
    try:
        client = buffered_client(app)
        many = client.get("/api/v1/search?fonds=" + ",".join(f"J{n}" for n in range(101)))
        assert (many.status_code, many.get_json()["parameter"]) == (400, "fonds")
        long = client.get("/api/v1/search?series=" + "0" * 65)
        assert (long.status_code, long.get_json()["parameter"]) == (400, "series")
    finally:
        lantai_of(app).close()
