"""Pinyin search: queries in pinyin or initials match titles and names."""

from __future__ import annotations

import pytest

from analyzers.normalize import normalize
from analyzers.pinyin import is_pinyin_query, pinyin_key, pinyin_tokens

TITLE = normalize("宝鸡市档案局关于凤翔县档案馆建设的报告").text


@pytest.mark.parametrize(
    "query",
    [
        "baoji",
        "bao ji",
        "Baoji",
        "BAO JI",
        "bjsdaj",
        "baojishi",
        "bjs",
        "dang'an ju",
        "dang’an guan",
        "danganguan",
        "fengxiang",
        "fxx",
        "baogao",
        "bao'ji shi",
    ],
)
def test_pinyin_queries_find_the_title(query: str) -> None:
    assert is_pinyin_query(query)
    assert pinyin_key(query) in pinyin_tokens(TITLE)


def test_required_example() -> None:
    tokens = pinyin_tokens(normalize("宝鸡市档案局关于…的报告").text)
    for query in ["baoji", "bao ji", "bjsdaj", "dang'an ju"]:
        assert pinyin_key(query) in tokens, query


def test_polyphonic_characters_follow_the_word() -> None:
    assert "chongqing" in pinyin_tokens("重庆市档案馆")
    assert "changan" in pinyin_tokens("长安区")
    assert "zhongguodanganguanzhang" in pinyin_tokens(normalize("中國(guó)檔案館長(zhǎng)").text)


def test_single_letter_initials_are_not_indexed() -> None:
    tokens = pinyin_tokens("的")
    assert tokens == ["de"]


def test_non_chinese_text_has_no_pinyin_tokens() -> None:
    assert pinyin_tokens("") == []
    assert pinyin_tokens("J001-001 report") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dang'an guan", True),
        ("Baoji", True),
        ("lv", True),
        ("  ", False),
        ("", False),
        ("宝鸡", False),
        ("1949", False),
        ("bǎo jī", False),
        ("bao-ji", False),
        ("ｂａｏｊｉ", True),
    ],
)
def test_is_pinyin_query(text: str, expected: bool) -> None:
    assert is_pinyin_query(text) is expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("bao ji", "baoji"),
        ("dang'an guan", "danganguan"),
        ("Baoji", "baoji"),
        ("lǜ dì", "lvdi"),
        ("nü", "nv"),
        ("ｂａｏ　ｊｉ", "baoji"),
    ],
)
def test_pinyin_key(text: str, key: str) -> None:
    assert pinyin_key(text) == key
