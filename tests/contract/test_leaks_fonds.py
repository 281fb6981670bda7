"""Leak suite, fonds pages (全宗浏览): random holdings grouped into two fonds and two series
per archive; on every backend and both catalogs, the archive, fonds and series pages and the
``fonds``/``series`` facets count and list only records the public may see, and a fonds (or
series, or archive) with nothing public answers exactly like one that does not exist.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given

from app import create_app, lantai_of
from catalog.policy import PUBLIC
from search.fonds import archive_fonds, fonds_page
from search.params import parse_request
from tests.conftest import answer_without_path, buffered_client
from tests.contract.conftest import BACKENDS
from tests.contract.test_leaks import LEAK_SETTINGS, holdings, runtime_on, visibility_of

pytestmark = [pytest.mark.both_catalogs, pytest.mark.usefixtures("catalog_url")]


def in_fonds(rows: list[dict]) -> list[dict]:
    """The rows with 档号 in two fonds and two series: ``J00{1,2}-00{1,2}-NNNN``."""
    return [
        {**row, "archive_code": f"J00{1 + int(row['date']) % 2}-00{1 + len(row['title']) % 2}-{n:04d}"}
        for n, row in enumerate(rows, start=1)
    ]


@pytest.mark.parametrize("backend", BACKENDS)
@LEAK_SETTINGS
@given(rows=holdings())
def test_fonds_pages_count_and_list_only_public_records(backend, request, rows):
    rows = in_fonds(rows)
    public = [r for r in rows if visibility_of(r) != "none"]
    closed_codes = {(r["archive"], r["archive_code"]) for r in rows if visibility_of(r) == "none"}
    with runtime_on(backend, request, rows) as (lantai, config):
        app = create_app(config)
        request.addfinalizer(lantai_of(app).close)
        client = buffered_client(app)
        missing = {
            path: answer_without_path(client.get(path), path)
            for path in ("/fonds/nowhere", "/fonds/city-a/J999", "/fonds/city-a/J999/009")
        }
        for archive in ("city-a", "county-b"):
            mine = [r for r in public if r["archive"] == archive]
            per_fonds = Counter(r["archive_code"][:4] for r in mine)
            listed = archive_fonds(lantai.search, archive, PUBLIC)
            page = client.get(f"/fonds/{archive}")
            if not mine:
                assert listed is None
                assert answer_without_path(page, f"/fonds/{archive}") == missing["/fonds/nowhere"]
            else:
                assert {f["fonds"]: f["count"] for f in listed["fonds"]} == dict(per_fonds)
            for fonds in ("J001", "J002"):
                in_it = [r for r in mine if r["archive_code"].startswith(fonds)]
                shown = fonds_page(lantai.search, archive, fonds, PUBLIC, size=100)
                path = f"/fonds/{archive}/{fonds}"
                answer = client.get(path)
                if not in_it:
                    assert shown is None
                    assert answer_without_path(answer, path) == missing["/fonds/city-a/J999"]
                    continue
                series = Counter(r["archive_code"][5:8] for r in in_it)
                assert shown["total"] == len(in_it)
                assert {s["series"]: s["count"] for s in shown["series_counts"]} == dict(series)
                assert {h["archive_code"] for h in shown["result"]["hits"]} == {
                    r["archive_code"] for r in in_it
                }
                body = answer.get_data(as_text=True)
                assert answer.status_code == 200
                assert not [code for a, code in closed_codes if a == archive and code in body]
                for number in ("001", "002"):
                    path = f"/fonds/{archive}/{fonds}/{number}"
                    answer = client.get(path)
                    if number not in series:
                        assert answer_without_path(answer, path) == missing["/fonds/city-a/J999/009"]
                    else:
                        assert answer.status_code == 200
                # the facets of a search filtered to the fonds count the same records
                result = lantai.search.search(
                    parse_request({"archive": archive, "fonds": fonds}, lantai.settings), PUBLIC
                )
                assert result["total"] == len(in_it)
                assert result["facets"]["fonds"] == {fonds: len(in_it)}
                assert result["facets"]["series"] == dict(series)
