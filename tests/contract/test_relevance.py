"""Relevance you can explain: the known-item set ranks its records high on both backends, and
each ``relevance_*`` setting moves ranking the way its name says, on both backends alike."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from app.runtime import Lantai, open_lantai
from catalog.policy import PUBLIC
from config import SettingsError, load_settings
from search.params import parse_request
from search.relevance import Relevance
from tests.conftest import record, write_jsonl
from tests.fixtures.known_items import KNOWN_ITEMS, SAMPLE_FILES, mean_reciprocal_rank, rank_known_items

BACKENDS = ["sqlite", "opensearch"]
MRR_FLOOR = 0.9  # both backends score 1.0 with the default settings (docs/benchmarks.md)

# Each pair of records below meets one query: the first (A) in the field a setting weighs,
# the second (B) in the full text only, several times. The words are in no sample record
# (so no ingest has taught the segmenter them). Every record has a creator, as real ones do.
CORPUS = [
    record("R001-001-0001", "关于锅盔的报告", text="内容从略。"),
    record("R001-001-0002", "关于面食的报告", text="锅盔三张，锅盔两张，锅盔一张。"),
    record("R002-001-0001", "关于会议的报告", subjects=["剪纸"], text="内容从略。"),
    record("R002-001-0002", "关于节日的报告", text="剪纸窗花，剪纸门神，剪纸作品。"),
    record("R003-001-0001", "关于工厂的报告", creator="唢呐队", text="内容从略。"),
    record("R003-001-0002", "关于演出的报告", text="唢呐演奏，唢呐独奏，唢呐名家。"),
    record("R004-001-0001", "关于档案的报告", text="内容从略。"),
    record("R004-001-0002", "关于卷宗的报告", text="参见R004号，R004号，R004号。"),
    # The words of 宝鸡 解放 together once (A), or apart, each three times (B).
    record("R005-001-0001", "关于纪念的报告", text="宝鸡解放纪念大会召开。"),
    record(
        "R005-001-0002", "关于城市的报告", text="宝鸡城外，解放军到达，宝鸡市民，解放区，宝鸡城内，解放路。"
    ),
    # The same record twice, older and newer: only the tie-break order parts them.
    record("R006-001-0001", "关于扫盲的报告", date="1950-01-01", text="冬学扫盲。"),
    record("R006-001-0002", "关于扫盲的报告", date="1990-01-01", text="冬学扫盲。"),
    # 目录开放: the phrase is in its text, which the public may not search, so the public
    # score must not move with the phrase boost.
    record(
        "R007-001-0001",
        "凤翔县档案馆关于西府战役的报告",
        access="catalog_only",
        subjects=["战役", "凤翔"],
        text="凤翔战役纪念。",
    ),
]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def data(backend, tmp_path_factory, request) -> Iterator[dict]:
    """Settings of a runtime with ``CORPUS`` ingested (on OpenSearch, its own index)."""
    overrides = {}
    if backend == "opensearch":
        url = request.getfixturevalue("opensearch_url")
        overrides = {"opensearch_url": url, "index": f"t{uuid.uuid4().hex}"}
    folder = tmp_path_factory.mktemp(f"relevance-{backend}")
    settings = load_settings(
        env={}, data_dir=str(folder / "data"), backend=backend, ingest_entities=False, **overrides
    )
    runtime = open_lantai(settings)
    try:
        rows = [{"creator": "某县人民政府", **row} for row in CORPUS]
        report = runtime.ingester.ingest([write_jsonl(folder / "corpus.jsonl", rows)])
        assert report.failed == 0, report.errors
        yield {"settings": settings}
    finally:
        if backend == "opensearch":
            runtime.backend.drop()  # type: ignore[attr-defined]
        runtime.close()


def scores(data: dict, q: str, **settings) -> dict[str, float]:
    """The public answer to ``q`` as {档号: score}, in order, with some settings changed."""
    runtime = open_lantai(data["settings"].with_overrides(**settings))
    try:
        hits = runtime.search.search(parse_request({"q": q}, runtime.settings), PUBLIC)["hits"]
        return {hit["archive_code"]: hit["score"] for hit in hits}
    finally:
        runtime.close()


def ranked(data: dict, q: str, **settings) -> list[str]:
    """The 档号 of the public answer to ``q``, in order, with some settings changed."""
    return list(scores(data, q, **settings))


def test_raising_the_title_weight_moves_a_title_match_above_a_text_only_match(data):
    assert ranked(data, "锅盔", relevance_title_weight=0.1) == ["R001-001-0002", "R001-001-0001"]
    assert ranked(data, "锅盔", relevance_title_weight=20) == ["R001-001-0001", "R001-001-0002"]


def test_raising_the_text_weight_moves_a_text_match_above_a_title_match(data):
    assert ranked(data, "锅盔")[0] == "R001-001-0001"
    assert ranked(data, "锅盔", relevance_text_weight=60)[0] == "R001-001-0002"


def test_raising_the_subjects_weight_moves_a_subject_match_above_a_text_only_match(data):
    assert ranked(data, "剪纸", relevance_subjects_weight=0.1) == ["R002-001-0002", "R002-001-0001"]
    assert ranked(data, "剪纸", relevance_subjects_weight=30) == ["R002-001-0001", "R002-001-0002"]


def test_raising_the_creator_weight_moves_a_creator_match_above_a_text_only_match(data):
    assert ranked(data, "唢呐", relevance_creator_weight=0.1) == ["R003-001-0002", "R003-001-0001"]
    assert ranked(data, "唢呐", relevance_creator_weight=30) == ["R003-001-0001", "R003-001-0002"]


def test_raising_the_code_boost_moves_a_record_of_that_fonds_above_one_citing_it(data):
    assert ranked(data, "R004", relevance_code_boost=0.1) == ["R004-001-0002", "R004-001-0001"]
    assert ranked(data, "R004", relevance_code_boost=30) == ["R004-001-0001", "R004-001-0002"]


def test_the_phrase_boost_moves_the_words_together_above_the_words_apart(data):
    assert ranked(data, "宝鸡 解放", relevance_phrase_boost=1) == ["R005-001-0002", "R005-001-0001"]
    assert ranked(data, "宝鸡 解放", relevance_phrase_boost=5) == ["R005-001-0001", "R005-001-0002"]
    assert ranked(data, "宝鸡解放", relevance_phrase_boost=5)[0] == "R005-001-0001"


def test_the_phrase_boost_multiplies_the_score_it_boosts(data):
    plain = scores(data, "宝鸡 解放", relevance_phrase_boost=1)
    boosted = scores(data, "宝鸡 解放", relevance_phrase_boost=3)
    assert boosted["R005-001-0001"] == pytest.approx(3 * plain["R005-001-0001"], rel=1e-3)
    assert boosted["R005-001-0002"] == plain["R005-001-0002"]


def test_the_phrase_boost_never_reads_text_the_public_may_not_search(data):
    # 凤翔战役 is together only in the closed text of a 目录开放 record.
    plain = scores(data, "凤翔 战役", relevance_phrase_boost=1)
    boosted = scores(data, "凤翔 战役", relevance_phrase_boost=5)
    assert list(plain) == ["R007-001-0001"]
    assert boosted == plain


def test_the_tie_break_order_parts_records_of_equal_score(data):
    assert ranked(data, "扫盲") == ["R006-001-0001", "R006-001-0002"]  # title, then oldest
    assert ranked(data, "扫盲", relevance_tie_break="newest") == ["R006-001-0002", "R006-001-0001"]
    assert ranked(data, "扫盲", relevance_tie_break="title,newest") == ["R006-001-0002", "R006-001-0001"]
    # A later title key is a sort key of its own on OpenSearch (a script), not a score boost.
    assert ranked(data, "扫盲", relevance_tie_break="date,title") == ["R006-001-0001", "R006-001-0002"]
    assert ranked(data, "报告 扫盲", relevance_tie_break="newest,title")[0] == "R006-001-0002"


def test_the_tie_break_order_is_checked_and_read_from_the_environment():
    with pytest.raises(SettingsError, match="relevance_tie_break"):
        load_settings(env={"LANTAI_RELEVANCE_TIE_BREAK": "title,score"})
    with pytest.raises(SettingsError, match="twice"):
        load_settings(env={"LANTAI_RELEVANCE_TIE_BREAK": "date,newest"})
    settings = load_settings(
        env={"LANTAI_RELEVANCE_TIE_BREAK": "newest", "LANTAI_RELEVANCE_TITLE_WEIGHT": "4"}
    )
    relevance = Relevance.from_settings(settings)
    assert relevance.tie_break == ("newest",)
    assert relevance.field_weights()["title_words"] == 4.0


@pytest.fixture(scope="module")
def samples(backend, tmp_path_factory, request) -> Iterator[Lantai]:
    """A runtime on ``backend`` with the sample records ingested (the demo's data)."""
    overrides = {}
    if backend == "opensearch":
        url = request.getfixturevalue("opensearch_url")
        overrides = {"opensearch_url": url, "index": f"t{uuid.uuid4().hex}"}
    folder = tmp_path_factory.mktemp(f"samples-{backend}")
    settings = load_settings(
        env={}, data_dir=str(folder), backend=backend, ingest_entities=False, **overrides
    )
    runtime = open_lantai(settings)
    try:
        report = runtime.ingester.ingest(SAMPLE_FILES)
        assert report.failed == 0, report.errors
        yield runtime
    finally:
        if backend == "opensearch":
            runtime.backend.drop()  # type: ignore[attr-defined]
        runtime.close()


def test_the_known_items_rank_high_on_both_backends(samples):
    ranks = rank_known_items(samples)
    assert 20 <= len(KNOWN_ITEMS) <= 40
    missed = [(r.query, r.rank) for r in ranks if r.rank != 1]
    assert mean_reciprocal_rank(ranks) >= MRR_FLOOR, missed


def test_a_text_heavy_weighting_ranks_the_known_items_lower(samples):
    """The set notices a worse weighting: the full text weighing as much as the title."""
    worse = open_lantai(samples.settings.with_overrides(relevance_title_weight=1, relevance_text_weight=20))
    try:
        assert mean_reciprocal_rank(rank_known_items(worse)) < mean_reciprocal_rank(rank_known_items(samples))
    finally:
        worse.close()
