"""Record rows: English or Chinese field names, Chinese dates, errors naming the field."""

import pytest

from catalog.records import RecordError, parse_date, record_from_row


def test_chinese_headers_and_values():
    record = record_from_row(
        {
            "馆藏单位": "fengxiang-county",
            "档号": "J012-003-0045",
            "题名": "关于土地改革的报告",
            "日期": "一九五〇年三月",
            "密级": "秘密",
            "开放状态": "目录开放",
            "主题词": "土地改革；农会",
        }
    )
    assert record.id == "fengxiang-county/J012-003-0045"
    assert record.date == "1950-03"
    assert record.year == 1950
    assert record.classification == "secret"
    assert record.access == "catalog_only"
    assert record.subjects == ("土地改革", "农会")


def test_status_defaults_to_unreviewed():
    assert record_from_row({"档号": "A-1", "题名": "t"}, "x-city").access == "unreviewed"


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("1949-07-14", "1949-07-14"),
        ("1949-7", "1949-07"),
        ("1949", "1949"),
        ("1949年7月14日", "1949-07-14"),
        ("一九四九年七月", "1949-07"),
        ("一九四九年十月一日", "1949-10-01"),
    ],
)
def test_dates(value, iso):
    assert parse_date(value) == iso


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"题名": "无档号"}, "archive_code"),
        ({"档号": "J1-1"}, "title"),
        ({"档号": "J1-1", "题名": "t", "日期": "1949-13-40"}, "date"),
        ({"档号": "J1-1", "题名": "t", "密级": "内部"}, "classification"),
        ({"档号": "J1-1", "题名": "t", "开放状态": "maybe"}, "access"),
        ({"档号": "J1 1", "题名": "t"}, "archive_code"),
        ({"档号": "J1-1", "题名": "t", "保管期限": "永远"}, "retention"),
    ],
)
def test_errors_name_the_field(row, field):
    with pytest.raises(RecordError) as error:
        record_from_row(row, "x-city")
    assert error.value.field == field


def test_archive_is_required_somewhere():
    with pytest.raises(RecordError, match="archive"):
        record_from_row({"档号": "J1-1", "题名": "t"})
