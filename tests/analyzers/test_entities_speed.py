"""The faster entity analysis gives the same results as the plain one: Viterbi shortcut,
direct character docs, batched analysis (``analyze_many``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analyzers
from analyzers import segment
from analyzers.entities import dates
from analyzers.entities.components import Divisions
from analyzers.entities.tagger import viterbi_biluo

TAGS = ("O", "B-PERSON", "I-PERSON", "L-PERSON", "U-PERSON", "B-ORG", "I-ORG", "L-ORG", "U-ORG")


def _allowed(a: str, b: str) -> bool:
    return b[0] in "OBU" if a[0] in "OLU" else b[0] in "IL" and b[2:] == a[2:]


def _well_formed(path: list[int]) -> bool:
    tags = [TAGS[i] for i in path]
    if not tags:
        return True
    steps = all(_allowed(a, b) for a, b in zip(tags, tags[1:], strict=False))
    return tags[0][0] in "OBU" and tags[-1][0] in "OLU" and steps


def _reference(scores: numpy.ndarray) -> list[int]:
    """The textbook dynamic programme, in plain Python (float64 sums)."""
    if not len(scores):
        return []
    size = len(TAGS)
    best = [float(scores[0, j]) if TAGS[j][0] in "OBU" else -numpy.inf for j in range(size)]
    back = []
    for t in range(1, len(scores)):
        came = [
            max((i for i in range(size) if _allowed(TAGS[i], TAGS[j])), key=lambda i: best[i])
            for j in range(size)
        ]
        best = [best[came[j]] + float(scores[t, j]) for j in range(size)]
        back.append(came)
    path = [max((j for j in range(size) if TAGS[j][0] in "OLU"), key=lambda j: best[j])]
    for came in reversed(back):
        path.append(came[path[-1]])
    return path[::-1]


def _peaked(path: list[int], rng: numpy.random.Generator) -> numpy.ndarray:
    """Scores whose per-token best tags are ``path``."""
    scores = rng.standard_normal((len(path), len(TAGS))).astype("f")
    scores[numpy.arange(len(path)), path] += 10
    return scores


def test_viterbi_keeps_well_formed_best_tags_and_mends_the_others() -> None:
    rng = numpy.random.default_rng(3)
    well = [0, 1, 2, 3, 0, 4, 5, 7, 0, 0, 8]  # O B I L O U B L O O U: well formed
    ill = [0, 2, 3, 0, 1, 0, 6, 0, 1]  # starts with I, B then O, I alone ...
    assert _well_formed(well) and not _well_formed(ill)
    scores = [
        _peaked(well, rng),
        _peaked(ill, rng),
        rng.standard_normal((300, len(TAGS))).astype("f") * 3,
        _peaked(well * 5, rng),
        rng.standard_normal((0, len(TAGS))).astype("f"),
    ]
    paths = [list(p) for p in viterbi_biluo(scores, TAGS)]
    assert paths == [_reference(s) for s in scores]
    assert paths[0] == well and paths[3] == well * 5  # the best tags, kept
    assert paths[1] != ill and _well_formed(paths[1])
    assert all(_well_formed(p) for p in paths)


# --------------------------------------------------------------------------- rules

DATE_ALPHABET = "0123456789〇零○一二三四五六七八九十廿卅年月日号份世纪代公元民国光绪去今同上本个下-/. 的在，"


def _record_texts() -> list[str]:
    return [r["text"] for r in json.loads(FIXTURE.read_text("utf-8"))]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=DATE_ALPHABET, max_size=40))
def test_dates_are_tried_only_where_one_may_start_and_found_as_by_the_whole_pattern(text: str) -> None:
    assert [m.span() for m in dates._matches(text)] == [m.span() for m in dates._PATTERN.finditer(text)]


def test_dates_of_record_texts_are_found_as_by_the_whole_pattern() -> None:
    texts = [
        *_record_texts(),
        "1949年7月14日和一九四九年七月，民国三十八年五月，光绪二十年",
        "去年7月和5月23日，2000年历史，1949-10-01，同年，上个月15日",
        "1950年代，二十世纪五十年代，公元1912年",
    ]
    found = [[m.span() for m in dates._matches(t)] for t in texts]
    assert found == [[m.span() for m in dates._PATTERN.finditer(t)] for t in texts]
    assert sum(map(len, found)) > 10


def _division_names_one_by_one(gazetteer: Divisions, text: str) -> list[tuple[int, int]]:
    """The longest names left to right, trying every position."""
    out, i = [], 0
    while i < len(text):
        size = next((k for k in range(len(text) - i, 0, -1) if text[i : i + k] in gazetteer.names), 0)
        if size:
            out.append((i, i + size))
        i += size or 1
    return out


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["宝鸡市", "宝鸡", "陈仓区", "眉县", "北京", "北京市", "的", "东", "宝", "市"]),
        max_size=12,
    )
)
def test_division_names_are_found_where_their_first_two_characters_stand(parts: list[str]) -> None:
    gazetteer = Divisions()
    text = "".join(parts)
    assert gazetteer.matches(text) == _division_names_one_by_one(gazetteer, text)


def test_division_names_of_record_texts_are_found_as_trying_every_position() -> None:
    gazetteer = Divisions()
    texts = _record_texts()
    found = [gazetteer.matches(t) for t in texts]
    assert found == [_division_names_one_by_one(gazetteer, t) for t in texts]
    assert sum(map(len, found)) > 10
    single = Divisions(min_length=1)
    assert single.matches("县城在宝鸡") == _division_names_one_by_one(single, "县城在宝鸡")


# --------------------------------------------------------------------------- analyze_many

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "facets" / "records.json"


def _fresh_dictionary() -> None:
    """An empty set of learned words and a segmenter built anew."""
    segment._added.clear()
    segment._tokenizer = None


@pytest.fixture
def own_dictionary(monkeypatch):
    """Names learned by analyze() go into a throw-away segmenter dictionary."""
    monkeypatch.setattr(segment, "_added", set())
    monkeypatch.setattr(segment, "_tokenizer", None)


def test_analyze_many_equals_analyze_per_text(own_dictionary) -> None:
    records = json.loads(FIXTURE.read_text("utf-8"))
    texts = [r["text"] for r in records] + [
        "",
        "国家主席江泽民今天上午在人民大会堂会见了美国总统克林顿。",
        "1949年7月14日《關於土地改革的報告》",
    ]
    many = analyzers.analyze_many(texts, batch_size=4)  # several batches
    learned = set(segment._added)
    _fresh_dictionary()
    one_by_one = [analyzers.analyze(t) for t in texts]
    assert many == one_by_one
    assert learned == segment._added and learned  # the same names learned, in both ways
    assert any(e["label"] == "PERSON" for r in many for e in r["entities"])


def test_facet_names_are_their_own_normalized_form(own_dictionary) -> None:
    # analyze() learns them without normalizing them again (add_words(..., normalized=True))
    texts = [
        *_record_texts(),
        "國家主席江澤民今天上午在人民大會堂會見了美國總統克林頓。",
        "ＩＢＭ公司和Ｗｏｒｌｄ Ｂａｎｋ在北京",
    ]
    names = {
        n
        for r in analyzers.analyze_many(texts)
        for ns in analyzers.entity_names(r["entities"]).values()
        for n in ns
    }
    assert len(names) > 20
    assert {n for n in names if analyzers.normalize(n).text != n} == set()
    assert {n for n in names if len(n) > 1} <= segment._added


# --------------------------------------------------------------------------- plain values


def test_entities_read_as_plain_values_equal_those_read_from_spans() -> None:
    # _entities reads doc.ents as Mention values and the word features from the TAG array;
    # spaCy's own Spans and Tokens give the same entities and facet names
    from analyzers.entities import _common_word_places, _entities, facet_value, load_pipeline
    from analyzers.entities.components import TITLE_SPANS_KEY

    texts = [
        analyzers.normalize(t).text[:500]
        for t in [
            *_record_texts(),
            "国家主席江泽民 今天在人民大会堂会见了美国总统克林顿和宝鸡市人民政府的代表。",
        ]
    ]
    common = _common_word_places()
    plain, by_spans = [], []
    for text, doc in zip(texts, load_pipeline().pipe(texts), strict=True):
        plain.append(
            [
                (e["start"], e["end"], e["label"], e["normalized"])
                for e in _entities(doc, 0, analyzers.normalize(text), text, None, common)
            ]
        )
        spans = sorted(
            [*doc.ents, *doc.spans.get(TITLE_SPANS_KEY, ())], key=lambda s: (s.start_char, -s.end_char)
        )
        by_spans.append(
            [
                (
                    e.start_char,
                    e.end_char,
                    e.label_,
                    facet_value(doc, e) if e.label_ in ("PERSON", "PLACE", "ORG") else e._.lantai_normalized,
                )
                for e in spans
            ]
        )
    assert plain == by_spans
    assert sum(v is not None for doc in by_spans for *_, v in doc) > 20


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="宝鸡市档案局的 ，。、AbZ9１（）\n\t-·", max_size=8).filter(bool))
def test_word_feature_ids_are_the_ids_of_the_word_features(word: str) -> None:
    from spacy.strings import StringStore

    from analyzers.entities.char_tokens import WordFeatures

    features, strings = WordFeatures(whole=True), StringStore()
    _, tags = features._load()
    tags = {**tags, "宝鸡": "ns"}
    expected = [strings.add(f) for f in WordFeatures._word_features(word, tags)]
    assert features._word_ids(word, tags, strings) == expected
    assert features._word_ids(word, tags, strings) == expected  # the tag's ids, remembered


WARM_UP = """
import gc, analyzers, analyzers.entities as entities
before = gc.get_freeze_count()
analyzers.warm_up()
frozen = gc.get_freeze_count()
analyzers.analyze_many(["宝鸡市档案馆1949年的档案"] * 3)
analyzers.warm_up()
print(before, frozen, gc.get_freeze_count(), entities._nlp is not None)
"""


def test_warm_up_loads_the_analysis_and_freezes_it_once_per_process() -> None:
    # in a process of its own: this one may have frozen its objects already
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", WARM_UP], capture_output=True, text=True, check=True)
    before, frozen, later, loaded = out.stdout.split()
    assert before == "0" and int(frozen) > 100_000  # the model, jieba, the modules
    assert later == frozen  # what a process makes later stays with the collector
    assert loaded == "True"
