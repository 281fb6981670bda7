"""Year filters written as reign years (民国三十九年) or in Chinese numerals, on every backend."""

from __future__ import annotations

import pytest

from search.params import ParamError, parse_request
from tests.contract.test_search_contract import ids, run


@pytest.mark.parametrize("year", ["1950", "1950年", "一九五〇年", "民国三十九年", "民國39年"])
def test_year_field_in_the_query(lantai, year: str) -> None:
    assert ids(run(lantai, q=f"土地改革 year:{year}")) == ["J001-001-0001"]


def test_year_parameters_as_reign_years(lantai) -> None:
    assert set(ids(run(lantai, q="土地改革", year_from="民国四十年", year_to="一九五二年"))) == {
        "J002-001-0001",
        "J001-001-0005",
    }


def test_a_year_parameter_that_is_no_year_names_the_parameter(lantai) -> None:
    with pytest.raises(ParamError) as error:
        parse_request({"q": "土地改革", "year_from": "民国"}, lantai.settings)
    assert error.value.name == "year_from"
