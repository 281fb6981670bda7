"""Years written as Chinese reign years (纪年) or in Chinese numerals, in queries, search
parameters and record dates."""

from __future__ import annotations

import pytest

from analyzers.entities.dates import date_of_text, year_of_text, years_as_digits
from analyzers.query import YearRange, parse_query
from catalog.records import RecordError, parse_date, record_from_row


@pytest.mark.parametrize(
    "text",
    ["1949", "1949年", "一九四九年", "民国三十八年", "民國38年", "民国38年", "公元1949年", "民國三十八年"],
)
def test_a_year_written_any_way_is_its_gregorian_year(text: str) -> None:
    assert year_of_text(text) == 1949


@pytest.mark.parametrize("text", ["五十年代", "去年", "档案", "民国", "1949年7月14日前后", ""])
def test_text_that_is_not_one_year_has_none(text: str) -> None:
    assert year_of_text(text) is None


def test_years_as_digits_keeps_what_is_not_a_year() -> None:
    assert years_as_digits("民国三十八年至民国四十年") == "1949年至1951年"
    assert years_as_digits("1949-1951") == "1949-1951"
    assert years_as_digits("五十年代") == "五十年代"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("year:民国三十八年", YearRange(1949, 1949)),
        ("year:民國三十八年", YearRange(1949, 1949)),
        ("year:一九四九年", YearRange(1949, 1949)),
        ("year:1949年", YearRange(1949, 1949)),
        ("year:民国三十八年-1951", YearRange(1949, 1951)),
        ("year:一九四九年至一九五一年", YearRange(1949, 1951)),
    ],
)
def test_year_filter_in_queries(query: str, expected: YearRange) -> None:
    assert parse_query(query) == expected


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("民国三十八年", "1949"),
        ("民國38年", "1949"),
        ("民国三十八年七月", "1949-07"),
        ("民國三十八年十月一日", "1949-10-01"),
        ("光绪二十年", "1894"),
    ],
)
def test_record_dates_as_reign_years(value: str, iso: str) -> None:
    assert parse_date(value) == iso
    assert date_of_text(value) == iso


def test_record_with_a_reign_year_date_is_accepted() -> None:
    record = record_from_row({"档号": "J1-1", "题名": "t", "日期": "民國38年"}, "x-city")
    assert (record.date, record.year) == ("1949", 1949)


@pytest.mark.parametrize("value", ["民国", "民国三十八年前后", "去年", "民国三百年"])
def test_unclear_reign_dates_are_refused_naming_the_field(value: str) -> None:
    with pytest.raises(RecordError) as error:
        record_from_row({"档号": "J1-1", "题名": "t", "日期": value}, "x-city")
    assert "date" in str(error.value)
