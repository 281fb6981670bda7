"""Proximity search (邻近检索) on every backend: NEAR/n, 邻近/n and "…"~n in either order,
W/n and 前/n in the order typed, the distance counted in characters."""

from __future__ import annotations

import pytest

from app import create_app
from catalog.policy import PUBLIC, operator_audience
from search.params import ParamError, parse_request
from tests.conftest import record, write_jsonl
from tests.contract.test_search_contract import ids, run

FILLER = "会议讨论了当年的生产计划和物资调配问题。" * 4  # 80 characters without either word

NEAR_CORPUS = [
    # 宝鸡 … 解放 with 5 characters between (市人民迎来).
    record("N-001", "关于庆祝建国的报告", text="一九四九年七月宝鸡市人民迎来解放，全城欢庆。"),
    # 解放 … 宝鸡 with 4 characters between (以后三年; the comma is not counted).
    record("N-002", "关于工业恢复的报告", text="解放以后三年，宝鸡市的工业有了很大发展。"),
    # Both words, far apart.
    record("N-003", "关于农业生产的报告", text="宝鸡地区" + FILLER + "直到后来全面解放思想。"),
    # Near each other only in a text the public may not read (catalog only).
    record("N-004", "关于接管工作的报告", access="catalog_only", text="宝鸡市人民迎来解放。"),
    # Three passages with both words far apart, then the words near each other.
    record(
        "N-005",
        "关于城市接管的总结",
        text=("宝鸡" + FILLER[:50] + "解放" + FILLER * 3) * 3 + "最后，宝鸡城内解放军纪律严明。",
    ),
]


@pytest.fixture
def near(lantai, tmp_path):
    """The contract runtime with the proximity records ingested too."""
    report = lantai.ingester.ingest([write_jsonl(tmp_path / "near.jsonl", NEAR_CORPUS)])
    assert report.failed == 0, report.errors
    return lantai


def near_ids(lantai, q: str, audience=PUBLIC) -> set[str]:
    return {i for i in ids(run(lantai, audience, q=q, size=50)) if i.startswith("N-")}


@pytest.mark.parametrize("q", ["宝鸡 NEAR/5 解放", "宝鸡 邻近/5 解放", '"宝鸡 解放"~5', "寶雞 鄰近/5 解放"])
def test_near_finds_both_words_within_the_distance_in_either_order(near, q: str) -> None:
    assert near_ids(near, q) == {"N-001", "N-002", "N-005"}


def test_the_distance_counts_the_characters_between_the_words(near) -> None:
    assert near_ids(near, "宝鸡 NEAR/4 解放") == {"N-002", "N-005"}
    assert near_ids(near, "宝鸡 NEAR/3 解放") == {"N-005"}
    assert near_ids(near, "宝鸡 NEAR/100 解放") == {"N-001", "N-002", "N-003", "N-005"}


@pytest.mark.parametrize("operator", ["W", "前"])
def test_ordered_proximity_never_matches_the_reverse_order(near, operator: str) -> None:
    assert near_ids(near, f"宝鸡 {operator}/5 解放") == {"N-001", "N-005"}
    assert near_ids(near, f"解放 {operator}/5 宝鸡") == {"N-002"}
    assert near_ids(near, f"解放 {operator}/3 宝鸡") == set()


def test_proximity_combines_with_the_rest_of_the_query(near) -> None:
    assert near_ids(near, "宝鸡 NEAR/5 解放 工业") == {"N-002"}
    assert near_ids(near, "宝鸡 W/5 解放 NOT 纪律") == {"N-001"}
    assert near_ids(near, "(宝鸡 NEAR/4 解放) OR 思想") == {"N-002", "N-003", "N-005"}
    assert near_ids(near, "宝鸡 NOT (宝鸡 NEAR/5 解放)") == {"N-003"}


def test_ordered_proximity_inside_or_and_not_keeps_its_order(near) -> None:
    assert near_ids(near, "(解放 W/5 宝鸡) OR 思想") == {"N-002", "N-003"}
    assert near_ids(near, "思想 OR (解放 W/5 宝鸡 工业)") == {"N-002", "N-003"}
    assert near_ids(near, "宝鸡 NOT (解放 W/5 宝鸡)") == {"N-001", "N-003", "N-005"}
    assert near_ids(near, "宝鸡 -(宝鸡 W/5 解放) -思想") == {"N-002"}
    assert near_ids(near, "-(宝鸡 前/5 解放)") >= {"N-002", "N-003"}
    assert near_ids(near, "-(宝鸡 前/5 解放)").isdisjoint({"N-001", "N-005"})
    assert near_ids(near, "-(解放 W/5 宝鸡) -思想 -纪律") >= {"N-001"}


def test_text_the_public_may_not_read_is_not_searched_by_proximity(near) -> None:
    assert "N-004" not in near_ids(near, "宝鸡 W/5 解放")
    assert "N-004" in near_ids(near, "宝鸡 W/5 解放", operator_audience("staff"))


def test_the_snippet_shows_the_window_where_the_words_are_near(near) -> None:
    hits = run(near, q="宝鸡 NEAR/3 解放")["hits"]
    assert [h["id"] for h in hits] == ["test-city/N-005"]
    assert "<mark>宝鸡</mark>城内<mark>解放</mark>" in hits[0]["snippet"]
    plain = run(near, q="宝鸡 解放 城市接管")["hits"][0]["snippet"]
    assert "<mark>宝鸡</mark>城内" not in plain  # the same words without proximity: first passages


@pytest.mark.parametrize(
    ("q", "problem"),
    [
        ("宝鸡 NEAR/abc 解放", "NEAR/abc: the distance must be a whole number"),
        ("宝鸡 NEAR/0 解放", "NEAR/0: the distance must be a whole number of characters from 1 to 100"),
        ("宝鸡 W/100000 解放", "W/100000: the distance"),
        ('"宝鸡 解放"~', "the distance"),
        ("宝鸡 NEAR/5", "a word or phrase must follow it"),
        ('"宝鸡 解放 延安"~5', "exactly two words"),
    ],
)
def test_malformed_proximity_names_the_problem(lantai, q: str, problem: str) -> None:
    with pytest.raises(ParamError) as error:
        parse_request({"q": q}, lantai.settings)
    assert error.value.name == "q"
    assert problem in str(error.value)


def test_the_api_and_the_search_page_answer_400_naming_the_problem(lantai) -> None:
    client = create_app(lantai.settings).test_client()
    api = client.get("/api/v1/search", query_string={"q": "宝鸡 NEAR/abc 解放"})
    assert api.status_code == 400
    assert api.get_json()["parameter"] == "q"
    assert "NEAR/abc: the distance must be a whole number" in api.get_json()["error"]
    page = client.get("/search", query_string={"q": "宝鸡 W/0 解放"})
    assert page.status_code == 400
    assert "W/0: the distance must be a whole number" in page.get_data(as_text=True)
    assert client.get("/api/v1/search", query_string={"q": "宝鸡 NEAR/5 解放"}).status_code == 200
