"""The record schema (档案条目) and validation of one input row.

A row comes from JSON lines, CSV or XLSX with English or Chinese field names
(see DESIGN.md, "Records"). :func:`record_from_row` turns it into a :class:`Record`
or raises :class:`RecordError` naming the field that is wrong.

Traditional-script catalogues (繁体目录: ``館藏單位``, ``檔號``, ``開放``, ``無``) read like
simplified ones: headers and controlled values (密级, 开放状态, 保管期限) are folded
through the same script folding as text (:func:`analyzers.normalize.normalize`: NFKC,
traditional to simplified, lower case) before they are looked up; the vocabularies that
facets and opening rules match on (类别, 开放类别, 保管期限) are stored in simplified
script. Titles, descriptions and text keep the script they came in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as _date
from functools import lru_cache
from typing import Any

from analyzers.entities.dates import CN_DIGITS, date_of_text
from analyzers.normalize import normalize, simplified

#: Chinese column headers (CSV/XLSX) and the field each one means.
CHINESE_HEADERS: dict[str, str] = {
    "馆藏单位": "archive",
    "档号": "archive_code",
    "全宗号": "fonds",
    "题名": "title",
    "责任者": "creator",
    "日期": "date",
    "类别": "record_type",
    "开放类别": "category",
    "密级": "classification",
    "保管期限": "retention",
    "开放状态": "access",
    "主题词": "subjects",
    "摘要": "description",
    "全文": "text",
    "文件": "files",
}
FIELDS = tuple(dict.fromkeys(CHINESE_HEADERS.values()))

#: 密级: input spellings -> stored value.
CLASSIFICATIONS: dict[str, str] = {
    "": "none",
    "none": "none",
    "无": "none",
    "非密": "none",
    "公开": "none",
    "secret": "secret",
    "秘密": "secret",
    "confidential": "confidential",
    "机密": "confidential",
    "top_secret": "top_secret",
    "绝密": "top_secret",
}
#: 开放状态: input spellings -> stored value.
ACCESS_STATUSES: dict[str, str] = {
    "": "unreviewed",
    "unreviewed": "unreviewed",
    "未审核": "unreviewed",
    "待审": "unreviewed",
    "open": "open",
    "开放": "open",
    "catalog_only": "catalog_only",
    "目录开放": "catalog_only",
    "controlled": "controlled",
    "控制": "controlled",
    "控制使用": "controlled",
}
RETENTIONS = ("永久", "长期", "短期", "30年", "10年")
_RETENTION_SPELLINGS = {"": "", **{r: r for r in RETENTIONS}}

_CN_DIGITS = {**CN_DIGITS, "O": 0}  # an OCR'd 〇 is often a Latin O
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_CN_DATE = re.compile(
    r"^([0-9〇零○O一二三四五六七八九]{4})年(?:([0-9一二三四五六七八九十]{1,3})月"
    r"(?:([0-9一二三四五六七八九十]{1,3})日)?)?$"
)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._·/-]*$")
_ARCHIVE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class RecordError(ValueError):
    """A row that cannot become a record; ``field`` names the culprit."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"field {field_name!r}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Record:
    """One archival unit (件 or 卷) as stored in the catalog."""

    archive: str
    archive_code: str
    title: str
    fonds: str = ""
    creator: str = ""
    date: str = ""
    record_type: str = ""
    category: str = ""
    classification: str = "none"
    retention: str = ""
    access: str = "unreviewed"
    subjects: tuple[str, ...] = ()
    description: str = ""
    text: str = ""
    files: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """Public identifier: ``archive/archive_code``."""
        return f"{self.archive}/{self.archive_code}"

    @property
    def year(self) -> int | None:
        """Year of formation, or None when the date is unknown."""
        return int(self.date[:4]) if self.date else None


def _cn_number(text: str) -> int:
    """Read 十二, 二十一, 7 or 07 as an integer.

    >>> _cn_number("二十一"), _cn_number("十"), _cn_number("07")
    (21, 10, 7)
    """
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return int("".join(str(_CN_DIGITS[c]) for c in text))


def parse_date(value: str) -> str:
    """Normalize a formation date to ISO with the precision it has.

    >>> parse_date("1949年7月14日"), parse_date("一九四九年七月"), parse_date("1949")
    ('1949-07-14', '1949-07', '1949')
    >>> parse_date("民国三十八年"), parse_date("民國38年7月")
    ('1949', '1949-07')
    >>> parse_date("1949-13-40")
    Traceback (most recent call last):
    ValueError: month 13 is not between 1 and 12
    """
    value = value.strip()
    if not value:
        return ""
    match = _ISO_DATE.match(value) or _CN_DATE.match(value)
    if not match:
        era_date = date_of_text(value)  # 民国三十八年, 民國38年7月, 光绪二十年 (纪年)
        if era_date is not None and 1000 <= int(era_date[:4]) <= 2999:
            return era_date
        raise ValueError(
            f"{value!r} is not a date; use 1949-07-14, 1949-07, 1949, 1949年7月14日, 一九四九年七月 "
            "or 民国三十八年"
        )
    year_text, month_text, day_text = match.groups()
    year = int(year_text) if year_text.isdigit() else _cn_number(year_text)
    if not 1000 <= year <= 2999:
        raise ValueError(f"year {year} is out of range")
    if month_text is None:
        return f"{year:04d}"
    month = _cn_number(month_text)
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} is not between 1 and 12")
    if day_text is None:
        return f"{year:04d}-{month:02d}"
    day = _cn_number(day_text)
    try:
        _date(year, month, day)
    except ValueError:
        raise ValueError(f"day {day} does not exist in {year:04d}-{month:02d}") from None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _text(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (list, dict)):
        raise RecordError(name, f"expected text, got {type(value).__name__}")
    return str(value).strip()


def _list(row: dict[str, Any], name: str) -> tuple[str, ...]:
    value = row.get(name)
    if value is None or value == "":
        return ()
    if isinstance(value, list):
        return tuple(str(v).strip() for v in value if str(v).strip())
    if isinstance(value, str):
        return tuple(p for p in re.split(r"[；;，,\s]+", value) if p)
    raise RecordError(name, f"expected a list or text, got {type(value).__name__}")


@lru_cache(maxsize=4096)
def fold_term(text: str) -> str:
    """A header or controlled value in the form it is looked up in: script folded as text is.

    >>> fold_term("館藏單位"), fold_term(" 開放 "), fold_term("無"), fold_term("Open")
    ('馆藏单位', '开放', '无', 'open')
    """
    return normalize(text.strip()).text.strip()


@lru_cache(maxsize=1024)
def field_of_header(header: str) -> str:
    """The field a column header means (Chinese in either script, or the English name);
    an unknown header is returned as it is.

    >>> [field_of_header(h) for h in ("檔號", "\ufeff題名", "Title", "备考")]
    ['archive_code', 'title', 'title', '备考']
    """
    name = header.strip().lstrip("\ufeff")
    if name in CHINESE_HEADERS or name in FIELDS:
        return CHINESE_HEADERS.get(name, name)
    folded = fold_term(name)
    if folded in CHINESE_HEADERS or folded in FIELDS:
        return CHINESE_HEADERS.get(folded, folded)
    return name


def canonical_row(row: dict[str, Any]) -> dict[str, Any]:
    """Map Chinese headers (simplified or traditional) to field names and drop empty header cells.

    >>> canonical_row({"档号": "J1", "题名": "x"}), canonical_row({"館藏單位": "a", "檔號": "J1"})
    ({'archive_code': 'J1', 'title': 'x'}, {'archive': 'a', 'archive_code': 'J1'})
    """
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            continue
        name = field_of_header(str(key))
        if name:
            out[name] = value
    return out


def _controlled(value: str, spellings: dict[str, str]) -> str | None:
    """The stored value for an input spelling in either script, or None when it is unknown."""
    known = spellings.get(value)
    if known is None:
        known = spellings.get(fold_term(value))
    return known


def _unknown_columns(row: dict[str, Any]) -> str:
    unknown = [name for name in row if name not in FIELDS]
    return f"; columns not understood: {', '.join(unknown)}" if unknown else ""


def record_from_row(row: dict[str, Any], default_archive: str | None = None) -> Record:
    """Validate one input row (English or Chinese field names) into a Record.

    >>> record_from_row({"档号": "J001-001-0001", "题名": "关于土地改革的报告",
    ...                  "日期": "1950年3月", "开放状态": "开放"}, "baoji-city").access
    'open'
    """
    row = canonical_row(row)
    archive = _text(row, "archive") or (default_archive or "")
    if not archive:
        raise RecordError("archive", "missing; give it in the row or with --archive")
    if not _ARCHIVE_ID.match(archive):
        raise RecordError("archive", f"{archive!r}: use lowercase letters, digits and -")
    code = _text(row, "archive_code")
    if not code:
        raise RecordError("archive_code", "missing (档号 is required)" + _unknown_columns(row))
    if not _CODE.match(code) or len(code) > 120:
        raise RecordError("archive_code", f"{code!r}: use letters, digits, - . / and ·")
    title = _text(row, "title")
    if not title:
        raise RecordError("title", "missing (题名 is required)" + _unknown_columns(row))
    try:
        date = parse_date(_text(row, "date"))
    except ValueError as exc:
        raise RecordError("date", str(exc)) from None
    classification = _controlled(_text(row, "classification"), CLASSIFICATIONS)
    if classification is None:
        raise RecordError(
            "classification",
            f"{_text(row, 'classification')!r}: use 无, 秘密, 机密 or 绝密 (or 無, 機密, 絕密)",
        )
    access = _controlled(_text(row, "access"), ACCESS_STATUSES)
    if access is None:
        raise RecordError(
            "access",
            f"{_text(row, 'access')!r}: use unreviewed, open (开放/開放), catalog_only (目录开放/目錄開放), "
            "controlled (控制)",
        )
    retention = _controlled(_text(row, "retention"), _RETENTION_SPELLINGS)
    if retention is None:
        raise RecordError(
            "retention", f"{_text(row, 'retention')!r}: use one of {', '.join(RETENTIONS)} (or 長期)"
        )
    return Record(
        archive=archive,
        archive_code=code,
        title=title,
        fonds=_text(row, "fonds"),
        creator=_text(row, "creator"),
        date=date,
        record_type=simplified(_text(row, "record_type")),
        category=simplified(_text(row, "category")),
        classification=classification,
        retention=retention,
        access=access,
        subjects=_list(row, "subjects"),
        description=_text(row, "description"),
        text=str(row.get("text") or ""),
        files=_list(row, "files"),
    )
