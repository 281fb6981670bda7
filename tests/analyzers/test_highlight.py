"""Snippets and full-text highlighting on the reading text."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzers.highlight import highlight, highlight_full
from analyzers.normalize import reading_text
from analyzers.query import parse_query, positive_terms

MARK_RE = re.compile(r"</?mark>")


def plain(rendered: str) -> str:
    return html.unescape(MARK_RE.sub("", rendered))


def marked(rendered: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", rendered)]


def test_traditional_record_simplified_query() -> None:
    assert highlight("鄉(xiāng)村振興", ["乡村振兴"]) == "<mark>鄉村振興</mark>"


def test_simplified_record_traditional_query() -> None:
    terms = positive_terms(parse_query("鄉村振興"))
    assert highlight("乡村振兴战略", terms) == "<mark>乡村振兴</mark>战略"


def test_debris_is_hidden_and_original_script_kept() -> None:
    out = highlight_full("中國(guó)檔案館長(zhǎng)", ["档案馆"])
    assert out == "中國<mark>檔案館</mark>長"


def test_ocr_spaces_inside_a_match() -> None:
    assert highlight("档 案 馆藏", ["档案馆"]) == "<mark>档 案 馆</mark>藏"


def test_escaping_and_only_mark_tags() -> None:
    raw = "<script>alert(\"寶雞\")</script> & 延安 'x'"
    out = highlight(raw, ["宝鸡", "延安"])
    assert "<script>" not in out
    assert "&lt;script&gt;" in out and "&amp;" in out
    assert re.sub(r"</?mark>", "", out).count("<") == 0
    assert marked(out) == ["寶雞", "延安"]


def test_longest_term_wins_and_matches_do_not_overlap() -> None:
    out = highlight_full("数字档案馆和档案", ["档案", "数字档案馆"])
    assert out == "<mark>数字档案馆</mark>和<mark>档案</mark>"


def test_every_occurrence_in_full_text() -> None:
    out = highlight_full("档案、檔案、档 案", ["档案"])
    assert marked(out) == ["档案", "檔案", "档 案"]


def test_case_insensitive_latin() -> None:
    assert highlight("Red Archives of Baoji", ["baoji"]) == "Red Archives of <mark>Baoji</mark>"


def test_no_match_gives_the_start_of_the_text() -> None:
    text = "前言。" + "这是一段很长的文字。" * 40
    out = highlight(text, ["不存在"], length=30)
    assert out == html.escape(text[:30]) + "…"
    assert highlight("短文本", []) == "短文本"
    assert highlight("", ["档案"]) == ""


LONG = (
    "前言。"
    + "这是一段很长的无关文字，用来测试摘要的截取功能。" * 20
    + "宝鸡市档案局关于红色档案的报告。"
    + "又是一段无关的内容。" * 30
    + "延安的红色档案资源丰富。"
    + "结尾。" * 10
)


def test_best_passages_with_ellipses() -> None:
    out = highlight(LONG, ["红色档案", "宝鸡", "延安"], length=40)
    assert out.startswith("…") and out.endswith("…")
    assert " … " in out
    assert marked(out) == ["宝鸡", "红色档案", "延安", "红色档案"]
    # each passage is about `length` characters
    for part in plain(out).strip("…").split(" … "):
        assert len(part) <= 40


def test_one_passage() -> None:
    out = highlight(LONG, ["红色档案", "宝鸡", "延安"], length=40, passages=1)
    assert " … " not in out
    assert marked(out) == ["宝鸡", "红色档案"]  # the passage with most distinct terms


def test_custom_separator_and_text_edges() -> None:
    text = "宝鸡" + "，无关内容" * 50 + "延安"
    out = highlight(text, ["宝鸡", "延安"], length=20, separator=" ¦ ")
    assert out.startswith("<mark>宝鸡</mark>") and out.endswith("<mark>延安</mark>")
    assert " ¦ " in out


def test_whitespace_is_collapsed_in_snippets_but_kept_in_full_text() -> None:
    text = "第一行\n\n  档案\n第三行"
    assert highlight(text, ["档案"]) == "第一行 <mark>档案</mark> 第三行"
    assert highlight_full(text, ["档案"]) == "第一行\n\n  <mark>档案</mark>\n第三行"


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("中國檔案館档案(guó)<>&\"' \n長?аb宝雞鸡") + ["\x00"]),
        max_size=80,
    ),
    st.lists(st.sampled_from(["档案", "国", "宝鸡", "<", "&", "a", "b", "馆长", ""]), max_size=3),
)
def test_rendering_is_safe_and_faithful(text: str, terms: list[str]) -> None:
    full = highlight_full(text, terms)
    assert MARK_RE.sub("", full).count("<") == 0
    assert full.count("<mark>") == full.count("</mark>")
    assert plain(full) == reading_text(text)[0].replace("\x00", "")
    snippet = highlight(text, terms, length=20)
    assert MARK_RE.sub("", snippet).count("<") == 0
    assert snippet.count("<mark>") == snippet.count("</mark>")
