"""The export renderers (导出): CSV, JSON, RIS and DOCX, each read back with a real parser."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import docx
import pytest

from app.exports import FORMATS, ExportItem, export_item, render, unavailable
from app.exports.as_csv import COLUMNS
from app.labels import Archive

BAOJI = Archive("宝鸡市档案馆", "Baoji Municipal Archives", "宝鸡")
FIRST = export_item(
    {
        "archive": "baoji-city",
        "archive_code": "J001-001-0001",
        "title": "关于开展整党整风的计划",
        "creator": "中共宝鸡市委",
        "date": "1950-05-04",
    },
    BAOJI,
    note="整风部署的第一手材料，\n与第二件对照。",
    excerpt="各县委须于六月底前完成整风。",
    pages=(3, 4),
)
SECOND = export_item(
    {"archive": "baoji-city", "archive_code": "J001-001-0002", "title": "=名册", "date": "1951"}, BAOJI
)
GONE = unavailable("J001-001-0009")
ITEMS = [FIRST, SECOND, GONE]


def parse_ris(text: str) -> list[list[tuple[str, str]]]:
    """RIS records as lists of (tag, value), every line checked against the tag format."""
    records: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] | None = None
    for line in text.split("\r\n")[:-1]:
        match = re.fullmatch(r"([A-Z][A-Z0-9])  - (.*)", line)
        assert match, line
        tag, value = match.groups()
        if tag == "TY":
            assert current is None
            current = []
        assert current is not None, line
        if tag == "ER":
            assert value == ""
            records.append(current)
            current = None
        else:
            current.append((tag, value))
    assert current is None and (text == "" or text.endswith("\r\n"))
    return records


def test_the_citation_is_the_record_pages_one():
    assert (
        FIRST.citation
        == "中共宝鸡市委. 关于开展整党整风的计划: J001-001-0001[A]. 宝鸡: 宝鸡市档案馆, 1950-05-04."
    )
    assert FIRST.record_id == "baoji-city/J001-001-0001" and FIRST.archive == "宝鸡市档案馆"


def test_csv_opens_in_excel_and_reads_back():
    data = render("csv", "整党整风", ITEMS)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0]["档号"] == "J001-001-0001"
    assert rows[0]["引用格式"] == FIRST.citation
    assert rows[0]["页码"] == "3-4"
    assert rows[0]["摘录"] == FIRST.excerpt
    assert rows[0]["备注"] == FIRST.note  # the line break stays inside its quoted cell
    assert rows[0]["状态"] == "可用"
    assert rows[1]["题名"] == "'=名册"  # never run as a formula
    assert rows[2] == {**{c: "" for c in COLUMNS}, "档号": "J001-001-0009", "状态": "已不可用"}


def test_json_reads_back():
    document = json.loads(render("json", "整党整风", ITEMS).decode("utf-8"))
    assert document["title"] == "整党整风" and document["count"] == 3
    first, second, gone = document["items"]
    assert first == {
        "id": "baoji-city/J001-001-0001",
        "archive": "宝鸡市档案馆",
        "archive_code": "J001-001-0001",
        "title": "关于开展整党整风的计划",
        "date": "1950-05-04",
        "creator": "中共宝鸡市委",
        "citation": FIRST.citation,
        "pages": [3, 4],
        "excerpt": FIRST.excerpt,
        "note": FIRST.note,
        "available": True,
    }
    assert second["title"] == "=名册" and second["pages"] == []
    assert gone == {"archive_code": "J001-001-0009", "available": False}


def test_ris_reads_back_one_record_per_item():
    records = parse_ris(render("ris", "整党整风", ITEMS).decode("utf-8"))
    assert len(records) == 3
    first = records[0]
    assert first[0] == ("TY", "GEN")
    tags = dict(first)
    assert tags["TI"] == "关于开展整党整风的计划"
    assert tags["AU"] == "中共宝鸡市委"
    assert (tags["PY"], tags["DA"]) == ("1950", "1950/05/04")
    assert (tags["M3"], tags["DB"], tags["AN"], tags["CN"]) == (
        "档案",
        "宝鸡市档案馆",
        "J001-001-0001",
        "J001-001-0001",
    )
    assert tags["C1"] == "baoji-city/J001-001-0001" and tags["SP"] == "3-4"
    notes = [v for t, v in first if t == "N1"]
    assert notes == [
        f"引用格式：{FIRST.citation}",
        "摘录（第 3-4 页）：各县委须于六月底前完成整风。",
        "备注：整风部署的第一手材料， 与第二件对照。",  # one line
    ]
    assert dict(records[1])["AU"] == "宝鸡市档案馆"  # no creator: the holder, as in the citation
    assert records[2] == [
        ("TY", "GEN"),
        ("TI", "J001-001-0009（已不可用）"),
        ("AN", "J001-001-0009"),
        ("CN", "J001-001-0009"),
    ]


def test_docx_is_a_compilation_with_its_parts():
    data = render_docx_with_date()
    document = docx.Document(io.BytesIO(data))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs if p.text]
    assert paragraphs[0] == ("Title", "整党整风")
    assert paragraphs[1] == ("Subtitle", "资料汇编")
    assert paragraphs[2] == ("Normal", "共 3 条；编于 2026-12-02")
    headings = [text for style, text in paragraphs if style == "Heading 1"]
    assert headings == [
        "目录",
        "1. 关于开展整党整风的计划",
        "2. =名册",
        "3. J001-001-0009（已不可用）",
        "资料来源",
    ]
    texts = [text for _style, text in paragraphs]
    contents = texts.index("目录")
    assert texts[contents + 1 : contents + 4] == headings[1:4]
    first = texts.index("1. 关于开展整党整风的计划", contents + 4)
    section = paragraphs[first : texts.index("2. =名册", first)]
    assert ("Normal", f"引用：{FIRST.citation}") in section
    assert ("Heading 2", "摘录（第 3-4 页）") in section
    assert ("Quote", FIRST.excerpt) in section
    assert ("Heading 2", "备注") in section and ("Normal", FIRST.note) in section
    sources = texts[texts.index("资料来源") + 1 :]
    assert sources == [
        f"[1] {FIRST.citation}",
        f"[2] {SECOND.citation}",
        "[3] 档号 J001-001-0009（已不可用）",
    ]
    gone = texts[texts.index("3. J001-001-0009（已不可用）", contents + 4) + 1]
    assert gone.startswith("档号 J001-001-0009") and "名册" not in gone
    assert document.core_properties.title == "整党整风"
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"


def render_docx_with_date() -> bytes:
    from app.exports.as_docx import render_docx

    return render_docx("整党整风", ITEMS, compiled=date(2026, 12, 2))


def test_docx_holds_text_word_cannot_and_an_empty_list():
    odd = ExportItem("J1-1", "a/J1-1", "馆", "名\x00册\x0b", excerpt="第一页\x1f内容", citation="c")
    document = docx.Document(io.BytesIO(render("docx", "空\x01", [odd])))
    texts = [p.text for p in document.paragraphs]
    assert "1. 名册" in texts and "第一页内容" in texts and texts[0] == "空"
    empty = docx.Document(io.BytesIO(render("docx", "空", [])))
    assert [p.text for p in empty.paragraphs if p.style.name == "Heading 1"] == ["目录", "资料来源"]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_an_item_no_longer_available_carries_its_code_only(name):
    secret = ExportItem("J9-9", title="秘密题名", available=False, note="秘密备注", excerpt="秘密摘录")
    data = render(name, "t", [secret])
    text = (
        "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
        if name == "docx"
        else data.decode("utf-8-sig")
    )
    assert "J9-9" in text and "秘密" not in text
