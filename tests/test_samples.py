"""The sample records: what the demo shows, and that its closed records stay hidden."""

from __future__ import annotations

from collections import Counter

import opencc
import pytest

from app.runtime import open_lantai
from catalog.policy import PUBLIC, public_visibility
from config import load_settings
from indexer.readers import reader_for
from search.params import parse_request
from tests.conftest import SAMPLES

SAMPLE_FILES = sorted(p for p in SAMPLES.iterdir() if reader_for(p) and not p.name.startswith("bad-"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    settings = load_settings(env={}, data_dir=str(tmp_path_factory.mktemp("demo")))
    runtime = open_lantai(settings)
    report = runtime.ingester.ingest(SAMPLE_FILES)
    assert report.failed == 0, [str(p) for p in report.errors]
    yield runtime
    runtime.close()


def test_samples_cover_what_the_demo_must_show(demo):
    records = list(demo.store.iter_records())
    assert len(records) >= 200
    assert {r.archive for r in records} >= {"baoji-city", "fengxiang-county"}
    types = Counter(r.record_type for r in records)
    assert len(types) >= 3 and types["红色档案"] >= 10
    assert set(Counter(r.access for r in records)) == {"open", "catalog_only", "controlled", "unreviewed"}
    assert sum(r.classification != "none" for r in records) >= 5
    to_simplified = opencc.OpenCC("t2s")
    assert sum(to_simplified.convert(r.text) != r.text for r in records) >= 10


def test_the_demo_finds_red_archive_records_in_either_script(demo):
    for q in ("红色档案", "紅色檔案"):
        result = demo.search.search(parse_request({"q": q}, demo.settings), PUBLIC)
        assert result["total"] > 0, q


def test_no_closed_sample_title_reaches_the_public(demo):
    records = list(demo.store.iter_records())
    closed = [r for r in records if public_visibility(r.access, r.classification) == "none"]
    open_titles = {r.title for r in records if r not in closed}
    assert closed
    for record in closed:
        for q in (record.title, record.archive_code, f'"{record.title}"'):
            result = demo.search.search(parse_request({"q": q, "size": "100"}, demo.settings), PUBLIC)
            shown = {h["title"] for h in result["hits"]}
            assert record.title not in shown or record.title in open_titles
            assert all(h["visibility"] != "none" for h in result["hits"])
        assert demo.search.record(record.id, PUBLIC) is None
        assert (
            record.title not in demo.search.suggest(record.title[:4], PUBLIC, size=100)
            or record.title in open_titles
        )


def test_the_demo_shows_person_place_and_org_facets(demo):
    """Issue #8: ingest extracts entities by default, so the demo's facets are not empty."""
    result = demo.search.search(parse_request({"q": "宝鸡"}, demo.settings), PUBLIC)
    for facet in ("person", "place", "org"):
        assert result["facets"][facet], facet
    assert "宝鸡市" in result["facets"]["place"]


def test_no_name_found_only_in_closed_samples_reaches_the_public(demo):
    from indexer.documents import entity_facets

    names: dict[str, set[str]] = {"none": set(), "seen": set()}
    for record in demo.store.iter_records():
        visibility = public_visibility(record.access, record.classification)
        found = entity_facets(demo.store.entities(record.archive, record.archive_code), visibility == "full")
        names["none" if visibility == "none" else "seen"].update(
            (facet, name) for facet, values in found.items() for name in values
        )
    closed_only = names["none"] - names["seen"]
    assert closed_only  # e.g. the subject of a disciplinary decision
    facets = demo.search.search(parse_request({"q": "", "size": "100"}, demo.settings), PUBLIC)["facets"]
    for facet, name in closed_only:
        assert name not in facets[facet]
        hits = demo.search.search(parse_request({"q": "", facet: name}, demo.settings), PUBLIC)
        assert hits["total"] == 0, (facet, name)
