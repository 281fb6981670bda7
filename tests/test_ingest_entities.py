"""Entities at ingest (issue #7 point 3, issue #8): extracted by default, normalized to
simplified script, deduplicated per record, stored in the catalog, indexed as the person,
place and org facets, and learned into the segmenter's dictionary."""

from __future__ import annotations

import json

import pytest

from app import create_app, lantai_of
from app.runtime import open_lantai
from catalog.policy import PUBLIC
from config import SettingsError, load_settings
from search.params import parse_request
from tests.conftest import record, tokens_in_a_fresh_process, write_jsonl

ROWS = [
    # Traditional script, a person and a place mentioned twice each.
    record(
        "J7-1",
        "關於中國人民解放軍進駐寶雞的報告",
        date="1949-07-14",
        text="毛澤東在延安召開會議。毛澤東離開延安後到達西柏坡。",
    ),
    # A name jieba does not know: learned from the entity model.
    record("J7-2", "群众来信摘编", date="1975-09-30", text="來信人梁淑貞反映其父歷史問題，梁淑貞要求複查。"),
    # Closed: its names must never reach the public.
    record(
        "J7-3",
        "关于一野进驻的材料",
        access="unreviewed",
        date="1949-07-20",
        text="彭德懷率領第一野戰軍解放寶雞。",
    ),
]


def facets(lantai, q, audience=PUBLIC):
    return lantai.search.search(parse_request({"q": q}, lantai.settings), audience)["facets"]


@pytest.fixture
def delivery(tmp_path):
    return write_jsonl(tmp_path / "rows.jsonl", ROWS)


@pytest.fixture
def default_lantai(default_settings):
    runtime = open_lantai(default_settings)
    yield runtime
    runtime.close()


def test_entities_are_on_by_default_and_the_setting_is_validated():
    assert load_settings(env={}).ingest_entities is True
    assert load_settings(env={"LANTAI_INGEST_ENTITIES": "false"}).ingest_entities is False
    with pytest.raises(SettingsError, match="'ingest_entities'"):
        load_settings(env={"LANTAI_INGEST_ENTITIES": "sometimes"})


def test_default_ingest_stores_entities_simplified_and_deduplicated(default_lantai, delivery):
    report = default_lantai.ingester.ingest([delivery])
    assert (report.added, report.failed) == (3, 0), report.errors
    stored = default_lantai.store.entities("test-city", "J7-1")
    assert stored is not None
    assert stored["text"]["person"] == ["毛泽东"]  # twice in the text, traditional script
    assert stored["text"]["place"].count("延安") == 1
    assert "中国人民解放军" in stored["catalog"]["org"]
    names = json.dumps(stored, ensure_ascii=False)
    assert "澤" not in names and "雞" not in names and "軍" not in names
    assert "梁淑贞" in default_lantai.store.entities("test-city", "J7-2")["text"]["person"]


def test_entities_are_facets_of_the_public_search_api(default_settings, delivery):
    app = create_app(default_settings)
    app.config.update(TESTING=True)
    report = lantai_of(app).ingester.ingest([delivery])
    assert report.failed == 0, report.errors
    client = app.test_client()
    data = client.get("/api/v1/search?q=报告").get_json()
    assert data["facets"]["person"] == {"毛泽东": 1}
    assert data["facets"]["org"].get("中国人民解放军") == 1
    assert {"延安", "西柏坡"} <= set(data["facets"]["place"])
    letters = client.get("/api/v1/search?q=来信").get_json()
    assert letters["facets"]["person"] == {"梁淑贞": 1}
    everything = client.get("/api/v1/search?q=&size=50").get_json()
    assert "彭德怀" not in json.dumps(everything["facets"], ensure_ascii=False)  # closed record
    narrowed = client.get("/api/v1/search?q=&person=毛泽东").get_json()
    assert [h["archive_code"] for h in narrowed["hits"]] == ["J7-1"]


def test_learned_names_segment_as_one_word_in_a_fresh_process(default_lantai, delivery, default_settings):
    default_lantai.ingester.ingest([delivery])
    assert tokens_in_a_fresh_process(default_settings, "梁淑贞") == ["梁淑贞"]
    result = default_lantai.search.search(parse_request({"q": "梁淑贞"}, default_lantai.settings), PUBLIC)
    assert [h["archive_code"] for h in result["hits"]] == ["J7-2"]


def test_without_entities_none_are_stored_and_switching_on_fills_them(default_lantai, delivery):
    off = default_lantai.ingester.ingest([delivery], entities=False)
    assert off.added == 3
    assert default_lantai.store.entities("test-city", "J7-1") is None
    assert facets(default_lantai, "报告")["person"] == {}

    on = default_lantai.ingester.ingest([delivery])  # the default: entities on
    assert (on.added, on.updated, on.unchanged, on.entities_added, on.failed) == (0, 0, 0, 3, 0)
    assert on.as_json()["entities_added"] == 3
    assert default_lantai.store.entities("test-city", "J7-1")["text"]["person"] == ["毛泽东"]
    assert facets(default_lantai, "报告")["person"] == {"毛泽东": 1}
    assert default_lantai.store.count() == 3

    again = default_lantai.ingester.ingest([delivery])
    assert (again.unchanged, again.entities_added) == (3, 0)
    # Switched off again: unchanged records keep what was found.
    off_again = default_lantai.ingester.ingest([delivery], entities=False)
    assert off_again.unchanged == 3
    assert facets(default_lantai, "报告")["person"] == {"毛泽东": 1}


def test_switching_on_fills_records_made_of_page_files_without_reading_them(
    default_lantai, tmp_path, monkeypatch
):
    root = tmp_path / "in"
    root.mkdir()
    (root / "catalog.csv").write_text(
        "馆藏单位,档号,题名,日期,开放状态\ntest-city,J8-1,关于会议的记录,1949,开放\n", encoding="utf-8"
    )
    (root / "J8-1_001.txt").write_text("毛澤東在延安召開會議。", encoding="utf-8")
    (root / "J8-1_002.txt").write_text("會議在西柏坡結束。", encoding="utf-8")
    first = default_lantai.ingester.ingest([root], entities=False)
    assert (first.added, first.pages) == (1, 2)
    import indexer.units

    def unexpected(path, *args, **kwargs):
        raise AssertionError(f"{path} was read again")

    monkeypatch.setattr(indexer.units, "read_page_file", unexpected)  # the stored pages serve
    monkeypatch.setattr(indexer.units, "read_capped", unexpected)
    second = default_lantai.ingester.ingest([root])
    assert second.errors == []
    assert (second.entities_added, second.pages, second.unchanged) == (1, 0, 0)
    stored = default_lantai.store.entities("test-city", "J8-1")
    assert stored["text"]["person"] == ["毛泽东"]
    assert facets(default_lantai, "会议")["place"].keys() >= {"延安"}


def test_the_entity_model_setting_names_the_model_ingest_uses(tmp_path):
    import json
    import shutil

    from analyzers.entities import MODEL_DIR, load_pipeline, use_model
    from app.runtime import open_lantai
    from config import SettingsError, load_settings

    mine = tmp_path / "my-model"
    shutil.copytree(MODEL_DIR, mine)
    meta = json.loads((mine / "meta.json").read_text(encoding="utf-8"))
    (mine / "meta.json").write_text(json.dumps({**meta, "name": "county_retrained"}), encoding="utf-8")
    try:
        lantai = open_lantai(load_settings(env={}, data_dir=str(tmp_path / "data"), entity_model=str(mine)))
        lantai.close()
        assert load_pipeline().meta["name"] == "county_retrained"
        open_lantai(load_settings(env={}, data_dir=str(tmp_path / "data"))).close()
        assert load_pipeline().meta["name"] == meta["name"]  # empty: the shipped model again
    finally:
        use_model(None)
    with pytest.raises(SettingsError, match="'entity_model'.*no entity model"):
        load_settings(env={"LANTAI_ENTITY_MODEL": str(tmp_path / "nowhere")})


# --------------------------------------------------------------------------- a worker's task


def _task(code: str, title: str, text: str):  # type: ignore[no-untyped-def]
    from catalog.records import Record
    from indexer.units import UnitTask

    base = Record(archive="t", archive_code=code, title=title, text=text)
    return UnitTask(
        key=("t", code), base=base, row_hash=code, source="rows.jsonl", kind="row", sources=[], entities=True
    )


TASK = [
    ("E-1", "關於中國人民解放軍進駐寶雞的報告", "毛澤東在延安召開會議。"),
    ("E-2", "群众来信摘编", "來信人梁淑貞反映其父歷史問題，梁淑貞要求複查。"),
    ("E-3", "宝鸡市出席全国科学大会代表", "彭德怀率领第一野战军解放宝鸡。"),
]


def test_a_task_finds_the_entities_of_its_records_in_one_pass_with_the_same_result(monkeypatch):
    import analyzers.entities
    from indexer.page_types import FileOptions
    from indexer.units import analyze_task

    one_by_one = [analyze_task([_task(*row)], FileOptions())[0] for row in TASK]
    calls = []
    model = analyzers.entities.entities_of_normalized
    monkeypatch.setattr(
        analyzers.entities,
        "entities_of_normalized",
        lambda pairs, **kw: calls.append(len(pairs)) or model(pairs, **kw),
    )
    together = analyze_task([_task(*row) for row in TASK], FileOptions())
    assert calls == [2 * len(TASK)]  # catalog fields and text of every record, in one call
    assert [r.entities for r in together] == [r.entities for r in one_by_one]
    assert [r.doc for r in together] == [r.doc for r in one_by_one]
    assert together[0].entities["text"]["person"] == ["毛泽东"]
    assert together[2].entities["catalog"]["place"] == ["宝鸡市"]


def test_a_record_whose_entities_fail_fails_alone(monkeypatch):
    import analyzers.entities
    from indexer.page_types import FileOptions
    from indexer.units import analyze_task

    model = analyzers.entities.entities_of_normalized

    def broken_on_letters(pairs, **kw):  # type: ignore[no-untyped-def]
        if any("来信" in norm.text for _, norm in pairs):
            raise ValueError("the model broke")
        return model(pairs, **kw)

    monkeypatch.setattr(analyzers.entities, "entities_of_normalized", broken_on_letters)
    results = analyze_task([_task(*row) for row in TASK], FileOptions())
    assert [r.doc is None for r in results] == [False, True, False]
    assert "could not be analysed: ValueError: the model broke" in str(results[1].problems[0])
    assert results[0].entities["text"]["person"] == ["毛泽东"] and results[2].entities is not None


@pytest.mark.parametrize("entities", [True, False])
def test_with_entities_on_a_worker_gets_several_records_per_task(entities):
    from concurrent.futures import Future

    from indexer.report import IngestReport, Tally
    from indexer.units import Source
    from indexer.workers import ENTITY_TASK_COST, TASK_COST, Analysis

    sent: list[int] = []

    class Pool:  # stands in for the process pool: records what each task holds
        def submit(self, fn, tasks, options):  # type: ignore[no-untyped-def]
            sent.append(len(tasks))
            done: Future = Future()
            done.set_result([])
            return done

    analysis = Analysis(lambda results: None, Tally(IngestReport()), workers=2, entities=entities)
    analysis.pool = Pool()  # type: ignore[assignment]
    for n in range(60):  # one page file each: a cost of 3
        task = _task(f"E-{n}", "题名", "")
        task.sources = [Source(path=f"p{n}.txt", attach="listed", order=0)]
        analysis.submit(task)
    analysis.drain()
    assert sum(sent) == 60
    expected = -(-(ENTITY_TASK_COST if entities else TASK_COST) // 3)  # units until the cost is reached
    assert sent[0] == expected and (sent[0] >= 10 if entities else sent[0] <= 3)


def test_one_worker_analyses_a_task_at_a_time_not_the_whole_delivery_at_the_end(monkeypatch):
    import indexer.workers
    from indexer.report import IngestReport, Tally
    from indexer.workers import Analysis

    sizes: list[int] = []
    monkeypatch.setattr(
        indexer.workers, "analyze_task", lambda tasks, options: sizes.append(len(tasks)) or []
    )
    analysis = Analysis(lambda results: None, Tally(IngestReport()), workers=1, entities=True)
    for n in range(100):
        analysis.submit(_task(f"E-{n}", "题名", ""))
    assert sizes and sum(sizes) < 100  # analysed while the units came, before the drain
    analysis.drain()
    assert sum(sizes) == 100 and max(sizes) <= 40


def test_the_workers_are_forked_after_the_analysis_is_loaded_and_frozen(monkeypatch):
    import indexer.workers
    from indexer.report import IngestReport, Tally
    from indexer.workers import Analysis

    steps: list[str] = []
    monkeypatch.setattr(indexer.workers, "warm_up", lambda *, entities: steps.append(f"warm_up {entities}"))
    monkeypatch.setattr(indexer.workers, "ProcessPoolExecutor", lambda *a, **k: steps.append("fork"))
    for entities in (True, False):
        Analysis(lambda results: None, Tally(IngestReport()), workers=2, entities=entities)._start_pool()
    assert steps == ["warm_up True", "fork", "warm_up False", "fork"]


def test_one_worker_prepares_the_analysis_once_a_run_is_long_enough(monkeypatch):
    import indexer.workers
    from indexer.report import IngestReport, Tally
    from indexer.workers import INLINE_UNITS, Analysis

    steps: list[str] = []
    monkeypatch.setattr(indexer.workers, "warm_up", lambda *, entities: steps.append(f"warm_up {entities}"))
    monkeypatch.setattr(indexer.workers, "analyze_task", lambda tasks, options: [])
    short = Analysis(lambda results: None, Tally(IngestReport()), workers=1, entities=True)
    for n in range(INLINE_UNITS - 1):  # a few records (a staff upload): nothing to prepare
        short.submit(_task(f"E-{n}", "题名", ""))
    short.drain()
    assert steps == []
    long = Analysis(lambda results: None, Tally(IngestReport()), workers=1, entities=True)
    for n in range(3 * INLINE_UNITS):
        long.submit(_task(f"E-{n}", "题名", ""))
    long.drain()
    assert steps == ["warm_up True"]
