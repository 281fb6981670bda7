"""HTTP: the search API and public pages, as a citizen's browser or a script meets them."""

from __future__ import annotations

import pytest

from app import lantai_of
from tests.conftest import answer_without_path, record, write_jsonl


@pytest.fixture
def loaded(client, tmp_path):
    rows = [
        record(
            f"J001-001-{n:04d}",
            f"关于第{n}批土地改革工作的报告",
            date=f"{1949 + n % 5}",
            text=f"寶雞縣第{n}區土地改革工作。",
        )
        for n in range(1, 24)
    ]
    rows += [
        record("J001-002-0001", "关于赵秘云同志的审查材料", access="unreviewed"),
        record("J001-002-0002", "机要通信网建设", classification="机密"),
        record(
            "J001-002-0003",
            "关于征购粮食的报告",
            access="catalog_only",
            text="全文含有未开放内容：粮食征购明细",
            description="粮食征购工作",
        ),
    ]
    path = write_jsonl(tmp_path / "rows.jsonl", rows)
    report = lantai_of(client.application).ingester.ingest([path])
    assert report.failed == 0
    return client


def test_search_json_has_the_documented_shape(loaded):
    data = loaded.get("/api/v1/search?q=宝鸡 土地改革&size=5").get_json()
    assert set(data) == {
        "query",
        "total",
        "total_is_exact",
        "facets_sampled",
        "page",
        "size",
        "hits",
        "facets",
        "did_you_mean",
    }
    assert data["facets_sampled"] is False and data["did_you_mean"] is None
    assert (data["query"], data["total"], data["total_is_exact"], data["page"], data["size"]) == (
        "宝鸡 土地改革",
        23,
        True,
        1,
        5,
    )
    hit = data["hits"][0]
    assert set(hit) == {
        "id",
        "archive",
        "archive_code",
        "title",
        "date",
        "record_type",
        "visibility",
        "snippet",
        "pages",
        "score",
    }
    assert hit["id"] == f"{hit['archive']}/{hit['archive_code']}"
    assert "<mark>寶雞</mark>" in hit["snippet"]
    assert set(data["facets"]) == {
        "archive",
        "year",
        "record_type",
        "fonds",
        "series",
        "person",
        "place",
        "org",
    }


def test_a_query_without_hits_says_did_you_mean(loaded):
    data = loaded.get("/api/v1/search?q=土地改格 工作").get_json()
    assert data["total"] == 0
    assert data["did_you_mean"] == {"query": "土地改革 工作", "total": 23}
    catalog_only = loaded.get("/api/v1/search?q=征够粮食").get_json()  # its title is public
    assert catalog_only["did_you_mean"] == {"query": "征购粮食", "total": 1}
    assert loaded.get("/api/v1/search?q=赵密云").get_json()["did_you_mean"] is None  # unreviewed


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("size=1000", "size"),
        ("size=-1", "size"),
        ("year_from=1960&year_to=1950", "year_from"),
        ("year_to=19x", "year_to"),
        ("sort=random", "sort"),
        ("archive=../etc", "archive"),
        ("q=" + "档" * 600, "q"),
    ],
)
def test_invalid_parameters_answer_400_with_a_message(loaded, query, parameter):
    response = loaded.get("/api/v1/search?" + query)
    assert response.status_code == 400
    assert response.get_json()["parameter"] == parameter
    assert parameter in response.get_json()["error"]
    page = loaded.get("/search?" + query)
    assert page.status_code == 400 and parameter.encode() in page.data


@pytest.mark.parametrize("q", ['"未闭合', "(档案", "AND", "档案 OR", "title:", "））", "非"])
def test_malformed_queries_never_fail(loaded, q):
    assert loaded.get("/api/v1/search", query_string={"q": q}).status_code == 200
    assert loaded.get("/search", query_string={"q": q}).status_code == 200


def test_a_closed_record_answers_exactly_like_a_missing_one(loaded):
    for prefix in ("/api/v1/records/", "/records/"):
        answers = [
            answer_without_path(loaded.get(prefix + path), prefix + path)
            for path in ("test-city/J001-002-0001", "test-city/J001-002-0002", "test-city/J999-999-9999")
        ]
        assert answers[0][0] == 404
        assert answers[0] == answers[1] == answers[2]


def test_open_record_json_and_page(loaded):
    data = loaded.get("/api/v1/records/test-city/J001-001-0003").get_json()
    assert data["title"] == "关于第3批土地改革工作的报告" and "土地改革" in data["text"]
    page = loaded.get("/records/test-city/J001-001-0003").get_data(as_text=True)
    assert "关于第3批土地改革工作的报告" in page and "J001-001-0003" in page


def test_catalog_only_record_shows_its_catalog_not_its_text(loaded):
    data = loaded.get("/api/v1/records/test-city/J001-002-0003").get_json()
    assert data["visibility"] == "catalog" and data["text"] is None
    page = loaded.get("/records/test-city/J001-002-0003").get_data(as_text=True)
    assert "粮食征购工作" in page and "明细" not in page
    assert loaded.get("/api/v1/search?q=明细").get_json()["total"] == 0


def test_results_page_shows_title_code_date_and_marked_snippet(loaded):
    page = loaded.get("/search?q=土地改革&size=10").get_data(as_text=True)
    assert "共 <strong>23</strong> 条结果" in page
    assert "档号 J001-001-0001" in page and "<mark>土地改革</mark>" in page
    assert 'rel="next"' in page and "page=2" in page
    last = loaded.get("/search?q=土地改革&size=10&page=3").get_data(as_text=True)
    assert 'rel="prev"' in last and 'rel="next"' not in last


def test_no_page_shows_closed_titles_to_the_public(loaded):
    for url in (
        "/",
        "/search?q=赵秘云",
        "/search?q=机要",
        "/search?q=",
        "/search?q=关于",
        "/api/v1/suggest?q=关于",
        "/api/v1/suggest?q=机要",
        "/api/v1/search?q=",
    ):
        body = loaded.get(url).get_data(as_text=True)
        assert "赵秘云同志的审查材料" not in body and "机要通信网建设" not in body, url


def test_snippets_escape_record_text(client, tmp_path):
    path = write_jsonl(
        tmp_path / "x.jsonl", [record("J1-1", "脚本测试", text="<script>alert(1)</script> 土地改革 & 合作化")]
    )
    lantai_of(client.application).ingester.ingest([path])
    body = client.get("/search?q=土地改革").get_data(as_text=True)
    assert "<script>alert" not in body and "&lt;script&gt;" in body


def test_security_headers(client):
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_suggest_api(loaded):
    data = loaded.get("/api/v1/suggest?q=关于第1").get_json()
    assert data["suggestions"][0].startswith("关于第1")


def test_results_page_says_when_facets_count_a_sample(settings, tmp_path):
    from app import create_app

    app = create_app(settings.with_overrides(facet_sample_size=5))
    rows = [
        record(f"J009-001-{n:04d}", f"第{n}号水利工程报告", text="水利工程。" + ("灌溉。" if n <= 3 else ""))
        for n in range(1, 8)
    ]
    assert lantai_of(app).ingester.ingest([write_jsonl(tmp_path / "w.jsonl", rows)]).failed == 0
    client = app.test_client()
    sampled = client.get("/search?q=水利").get_data(as_text=True)
    assert "分面按相关度最高的 5 条结果统计" in sampled
    assert client.get("/api/v1/search?q=水利").get_json()["facets_sampled"] is True
    small = client.get("/search?q=灌溉")
    assert small.status_code == 200 and "共 <strong>3</strong> 条结果" in small.get_data(as_text=True)
    assert "分面按相关度最高" not in small.get_data(as_text=True)
    english = client.get("/search?q=水利&lang=en").get_data(as_text=True)
    assert "Facets count the 5 most relevant results." in english
