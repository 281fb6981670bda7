"""What an export (导出) holds: one item per record, with its GB/T 7714-2015 citation.

The renderers (one module per format) take a title and a list of :class:`ExportItem`; they
never read the catalog. What an item may carry is decided before it is built: a record the
reader may no longer see becomes :func:`unavailable` (its 档号 only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.citation import format_citation
from app.labels import Archive

#: How an item that is no longer available is named in every format (已不可用).
UNAVAILABLE = "已不可用"


@dataclass(frozen=True)
class ExportItem:
    """One exported record (导出条目): ``record_id`` (``archive/archive_code``), the holding
    archive's name (馆藏单位), 档号, 题名, 日期, 责任者, its citation (引用格式), and the
    reader's note (备注), excerpt (摘录) and the pages (页码) it is from. An item with
    ``available`` False carries its 档号 and nothing else."""

    archive_code: str
    record_id: str = ""
    archive: str = ""
    title: str = ""
    date: str = ""
    creator: str = ""
    citation: str = ""
    note: str = ""
    excerpt: str = ""
    pages: tuple[int, ...] = ()
    available: bool = True

    @property
    def page_label(self) -> str:
        """The pages as people write them: ``3``, ``3-5`` for a run, ``3, 5`` otherwise.

        >>> ExportItem("J1", pages=(3, 4, 5)).page_label, ExportItem("J1", pages=(3, 5)).page_label
        ('3-5', '3, 5')
        >>> ExportItem("J1").page_label
        ''
        """
        pages = sorted(set(self.pages))
        if len(pages) > 1 and pages == list(range(pages[0], pages[-1] + 1)):
            return f"{pages[0]}-{pages[-1]}"
        return ", ".join(str(p) for p in pages)


def export_item(
    record: Mapping,
    holder: Archive,
    note: str = "",
    excerpt: str = "",
    pages: Sequence[int] = (),
) -> ExportItem:
    """The export item of ``record`` (a record as the reader may see it: ``archive``,
    ``archive_code``, ``title``, ``date``, ``creator``), held by ``holder``; the citation is
    :func:`app.citation.format_citation`'s.

    >>> baoji = Archive("宝鸡市档案馆", "Baoji Municipal Archives", "宝鸡")
    >>> item = export_item({"archive": "baoji-city", "archive_code": "J1-1", "title": "名册",
    ...                     "date": "1950", "creator": ""}, baoji, note="见第3页", pages=[3])
    >>> item.record_id, item.archive, item.citation
    ('baoji-city/J1-1', '宝鸡市档案馆', '宝鸡市档案馆. 名册: J1-1[A]. 宝鸡: 宝鸡市档案馆, 1950.')
    """
    return ExportItem(
        archive_code=record["archive_code"],
        record_id=f"{record['archive']}/{record['archive_code']}",
        archive=holder.zh,
        title=record.get("title") or "",
        date=record.get("date") or "",
        creator=record.get("creator") or "",
        citation=format_citation(record, holder),
        note=note,
        excerpt=excerpt,
        pages=tuple(pages),
    )


def unavailable(archive_code: str) -> ExportItem:
    """A record the reader may no longer see (已不可用): its 档号, nothing else.

    >>> unavailable("J1-9")
    ExportItem(archive_code='J1-9', record_id='', archive='', title='', date='', creator='', \
citation='', note='', excerpt='', pages=(), available=False)
    """
    return ExportItem(archive_code=archive_code, available=False)
