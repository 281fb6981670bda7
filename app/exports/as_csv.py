"""Exports as CSV: UTF-8 with a byte-order mark, so Excel opens the Chinese correctly."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from app.exports.items import UNAVAILABLE, ExportItem

#: The columns, with Chinese headers (the catalog's own names where it has one).
COLUMNS = (
    "记录标识",
    "馆藏单位",
    "档号",
    "题名",
    "日期",
    "责任者",
    "引用格式",
    "页码",
    "摘录",
    "备注",
    "状态",
)
AVAILABLE = "可用"
#: A cell starting with one of these is read by spreadsheets as a formula; it gets a ``'``.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """``value`` as a spreadsheet shows it, never run as a formula.

    >>> _cell("=HYPERLINK(1)"), _cell("J1-1")
    ("'=HYPERLINK(1)", 'J1-1')
    """
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def render_csv(title: str, items: Sequence[ExportItem]) -> bytes:
    """``items`` as a CSV table (one row per item, :data:`COLUMNS` first), UTF-8 with BOM.
    An item no longer available has its 档号 and the status 已不可用, nothing else. The title
    names the file, not a row: a CSV has no place for it.

    >>> from app.exports.items import unavailable
    >>> data = render_csv("专题", [ExportItem("J1-1", "a/J1-1", "宝鸡市档案馆", "名册", pages=(3,)),
    ...                            unavailable("J1-2")])
    >>> data[:3] == b"\\xef\\xbb\\xbf"
    True
    >>> for row in data.decode("utf-8-sig").splitlines():
    ...     print(row)
    记录标识,馆藏单位,档号,题名,日期,责任者,引用格式,页码,摘录,备注,状态
    a/J1-1,宝鸡市档案馆,J1-1,名册,,,,3,,,可用
    ,,J1-2,,,,,,,,已不可用
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for item in items:
        if not item.available:
            writer.writerow(["", "", _cell(item.archive_code), *[""] * 7, UNAVAILABLE])
            continue
        row = [
            item.record_id,
            item.archive,
            item.archive_code,
            item.title,
            item.date,
            item.creator,
            item.citation,
            item.page_label,
            item.excerpt,
            item.note,
        ]
        writer.writerow([*map(_cell, row), AVAILABLE])
    return out.getvalue().encode("utf-8-sig")
