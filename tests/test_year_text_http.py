"""Reign years (民国三十八年) and Chinese-numeral years in the API's year parameters and
in ``year:`` queries, end to end over HTTP; a record dated 民國38年 is ingested."""

from __future__ import annotations

from app import lantai_of
from tests.conftest import record, write_jsonl
from tests.test_http import loaded  # noqa: F401 - the fixture


def test_api_year_parameters_take_reign_years(loaded) -> None:  # noqa: F811
    by_digits = loaded.get("/api/v1/search?q=土地改革&year_from=1949&year_to=1949").get_json()
    by_era = loaded.get("/api/v1/search?q=土地改革&year_from=民国三十八年&year_to=一九四九年").get_json()
    assert by_digits["total"] > 0
    assert by_era["total"] == by_digits["total"]
    query = loaded.get("/api/v1/search?q=土地改革 year:民國三十八年").get_json()
    assert query["total"] == by_digits["total"]
    bad = loaded.get("/api/v1/search?year_to=民国")
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "year_to"


def test_a_record_dated_as_a_reign_year_is_ingested(client, tmp_path) -> None:
    rows = [
        record("J9-1", "民国档案", date="民國38年", text="土地改革"),
        record("J9-2", "民国档案", date="民国三十八年七月", text="土地改革"),
    ]
    report = lantai_of(client.application).ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", rows)])
    assert report.failed == 0, report.errors
    store = lantai_of(client.application).store
    assert store.get("test-city", "J9-1").date == "1949"
    assert store.get("test-city", "J9-2").date == "1949-07"
