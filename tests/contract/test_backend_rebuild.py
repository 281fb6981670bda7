"""The protocol's rebuild entry points, on every backend: ``rebuild`` replaces the index by
the documents given (atomically; a failed one leaves the old index serving) and
``optimize`` after a bulk load changes no answer."""

from __future__ import annotations

import inspect

import pytest

from catalog.policy import PUBLIC, scope_for
from catalog.records import record_from_row
from indexer import ingest
from indexer.documents import index_doc
from search.base import SearchBackend
from search.params import parse_request
from tests.conftest import record, write_jsonl
from tests.contract.conftest import CORPUS


def found(lantai, q: str) -> list[str]:
    """Ids the backend itself answers (the documents may be none of the catalog's)."""
    result = lantai.backend.search(parse_request({"q": q}, lantai.settings), scope_for(PUBLIC))
    return sorted(hit.id for hit in result.hits)


def docs_of(rows: list[dict]):
    return [index_doc(record_from_row(row)) for row in rows]


@pytest.mark.parametrize("name", ["rebuild", "optimize"])
def test_the_rebuild_entry_points_are_the_protocols_and_each_backend_has_them(lantai, name):
    declared = inspect.signature(getattr(SearchBackend, name))
    offered = inspect.signature(getattr(type(lantai.backend), name))
    assert list(offered.parameters)[: len(declared.parameters)] == list(declared.parameters)


def test_rebuild_replaces_the_index_by_the_documents_given(lantai):
    assert found(lantai, "土地改革")
    fresh = [
        record("R-001", "关于植树造林的报告", text="全县植树造林。"),
        record("R-002", "关于植树节的通知", text="植树节全市植树。"),
    ]
    assert lantai.backend.rebuild(iter(docs_of(fresh))) == 2
    assert lantai.backend.ids() == {"test-city/R-001", "test-city/R-002"}
    assert found(lantai, "植树") == ["test-city/R-001", "test-city/R-002"]
    assert found(lantai, "土地改革") == []


def test_a_failed_rebuild_leaves_the_old_index_serving(lantai):
    before = found(lantai, "土地改革")

    def failing():
        yield from docs_of([record("R-001", "关于植树造林的报告")])
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        lantai.backend.rebuild(failing())
    assert found(lantai, "土地改革") == before
    assert lantai.backend.ids() == {f"{r['archive']}/{r['archive_code']}" for r in CORPUS}


def test_optimize_changes_no_answer(lantai):
    before = found(lantai, "土地改革"), lantai.backend.ids()
    lantai.backend.optimize()
    assert (found(lantai, "土地改革"), lantai.backend.ids()) == before


def test_ingest_optimizes_after_a_bulk_load_only(lantai, tmp_path, monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(lantai.backend, "optimize", lambda: calls.append(1))
    monkeypatch.setattr(ingest, "OPTIMIZE_AFTER", 3)
    first = write_jsonl(tmp_path / "two.jsonl", [record(f"B-{n}", f"关于第{n}批的报告") for n in range(2)])
    assert lantai.ingester.ingest([first]).added == 2
    assert calls == []  # two records: no bulk load
    second = write_jsonl(
        tmp_path / "three.jsonl", [record(f"B-{n}", f"关于第{n}批的报告") for n in range(2, 5)]
    )
    assert lantai.ingester.ingest([second]).added == 3
    assert calls == [1]


def test_a_rebuild_analysed_by_workers_answers_as_one_analysed_here(lantai):
    from indexer.rebuild import analysed_in_order, reindex

    batches = [[(record_from_row(row), None) for row in CORPUS[i : i + 3]] for i in range(0, len(CORPUS), 3)]
    here = [[(doc, words) for doc, words in b] for b in analysed_in_order(batches, 1)]
    assert list(analysed_in_order(batches, 2)) == here  # the same, in the same order
    queries = ["土地改革", "水利", "宝鸡", '"土地改革"', "title:报告"]

    def answers():
        return [lantai.search.search(parse_request({"q": q}, lantai.settings), PUBLIC) for q in queries]

    before = answers()
    assert any(answer["total"] for answer in before)
    assert reindex(lantai.store, lantai.backend, batch=2, workers=2, inline_records=0) == len(CORPUS)
    assert answers() == before
