"""Segmentation: index tokens (search mode) cover query tokens (precise mode)."""

from __future__ import annotations

import pytest

from analyzers.normalize import normalize
from analyzers.segment import (
    add_words,
    dictionary_words,
    index_tokens,
    query_tokens,
    tokenizer,
)

SENTENCES = [
    "宝鸡市档案局关于数字档案馆建设的报告",
    "陕西省延安市宝塔区档案馆开放审核工作",
    "凤翔县人民公社革命委员会关于土地改革的请示",
    "全宗号J001,档号J001-001-0001,保管期限永久",
    "红色档案与民生档案的编研和资政服务",
    "中华人民共和国档案法自2021年1月1日起施行",
    "甘南藏族自治州夏河县互助组和合作社",
]


def covered(query: str, text: str) -> bool:
    tokens = set(index_tokens(normalize(text).text))
    return set(query_tokens(normalize(query).text)) <= tokens


@pytest.mark.parametrize("query", ["数字档案馆", "档案馆", "档案", "数字档案"])
def test_digital_archive_is_found_by_its_parts(query: str) -> None:
    assert covered(query, "数字档案馆")
    assert covered(query, "宝鸡市建设数字档案馆的报告")


def test_traditional_query_and_text_meet_after_normalization() -> None:
    assert covered("數字檔案館", "数字档案馆")
    assert covered("数字档案馆", "數字檔案館")


@pytest.mark.parametrize("text", SENTENCES)
def test_every_whole_word_region_is_covered(text: str) -> None:
    """Any run of consecutive words of a text, searched alone, is covered by its index."""
    normalized = normalize(text).text
    words = list(tokenizer().cut(normalized, HMM=False))
    indexed = set(index_tokens(normalized))
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + 5) + 1):
            region = "".join(words[start:end])
            assert set(query_tokens(region)) <= indexed, region


@pytest.mark.parametrize("text", SENTENCES)
def test_search_mode_is_a_superset_of_jieba_cut_for_search(text: str) -> None:
    normalized = normalize(text).text
    jieba_tokens = {
        t.lower() for t in tokenizer().cut_for_search(normalized, HMM=False) if any(c.isalnum() for c in t)
    }
    assert jieba_tokens <= set(index_tokens(normalized))


def test_tokens_drop_punctuation_and_are_lowercase() -> None:
    tokens = index_tokens("档号：J001-001，《报告》 Red ARCHIVES。")
    assert "j001" in tokens and "red" in tokens and "archives" in tokens
    assert not {"：", "-", "，", "《", "》", " ", "。"} & set(tokens)
    assert query_tokens("宝鸡市 档案局！") == ["宝鸡市", "档案局"]


def test_archival_terms_are_whole_words() -> None:
    for term in [
        "红色档案",
        "民生档案",
        "数字档案馆",
        "开放审核",
        "全宗",
        "档号",
        "保管期限",
        "档案局",
        "档案馆",
        "编研",
        "资政",
        "目录开放",
        "控制使用",
        "土地改革",
        "互助组",
        "合作社",
        "人民公社",
        "革命委员会",
    ]:
        assert query_tokens(term) == [term], term


def test_dictionary_files() -> None:
    terms = dictionary_words("terms.txt")
    assert len(set(terms)) >= 300
    assert len(terms) == len(set(terms))
    divisions = set(dictionary_words("divisions.txt"))
    for name in [
        "陕西省",
        "陕西",
        "宝鸡市",
        "宝鸡",
        "凤翔县",
        "凤翔",
        "内蒙古自治区",
        "内蒙古",
        "甘南藏族自治州",
        "甘南",
        "北京市",
        "香港特别行政区",
    ]:
        assert name in divisions, name
    assert len(divisions) > 5000
    assert dictionary_words("no-such-file.txt") == []


def test_division_names_segment_whole() -> None:
    assert query_tokens("凤翔县档案馆") == ["凤翔县", "档案馆"]
    assert {"宝鸡", "宝鸡市"} <= set(index_tokens("宝鸡市"))


def test_add_words_learns_names_once() -> None:
    name = "雒南兰台研究会"
    before = query_tokens(name)
    assert before != [name]
    add_words([name, name, "x"])
    add_words([name])
    assert query_tokens(name) == [name]
    assert name in index_tokens(f"关于{name}的报告")


def test_add_words_normalizes_names() -> None:
    add_words(["漢中檔案學社"])
    assert query_tokens("汉中档案学社") == ["汉中档案学社"]


def test_a_remembered_words_parts_take_in_a_name_learned_inside_it(monkeypatch) -> None:
    from analyzers import segment

    monkeypatch.setattr(segment, "_added", set())
    monkeypatch.setattr(segment, "_tokenizer", None)
    add_words(["兰台档案研究会"])
    first = index_tokens("兰台档案研究会")
    assert "兰台档案研究会" in first and "兰台档案" not in first
    memo = tokenizer().memo
    remembered = memo["兰台档案研究会"][0]
    add_words(["宝鸡兰台学社"])  # not inside it: its parts are still the ones remembered
    assert index_tokens("兰台档案研究会") == first and memo["兰台档案研究会"][0] is remembered
    add_words(["兰台档案"])  # inside it: found among its parts at once
    assert "兰台档案" in index_tokens("兰台档案研究会")
