"""Exports as a Word document: a compilation (资料汇编) a researcher can hand in.

Made with python-docx. The parts, in order: a title page (the title, 资料汇编, how many
items); the contents (目录), one line per item; one section per item (a ``Heading 1`` with
its number and title, then its citation, catalog line, excerpt with its pages in the
``Quote`` style, and note); and a closing list of sources (资料来源), one citation per item.
An item no longer available is listed and given a section by its 档号 only.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn

from app.exports.items import UNAVAILABLE, ExportItem

SUBTITLE = "资料汇编"
CONTENTS = "目录"
SOURCES = "资料来源"
#: The font of Chinese text in every style used (present in Word on every Chinese system).
EAST_ASIAN_FONT = "宋体"
STYLES = ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Quote")
#: Characters XML (and so Word) cannot hold: control characters other than tab and newline.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` without the characters a Word document cannot hold.

    >>> clean("名册\\x00\\x0b第1页")
    '名册第1页'
    """
    return _NOT_XML.sub("", text)


def heading_of(number: int, item: ExportItem) -> str:
    """An item's heading (and its line in the contents): its number and title, or its 档号
    when it is no longer available.

    >>> heading_of(2, ExportItem("J1-2", title="名册")), heading_of(3, ExportItem("J1-3", available=False))
    ('2. 名册', '3. J1-3（已不可用）')
    """
    if not item.available:
        return f"{number}. {item.archive_code}（{UNAVAILABLE}）"
    return f"{number}. {item.title or item.archive_code}"


def source_of(number: int, item: ExportItem) -> str:
    """An item's entry in the closing list of sources: ``[n]`` and its citation.

    >>> source_of(1, ExportItem("J1-1", citation="宝鸡市档案馆. 名册: J1-1[A]. 宝鸡: 宝鸡市档案馆."))
    '[1] 宝鸡市档案馆. 名册: J1-1[A]. 宝鸡: 宝鸡市档案馆.'
    >>> source_of(2, ExportItem("J1-2", available=False))
    '[2] 档号 J1-2（已不可用）'
    """
    if not item.available:
        return f"[{number}] 档号 {item.archive_code}（{UNAVAILABLE}）"
    return f"[{number}] {item.citation}"


def _use_chinese_fonts(document) -> None:
    for name in STYLES:
        style = document.styles[name]
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)


def _page_break(document) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _labelled(document, label: str, text: str, style: str | None = None):
    paragraph = document.add_paragraph(style=style)
    paragraph.add_run(label).bold = True
    paragraph.add_run(clean(text))
    return paragraph


def _item_section(document, number: int, item: ExportItem) -> None:
    document.add_heading(clean(heading_of(number, item)), level=1)
    if not item.available:
        document.add_paragraph(f"档号 {clean(item.archive_code)}：该档案已不再提供，此处仅列档号。")
        return
    _labelled(document, "引用：", item.citation)
    catalog = [f"档号 {item.archive_code}"]
    catalog += [f"日期 {item.date}"] if item.date else []
    catalog += [f"馆藏 {item.archive}"] if item.archive else []
    document.add_paragraph(clean("；".join(catalog)))
    if item.excerpt:
        where = f"（第 {item.page_label} 页）" if item.pages else ""
        document.add_heading(f"摘录{where}", level=2)
        document.add_paragraph(clean(item.excerpt), style="Quote")
    if item.note:
        document.add_heading("备注", level=2)
        document.add_paragraph(clean(item.note))


def render_docx(title: str, items: Sequence[ExportItem], compiled: date | None = None) -> bytes:
    """``items`` under ``title`` as a compilation (资料汇编), a ``.docx`` file's bytes;
    ``compiled`` (编于) is printed on the title page when given.

    >>> import io, docx
    >>> item = ExportItem("J1-1", title="名册", citation="宝鸡市档案馆. 名册: J1-1[A].")
    >>> data = render_docx("土地改革", [item])
    >>> parts = docx.Document(io.BytesIO(data)).paragraphs
    >>> [p.text for p in parts if p.style.name in ("Title", "Heading 1")]
    ['土地改革', '目录', '1. 名册', '资料来源']
    """
    document = Document()
    _use_chinese_fonts(document)
    document.core_properties.title = clean(title)
    document.core_properties.subject = SUBTITLE
    document.add_paragraph(clean(title), style="Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(SUBTITLE, style="Subtitle").alignment = WD_ALIGN_PARAGRAPH.CENTER
    facts = [f"共 {len(items)} 条"] + ([f"编于 {compiled.isoformat()}"] if compiled else [])
    document.add_paragraph("；".join(facts)).alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_break(document)
    document.add_heading(CONTENTS, level=1)
    for number, item in enumerate(items, start=1):
        document.add_paragraph(clean(heading_of(number, item)))
    _page_break(document)
    for number, item in enumerate(items, start=1):
        _item_section(document, number, item)
    document.add_heading(SOURCES, level=1)
    for number, item in enumerate(items, start=1):
        document.add_paragraph(clean(source_of(number, item)))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
