"""Chinese date expressions (日期表达式) found by rule and normalized to ISO 8601.

Runs on normalized text (simplified script, NFKC: full-width digits are ASCII). The
normalized value keeps the precision the text has:

==========================  ==============  =========================================
text                        normalized      note
==========================  ==============  =========================================
1949年7月14日, 1949-07-14     ``1949-07-14``  also 14号, 1949/7/14, 1949.7.14
一九四九年七月                ``1949-07``     digit-by-digit year, 〇/零/○ for zero
1949年, 公元1949年            ``1949``
民国三十八年, 民国38年         ``1949``        民国元年 = 1912; months kept (Gregorian)
光绪二十年五月                ``1894``        Qing reign years; lunar months not converted
1950年代, 二十世纪五十年代     ``195X``        ISO 8601-2 / EDTF unspecified digit
20世纪                       ``19XX``
五十年代, 50年代              None            century not stated
7月14日                      None            no year; resolved with a reference date
去年7月, 今年, 上月            None            relative; resolved with a reference date
同年, 当年, 次年               None            relative to another date in the text
==========================  ==============  =========================================

Relative expressions stay ``None`` because the analyzers see text only; pass the record's
formation date as ``reference`` to :func:`resolve_relative` to resolve them. Bare months
(七月, 7月) are not tagged (十月革命, 五月花 are not dates).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

__all__ = [
    "DateMatch",
    "find_dates",
    "resolve_relative",
    "chinese_number",
    "years_as_digits",
    "year_of_text",
    "date_of_text",
]

_ZERO = "〇零○"
#: Chinese numerals 〇–九 (including 零 and ○) and their values.
CN_DIGITS = {
    **dict.fromkeys(_ZERO, 0),
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_DIGIT = f"[{_ZERO}一二三四五六七八九]"
_CN_SMALL = f"[{_ZERO}一二三四五六七八九十廿卅]"

# Reign eras (年号) and the Gregorian year of their first year (元年).
ERAS = {
    "民国": 1912,
    "中华民国": 1912,
    "顺治": 1644,
    "康熙": 1662,
    "雍正": 1723,
    "乾隆": 1736,
    "嘉庆": 1796,
    "道光": 1821,
    "咸丰": 1851,
    "同治": 1862,
    "光绪": 1875,
    "宣统": 1909,
}
_GREGORIAN_ERAS = {"民国", "中华民国"}  # the Republic used the Gregorian calendar from 1912

RELATIVE_YEARS = {"前年": -2, "去年": -1, "上年": -1, "今年": 0, "本年": 0, "明年": 1, "来年": 1, "后年": 2}
RELATIVE_MONTHS = {"上月": -1, "上个月": -1, "本月": 0, "这个月": 0, "下月": 1, "下个月": 1}
CONTEXT_YEARS = ("同年", "当年", "次年", "翌年")

_ERA_RE = "|".join(sorted(ERAS, key=len, reverse=True))
_REL_YEAR_RE = "|".join(sorted([*RELATIVE_YEARS, *CONTEXT_YEARS], key=len, reverse=True))
_REL_MONTH_RE = "|".join(sorted(RELATIVE_MONTHS, key=len, reverse=True))
_NUM = rf"(?:\d{{1,2}}|{_CN_SMALL}{{1,3}})"


def _tail(prefix: str) -> str:
    """An optional month (月/月份) and day (日/号) after a year, with named groups."""
    return rf"(?:(?P<{prefix}_month>{_NUM})月份?(?:(?P<{prefix}_day>{_NUM})[日号])?)?"


_PATTERN = re.compile(
    "|".join(
        [
            # 1950年代, 一九五〇年代, 二十世纪五十年代, 20世纪50年代, 五十年代; 20世纪
            rf"(?P<decade>(?:(?P<century>\d{{2}}|{_CN_SMALL}{{1,3}})世纪)?"
            rf"(?P<tens>\d{{3}}0|{_CN_DIGIT}{{3}}[{_ZERO}]|\d0|[一二三四五六七八九]十)年代"
            rf"|(?P<century_only>\d{{2}}|{_CN_SMALL}{{1,3}})世纪)",
            # ISO-like 1949-07-14, 1949/7/14, 1949.7.14
            r"(?P<iso>(?<![\d.])(?P<iy>\d{4})(?P<sep>[-/.])(?P<im>\d{1,2})(?P=sep)(?P<id>\d{1,2})(?![\d.]))",
            # 民国三十八年…, 光绪二十年…
            rf"(?P<era>{_ERA_RE})(?P<era_year>元|\d{{1,3}}|{_CN_SMALL}{{1,4}})年{_tail('e')}",
            # 1949年…, 公元1949年…, 一九四九年…
            rf"(?:公元)?(?<![\d{_ZERO}一二三四五六七八九十百千万])"
            rf"(?P<year>\d{{4}}|{_CN_DIGIT}{{4}})年(?!代|多|左右|之久|历史|间|来){_tail('y')}",
            # 去年7月, 今年五月一日, 同年, 今年
            rf"(?P<rel_year>{_REL_YEAR_RE}){_tail('r')}",
            # 上月15日, 本月
            rf"(?P<rel_month>{_REL_MONTH_RE})(?:(?P<rm_day>{_NUM})[日号])?",
            # 7月14日, 十月一日 (no year)
            rf"(?<![\d{_ZERO}一二三四五六七八九十廿卅])(?P<md_month>{_NUM})月(?P<md_day>{_NUM})[日号]",
        ]
    )
)


# Every alternative of _PATTERN starts with one of these characters (a digit, a Chinese
# numeral, 公 of 公元, the first character of an era or a relative word): find_dates
# tries the pattern only where one stands, which skips most of a text at C speed.
_FIRST_CHARACTERS = re.compile(
    "[\\d"
    + "".join(
        sorted(
            set(_ZERO + "一二三四五六七八九十廿卅公")
            | {word[0] for word in [*ERAS, *RELATIVE_YEARS, *CONTEXT_YEARS, *RELATIVE_MONTHS]}
        )
    )
    + "]"
)


@dataclass(frozen=True)
class DateMatch:
    """A date expression: ``text[start:end]``, its ISO value (or None) and what it needs.

    ``relative`` is ``"year"``/``"month"`` with ``offset``, or ``"partial"`` (month/day
    without a year) when a reference date can resolve it; ``month``/``day`` are the numbers
    the text states.
    """

    start: int
    end: int
    normalized: str | None
    relative: str | None = None
    offset: int = 0
    month: int | None = None
    day: int | None = None


def chinese_number(text: str) -> int | None:
    """A small number in Arabic or Chinese numerals (二十一, 廿三, 三十八, 〇九, 21).

    >>> chinese_number('三十八'), chinese_number('十四'), chinese_number('廿一'), chinese_number('元')
    (38, 14, 21, 1)
    >>> chinese_number('一九四九'), chinese_number('二十世')
    (1949, None)
    """
    if text.isdigit() and text.isascii():
        return int(text)
    if text == "元":
        return 1
    text = text.replace("廿", "二十").replace("卅", "三十")
    if text and all(c in CN_DIGITS for c in text):
        if len(text) == 1 or "十" not in text:
            value = 0
            for c in text:
                value = value * 10 + CN_DIGITS[c]
            return value
    if "十" in text and text.count("十") == 1:
        tens, _, units = text.partition("十")
        if len(tens) > 1 or len(units) > 1:
            return None
        if (tens and tens not in CN_DIGITS) or (units and units not in CN_DIGITS):
            return None
        return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[units] if units else 0)
    return None


def _iso(year: int | None, month: int | None = None, day: int | None = None) -> str | None:
    if year is None:
        return None
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def _valid_month(month: int | None) -> bool:
    return month is not None and 1 <= month <= 12


def _valid_day(year: int | None, month: int, day: int | None) -> bool:
    if day is None or day < 1:
        return False
    return day <= calendar.monthrange(year if year is not None else 2000, month)[1]


def _with_tail(
    m: re.Match[str], year: int | None, prefix: str, head_end: int
) -> tuple[int, str | None, int | None, int | None]:
    """End offset, ISO value, month and day for a year-like head and its month/day tail.

    An invalid day or month shortens the match to what is valid.
    """
    month_key, day_key = f"{prefix}_month", f"{prefix}_day"
    end = m.end()
    month = chinese_number(m.group(month_key)) if m.group(month_key) else None
    day = chinese_number(m.group(day_key)) if m.group(day_key) else None
    if m.group(month_key) and not _valid_month(month):
        return head_end, _iso(year), None, None
    if month is not None and m.group(day_key) and not _valid_day(year, month, day):
        end = m.start(day_key)
        return end, _iso(year, month), month, None
    return end, _iso(year, month, day), month, day


def _decade(m: re.Match[str]) -> str | None:
    if m.group("century_only"):
        century = chinese_number(m.group("century_only"))
        return f"{century - 1:02d}XX" if century and 1 <= century <= 21 else None
    tens = m.group("tens")
    if len(tens) == 4:
        value = chinese_number(tens)
        return f"{value // 10:03d}X" if value is not None else None
    decade = chinese_number(tens)
    century = chinese_number(m.group("century")) if m.group("century") else None
    if decade is None or century is None or not 1 <= century <= 21:
        return None
    return f"{century - 1:02d}{decade // 10}X"


def _matches(text: str) -> Iterator[re.Match[str]]:
    """``_PATTERN.finditer(text)``: tried only where a first character stands."""
    search, match = _FIRST_CHARACTERS.search, _PATTERN.match
    position, n = 0, len(text)
    while position < n:
        anchor = search(text, position)
        if anchor is None:
            return
        found = match(text, anchor.start())  # lookbehinds still see the text before
        if found is None:
            position = anchor.start() + 1
        else:
            yield found
            position = max(found.end(), anchor.start() + 1)


def find_dates(text: str) -> list[DateMatch]:
    """Date expressions in a normalized text, left to right, not overlapping.

    >>> s = '1949年7月14日和一九四九年七月，民国三十八年'
    >>> [(s[d.start:d.end], d.normalized) for d in find_dates(s)]
    [('1949年7月14日', '1949-07-14'), ('一九四九年七月', '1949-07'), ('民国三十八年', '1949')]
    >>> [(d.normalized, d.relative) for d in find_dates('1950年代，二十世纪五十年代，五十年代')]
    [('195X', None), ('195X', None), (None, None)]
    >>> s = '去年7月和5月23日，2000年历史'
    >>> [(s[d.start:d.end], d.normalized) for d in find_dates(s)]
    [('去年7月', None), ('5月23日', None)]
    """
    out: list[DateMatch] = []
    month: int | None
    day: int | None
    for m in _matches(text):
        start = m.start()
        if m.group("decade"):
            out.append(DateMatch(start, m.end(), _decade(m)))
        elif m.group("iso"):
            year, month, day = int(m.group("iy")), int(m.group("im")), int(m.group("id"))
            if 1000 <= year <= 2199 and _valid_month(month) and _valid_day(year, month, day):
                out.append(DateMatch(start, m.end(), _iso(year, month, day), month=month, day=day))
        elif m.group("era"):
            n = chinese_number(m.group("era_year"))
            if n is None or not 1 <= n <= 200:
                continue
            year = ERAS[m.group("era")] + n - 1
            if m.group("era") in _GREGORIAN_ERAS:
                end, value, month, day = _with_tail(m, year, "e", m.end("era_year") + 1)
            else:  # lunar months and days of the Qing calendar: year precision only
                end, value, month, day = m.end(), _iso(year), None, None
                if m.group("e_month") and not _valid_month(chinese_number(m.group("e_month"))):
                    end = m.end("era_year") + 1
            out.append(DateMatch(start, end, value, month=month, day=day))
        elif m.group("year"):
            found_year = chinese_number(m.group("year"))
            if found_year is None or not 1000 <= found_year <= 2199:
                continue
            year = found_year
            end, value, month, day = _with_tail(m, year, "y", m.end("year") + 1)
            out.append(DateMatch(start, end, value, month=month, day=day))
        elif m.group("rel_year"):
            word = m.group("rel_year")
            end, _, month, day = _with_tail(m, None, "r", m.end("rel_year"))
            relative = "year" if word in RELATIVE_YEARS else None
            out.append(DateMatch(start, end, None, relative, RELATIVE_YEARS.get(word, 0), month, day))
        elif m.group("rel_month"):
            day = chinese_number(m.group("rm_day")) if m.group("rm_day") else None
            if day is not None and not 1 <= day <= 31:
                day = None
            end = m.end() if day is not None else m.end("rel_month")
            out.append(DateMatch(start, end, None, "month", RELATIVE_MONTHS[m.group("rel_month")], day=day))
        else:
            month, day = chinese_number(m.group("md_month")), chinese_number(m.group("md_day"))
            if _valid_month(month) and month is not None and _valid_day(None, month, day):
                out.append(DateMatch(start, m.end(), None, "partial", month=month, day=day))
    return out


def resolve_relative(match: DateMatch, reference: date) -> str | None:
    """The ISO value of a relative or year-less date, given the record's date.

    >>> d = find_dates('去年7月')[0]
    >>> resolve_relative(d, date(1950, 3, 1))
    '1949-07'
    >>> resolve_relative(find_dates('上月15日')[0], date(1950, 1, 20))
    '1949-12-15'
    """
    if match.normalized is not None or match.relative is None:
        return match.normalized
    if match.relative == "year":
        year = reference.year + match.offset
        if match.month is not None and match.day is not None and not _valid_day(year, match.month, match.day):
            return _iso(year, match.month)
        return _iso(year, match.month, match.day)
    if match.relative == "month":
        index = reference.year * 12 + reference.month - 1 + match.offset
        year, month = divmod(index, 12)
        day = match.day if match.day is not None and _valid_day(year, month + 1, match.day) else None
        return _iso(year, month + 1, day)
    if match.relative == "partial" and match.month is not None:
        day = match.day if _valid_day(reference.year, match.month, match.day) else None
        return _iso(reference.year, match.month, day)
    return None


_DEFINITE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


def years_as_digits(text: str) -> str:
    """``text`` with every year written in words or as a reign year (纪年) replaced by its
    Gregorian year in digits and 年; a month or day after it is dropped (a year filter
    needs the year only). Decades, relative and year-less dates are left as they are.

    Expects normalized text (simplified script, ASCII digits); see :func:`year_of_text`.

    >>> years_as_digits('民国三十八年-民国四十年'), years_as_digits('一九四九年七月至1951年')
    ('1949年-1951年', '1949年至1951年')
    """
    out: list[str] = []
    last = 0
    for match in find_dates(text):
        if match.relative is None and match.normalized and _DEFINITE.fullmatch(match.normalized):
            out.append(text[last : match.start])
            out.append(match.normalized[:4] + "年")
            last = match.end
    out.append(text[last:])
    return "".join(out)


def year_of_text(text: str) -> int | None:
    """The Gregorian year a text states on its own (年份), or None.

    >>> [year_of_text(t) for t in ('1949', '1949年', '一九四九年', '民国三十八年', '民國38年', '公元1949年')]
    [1949, 1949, 1949, 1949, 1949, 1949]
    >>> year_of_text('五十年代'), year_of_text('去年'), year_of_text('档案')
    (None, None, None)
    """
    from analyzers.normalize import normalize

    value = re.sub(r"\s+", "", years_as_digits(normalize(text).text))
    m = re.fullmatch(r"(\d{1,4})年?", value)
    return int(m.group(1)) if m else None


def date_of_text(text: str) -> str | None:
    """The ISO date (with the precision stated) of a text that is one date expression
    with a definite value, in any script: 民國38年 -> ``1949``; else None.

    >>> date_of_text('民國三十八年七月'), date_of_text('民国38年'), date_of_text('1949年前后')
    ('1949-07', '1949', None)
    """
    from analyzers.normalize import normalize

    value = normalize(text).text.strip()
    found = find_dates(value)
    if len(found) != 1 or found[0].start != 0 or found[0].end != len(value):
        return None
    iso = found[0].normalized
    return iso if iso is not None and found[0].relative is None and _DEFINITE.fullmatch(iso) else None
