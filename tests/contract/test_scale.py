"""Search at scale, on every backend: approximate totals, the order of ties, and rebuilds
that never stop the service from answering."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from app.runtime import open_lantai
from catalog.policy import PUBLIC, operator_audience
from config import load_settings
from search.params import parse_request
from tests.conftest import record, write_jsonl
from tests.contract.conftest import BACKENDS, CORPUS

BODY = "本年度档案工作会议讨论了档案整理。"
TIES = [
    # 档案 is in every record: FTS5's bm25 gives it no weight (all scores 0.0).
    record("T-4", "年度工作总结", date="1970", text=BODY),
    record("T-2", "会议记录", date="1950", text=BODY),
    record("T-1", "关于档案工作的报告", date="1960", text=BODY),
    record("T-3", "会议纪要", date="1955", text=BODY),
    record("T-5", "会议简报", date="", text=BODY),
]


@pytest.fixture(params=BACKENDS)
def make_lantai(request, tmp_path):
    """A factory of runtimes on ``request.param`` with a given corpus and settings."""
    made = []

    def make(corpus, **values):
        if request.param == "opensearch":
            values.update(
                opensearch_url=request.getfixturevalue("opensearch_url"), index=f"t{uuid.uuid4().hex}"
            )
        settings = load_settings(
            env={},
            data_dir=str(tmp_path / f"data{len(made)}"),
            backend=request.param,
            ingest_entities=False,
            **values,
        )
        runtime = open_lantai(settings)
        made.append(runtime)
        report = runtime.ingester.ingest([write_jsonl(tmp_path / f"c{len(made)}.jsonl", corpus)])
        assert report.failed == 0 and report.not_indexed == 0, report.errors
        return runtime

    yield make
    for runtime in made:
        if request.param == "opensearch":
            runtime.backend.drop()
        runtime.close()


def search(lantai, audience=PUBLIC, **args):
    return lantai.search.search(
        parse_request({k: str(v) for k, v in args.items()}, lantai.settings), audience
    )


def codes(result):
    return [h["archive_code"] for h in result["hits"]]


def test_ties_order_a_title_holding_the_term_first_then_by_date(make_lantai):
    lantai = make_lantai(TIES)
    result = search(lantai, q="档案")
    # In the catalog's order an empty date comes before every date.
    assert codes(result) == ["T-1", "T-5", "T-2", "T-3", "T-4"]
    # A reference code typed into the box still comes first.
    assert codes(search(lantai, q="T-3"))[0] == "T-3"


def test_the_page_is_a_window_on_the_same_order(make_lantai):
    lantai = make_lantai(TIES)
    pages = [codes(search(lantai, q="档案", size=2, page=n)) for n in (1, 2, 3)]
    assert pages == [["T-1", "T-5"], ["T-2", "T-3"], ["T-4"]]


def test_totals_above_the_limit_say_they_are_approximate(make_lantai):
    lantai = make_lantai(CORPUS, exact_total_limit=3)
    public = search(lantai, q="土地改革")
    # Records 0001, 0005 (catalog only) and fx-county's 0001 are public: at the limit.
    assert (public["total"], public["total_is_exact"]) == (3, True)
    staff = search(lantai, operator_audience("staff"), q="土地改革")
    assert staff["total"] == 6 and staff["total_is_exact"] is False
    # The facets still count every match: the sample is a setting of its own.
    assert staff["facets_sampled"] is False
    assert sum(staff["facets"]["archive"].values()) == 6
    assert search(lantai, q="水利")["total_is_exact"] is True


def test_facets_of_large_results_count_a_sample_and_say_so(make_lantai):
    lantai = make_lantai(CORPUS, facet_sample_size=3)
    staff = search(lantai, operator_audience("staff"), q="土地改革")
    assert (staff["total"], staff["total_is_exact"], staff["facets_sampled"]) == (6, True, True)
    # Facets count the best-ranked 3 of the matches only.
    assert sum(staff["facets"]["archive"].values()) == 3
    public = search(lantai, q="土地改革")
    assert (public["total"], public["facets_sampled"]) == (3, False)
    assert sum(public["facets"]["archive"].values()) == 3


def test_browsing_without_a_query_orders_by_date_then_code(make_lantai):
    lantai = make_lantai(TIES)
    # No query: every score is 0, so relevance is the catalog's order (undated first).
    assert codes(search(lantai)) == ["T-5", "T-2", "T-3", "T-1", "T-4"]
    assert codes(search(lantai, sort="date")) == ["T-2", "T-3", "T-1", "T-4", "T-5"]
    assert codes(search(lantai, sort="date_desc")) == ["T-4", "T-1", "T-3", "T-2", "T-5"]
    assert codes(search(lantai, sort="date", size=2, page=2)) == ["T-1", "T-4"]


def test_a_rebuild_never_stops_search_from_answering(make_lantai, monkeypatch):
    lantai = make_lantai(CORPUS)
    expected = search(lantai, q="土地改革")["total"]
    assert expected == 3
    read_catalog = lantai.store.records_for_index

    def slowly(batch):  # a rebuild long enough for many searches
        for item in read_catalog(batch):
            time.sleep(0.15)
            yield item

    monkeypatch.setattr(lantai.store, "records_for_index", slowly)
    answers: list[int] = []
    running = threading.Event()
    running.set()

    def keep_searching():
        while running.is_set():
            answers.append(search(lantai, q="土地改革")["total"])

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        assert lantai.reindex() == len(CORPUS)
    finally:
        running.clear()
        searcher.join(60)
    assert len(answers) >= 5
    assert set(answers) == {expected}
    assert search(lantai, q="土地改革")["total"] == expected


def test_a_failed_rebuild_leaves_the_old_index_serving(make_lantai, monkeypatch):
    lantai = make_lantai(CORPUS)
    before = search(lantai, q="土地改革")
    read_catalog = lantai.store.records_for_index

    def broken(batch):
        for n, item in enumerate(read_catalog(batch)):
            if n == 4:
                raise OSError("disk full")
            yield item

    monkeypatch.setattr(lantai.store, "records_for_index", broken)
    with pytest.raises(OSError, match="disk full"):
        lantai.reindex()
    after = search(lantai, q="土地改革")
    assert (after["total"], codes(after)) == (before["total"], codes(before))
    assert lantai.backend.ids() == {f"{r['archive']}/{r['archive_code']}" for r in CORPUS}
    monkeypatch.setattr(lantai.store, "records_for_index", read_catalog)
    assert lantai.reindex() == len(CORPUS)
    assert search(lantai, q="土地改革")["total"] == before["total"]


def test_a_string_match_only_for_words_learned_after_indexing(make_lantai):
    lantai = make_lantai([record("W-1", "中国家具厂的报告", text="中国家具厂生产桌椅。")])
    # 国家 is no word of this text (中国 家具): matching it as a string would be a false hit.
    assert search(lantai, q="国家")["total"] == 0
    assert search(lantai, q="家具")["total"] == 1
