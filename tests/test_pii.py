"""Personal data: detected reliably, masked for the public, never matchable by a public query."""

from __future__ import annotations

import pytest

from analyzers.pii import find_personal_data, is_resident_id, luhn_valid, mask_personal_data
from catalog.policy import PUBLIC, Audience
from search.params import parse_request
from tests.conftest import record, write_jsonl

ID_NUMBER = "11010519491231002X"
MOBILE = "13912345678"
CARD = "6222021234567890128"


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        (f"身份证号{ID_NUMBER}。", ["resident_id"]),
        ("身份证号110105194912310021。", []),  # wrong check digit
        ("编号110105194913310028", []),  # no 13th month
        (f"电话{MOBILE}", ["mobile"]),
        ("电话139-1234-5678", ["mobile"]),
        ("电话１３９１２３４５６７８", ["mobile"]),  # full-width digits from OCR
        ("电话12912345678", []),
        (f"卡号{CARD}", ["bank_card"]),
        ("卡号6222021234567890123", []),  # fails Luhn
        ("档号J001-001-0001，1949年", []),
    ],
)
def test_detection(text, kinds):
    assert [p.kind for p in find_personal_data(text)] == kinds


def test_checks():
    assert is_resident_id(ID_NUMBER) and not is_resident_id("11010519491231002Y")
    assert luhn_valid(CARD) and not luhn_valid("1234")


def test_masking_keeps_length_and_hides_every_digit():
    text = f"张三，身份证{ID_NUMBER}，手机{MOBILE}，卡号{CARD}。"
    masked = mask_personal_data(text)
    assert len(masked) == len(text)
    assert ID_NUMBER not in masked and MOBILE not in masked and CARD not in masked
    assert masked.startswith("张三，身份证******************，手机")


@pytest.fixture
def with_personal_data(lantai, tmp_path):
    path = write_jsonl(
        tmp_path / "p.jsonl",
        [
            record(
                "J1-1",
                "关于王秀英同志落实政策的报告",
                text=f"王秀英，身份证号{ID_NUMBER}，联系电话{MOBILE}，工资卡{CARD}，落实政策。",
                description=f"联系电话{MOBILE}",
            )
        ],
    )
    lantai.ingester.ingest([path])
    return lantai


@pytest.mark.parametrize("q", [ID_NUMBER, MOBILE, CARD, "13912345678", "1949 1231", f'"{MOBILE}"'])
def test_public_queries_cannot_match_personal_data(with_personal_data, q):
    result = with_personal_data.search.search(parse_request({"q": q}, with_personal_data.settings), PUBLIC)
    assert result["total"] == 0


def test_public_renderings_are_masked_and_staff_see_the_original(with_personal_data):
    lantai = with_personal_data
    result = lantai.search.search(parse_request({"q": "落实政策"}, lantai.settings), PUBLIC)
    snippet = result["hits"][0]["snippet"]
    assert MOBILE not in snippet and ID_NUMBER not in snippet and "***" in snippet
    public = lantai.search.record("test-city/J1-1", PUBLIC)
    assert MOBILE not in public["text"] and MOBILE not in public["description"]
    staff = lantai.search.record("test-city/J1-1", Audience("staff", frozenset({"test-city"})))
    assert MOBILE in staff["text"] and ID_NUMBER in staff["text"]
    other = lantai.search.record("test-city/J1-1", Audience("staff", frozenset({"elsewhere"})))
    assert MOBILE not in other["text"]


def test_the_api_and_page_are_masked(client, tmp_path):
    from app import lantai_of

    path = write_jsonl(tmp_path / "p.jsonl", [record("J1-2", "落实政策材料", text=f"电话{MOBILE}，落实政策")])
    lantai_of(client.application).ingester.ingest([path])
    for url in (
        "/api/v1/records/test-city/J1-2",
        "/records/test-city/J1-2",
        "/api/v1/search?q=落实政策",
        "/search?q=落实政策",
    ):
        body = client.get(url).get_data(as_text=True)
        assert MOBILE not in body and "***" in body, url


def test_the_review_queue_flags_personal_data(lantai, tmp_path):
    path = write_jsonl(
        tmp_path / "q.jsonl",
        [
            record("J2-1", "含个人信息", access="unreviewed", date="1960", text=f"电话{MOBILE}"),
            record("J2-2", "不含个人信息", access="unreviewed", date="1960", text="无"),
        ],
    )
    lantai.ingester.ingest([path])
    flagged = lantai.review.queue(personal_data=True)
    assert [(i.record.archive_code, i.personal_data) for i in flagged] == [("J2-1", ("mobile",))]
    assert [i.record.archive_code for i in lantai.review.queue(personal_data=False)] == ["J2-2"]
