"""The citation of a record (引用格式): a GB/T 7714-2015 reference to an archive ([A])."""

from __future__ import annotations

from collections.abc import Mapping

from app.labels import Archive, archive_info


def format_citation(record: Mapping, holder: Archive) -> str:
    """``record``, held by ``holder``, as a GB/T 7714-2015 reference to an archive ([A]).

    The standard's archive examples follow its monograph form, ``主要责任者. 题名: 其他题名信息
    [A]. 出版地: 出版者, 出版年.``, with the document number as other title information
    (``关于…的通知: 京政办发[2005]37号[A]``). For an archival record that reads: the record's
    creator (责任者; the holding archive when none is known), title, reference code (档号),
    then the place and name of the holding archive and the formation date. Chinese whatever
    the interface language: it describes a Chinese record.

    >>> baoji = Archive("宝鸡市档案馆", "Baoji Municipal Archives", "宝鸡")
    >>> format_citation({"archive_code": "J001-001-0001", "title": "关于开展整党整风的计划",
    ...                  "creator": "中共宝鸡市委", "date": "1950-05-04"}, baoji)
    '中共宝鸡市委. 关于开展整党整风的计划: J001-001-0001[A]. 宝鸡: 宝鸡市档案馆, 1950-05-04.'

    No creator: the holding archive is responsible; no date: none is made up.

    >>> format_citation({"archive_code": "J1-1", "title": "名册。"}, baoji)
    '宝鸡市档案馆. 名册: J1-1[A]. 宝鸡: 宝鸡市档案馆.'
    """
    author = (record.get("creator") or "").strip() or holder.zh
    title = (record.get("title") or "").strip().rstrip("。.")
    text = f"{author}. {title}: {record['archive_code']}[A]. "
    text += f"{holder.place}: {holder.zh}" if holder.place else holder.zh
    date = (record.get("date") or "").strip()
    return text + (f", {date}." if date else ".")


def citation(record: Mapping) -> str:
    """The citation of ``record``, its holding archive named by the ``archive_names`` setting."""
    return format_citation(record, archive_info(record["archive"]))
