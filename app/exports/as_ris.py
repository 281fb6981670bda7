"""Exports as RIS, the tagged format reference managers (Zotero, EndNote) import.

RIS has no reference type for archival material, so each record is ``TY  - GEN`` (generic)
with ``M3  - 档案`` (type of work). The tags written:

- ``TI`` 题名; ``AU`` 责任者 (the holding archive when none is known, as in the citation);
- ``PY`` the year and ``DA`` the date (``1950/03/01``, ``1950/03``);
- ``DB`` the holding archive (馆藏单位; Zotero reads it as "Archive");
- ``AN`` and ``CN`` the 档号 (Zotero reads AN as "Loc. in Archive", EndNote CN as call number);
- ``C1`` the record id (``archive/archive_code``); ``SP`` the pages of the excerpt;
- ``N1`` notes: the GB/T 7714-2015 citation (``引用格式：``), the excerpt (``摘录（第 3 页）：``)
  and the reader's note (``备注：``), one ``N1`` each;
- ``ER`` ends the record.

An item no longer available has ``TI`` (its 档号 and 已不可用), ``AN``, ``CN`` and nothing
else. Lines end in CR LF, as the specification asks; the file is UTF-8.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from app.exports.items import UNAVAILABLE, ExportItem

TYPE = "GEN"
WORK_TYPE = "档案"
EOL = "\r\n"


def ris_date(date: str) -> str:
    """An ISO date (``1950-03-01``, ``1950-03``, ``1950``) as RIS writes it.

    >>> ris_date("1950-03-01"), ris_date("1950-03"), ris_date("1950"), ris_date("")
    ('1950/03/01', '1950/03', '1950', '')
    """
    return date.replace("-", "/")


def _line(tag: str, value: str) -> str:
    """One tagged line; line breaks inside a value become spaces.

    >>> _line("TI", "名册\\n续")
    'TI  - 名册 续'
    """
    return f"{tag}  - " + re.sub(r"\s*[\r\n]+\s*", " ", value).strip()


def _tags(item: ExportItem) -> Iterator[tuple[str, str]]:
    yield "TY", TYPE
    if not item.available:
        yield "TI", f"{item.archive_code}（{UNAVAILABLE}）"
        yield "AN", item.archive_code
        yield "CN", item.archive_code
        return
    yield "TI", item.title
    author = item.creator or item.archive
    if author:
        yield "AU", author
    if item.date[:4].isdigit():
        yield "PY", item.date[:4]
        yield "DA", ris_date(item.date)
    yield "M3", WORK_TYPE
    if item.archive:
        yield "DB", item.archive
    yield "AN", item.archive_code
    yield "CN", item.archive_code
    yield "C1", item.record_id
    if item.pages:
        yield "SP", item.page_label
    if item.citation:
        yield "N1", f"引用格式：{item.citation}"
    if item.excerpt:
        where = f"（第 {item.page_label} 页）" if item.pages else ""
        yield "N1", f"摘录{where}：{item.excerpt}"
    if item.note:
        yield "N1", f"备注：{item.note}"


def render_ris(title: str, items: Sequence[ExportItem]) -> bytes:
    """``items`` as RIS records, one ``TY``…``ER`` block each (the title names the file).

    >>> text = render_ris("专题", [ExportItem("J1-1", "a/J1-1", "宝鸡市档案馆", "名册", "1950-03")])
    >>> text.endswith(b"ER  - \\r\\n")
    True
    >>> print("\\n".join(line.rstrip() for line in text.decode("utf-8").split("\\r\\n")), end="")
    TY  - GEN
    TI  - 名册
    AU  - 宝鸡市档案馆
    PY  - 1950
    DA  - 1950/03
    M3  - 档案
    DB  - 宝鸡市档案馆
    AN  - J1-1
    CN  - J1-1
    C1  - a/J1-1
    ER  -
    """
    lines = []
    for item in items:
        lines += [_line(tag, value) for tag, value in _tags(item)]
        lines.append("ER  - ")
    return "".join(line + EOL for line in lines).encode("utf-8")
