"""Facet names (检索项名称): what becomes a person, place or org facet value and entity page.

The record fixture (``tests/fixtures/facets/records.json``: sample records and a few
People's Daily sentences) names, per record, the facet values a reader expects and the
fragments a reader would call wrong. Expected names are prominent, unambiguous ones, so a
better model keeps finding them; the fragments are what an earlier model produced. Names
a reader expects that the shipped model misses are listed as ``missed`` (not asserted;
a better model may find them).
"""

from __future__ import annotations

import csv
import json
import unicodedata
from pathlib import Path

import pytest

from analyzers.entities import extract_entities
from analyzers.entities.names import MIN_CONFIDENCE, SURE, clean_name, facet_name, remembered_facet_name
from catalog.records import Record, record_from_row
from indexer.record_entities import find_entities
from tests.conftest import REPO

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "facets" / "records.json"
RECORDS = json.loads(FIXTURE.read_text("utf-8"))
FACETS = ("person", "place", "org")
#: Never a facet value, in any record (issue 15: what the samples showed before).
FRAGMENTS = {
    "person": {"凤翔县", "佰元", "建土", "宝鸡市", "玉米", "石磬", "李姓", "孟寒川案"},
    "place": {"日", "美", "华", "宁", "陕", "甘"},
    "org": {"制委员会", "全国科", "委员会", "政委员会"},
}


def facet_values(record: Record) -> dict[str, set[str]]:
    """Facet values of a record as ingest finds them (catalog fields and text)."""
    found = find_entities(record)
    return {facet: {n for part in found.values() for n in part.get(facet, ())} for facet in FACETS}


def fixture_record(entry: dict, n: int) -> Record:
    return record_from_row(
        {
            "档号": f"F-{n}",
            "题名": entry["title"] or "无题",
            "主题词": "；".join(entry["subjects"]),
            "摘要": entry["description"],
            "全文": entry["text"],
        },
        "fixture",
    )


def sample_records() -> list[Record]:
    lines = (REPO / "samples" / "baoji-city.jsonl").read_text("utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    with (REPO / "samples" / "fengxiang-county.csv").open(encoding="utf-8") as handle:
        rows += list(csv.DictReader(handle))
    return [record_from_row(row) for row in rows]


@pytest.fixture(scope="module")
def fixture_values() -> list[dict[str, set[str]]]:
    return [facet_values(fixture_record(entry, n)) for n, entry in enumerate(RECORDS)]


@pytest.mark.parametrize("n", range(len(RECORDS)), ids=[e["source"] for e in RECORDS])
def test_fixture_records_give_the_names_a_reader_expects(fixture_values, n: int) -> None:
    entry, found = RECORDS[n], fixture_values[n]
    for facet, names in entry["expect"].items():
        assert set(names) <= found[facet], (facet, found[facet])
    for facet, names in entry["never"].items():
        assert not set(names) & found[facet], (facet, found[facet])


def test_fixture_expects_names_of_every_facet() -> None:
    expected = {facet for entry in RECORDS for facet, names in entry["expect"].items() if names}
    assert expected == set(FACETS)


def _is_clean(name: str) -> bool:
    return (
        len(name) >= 2
        and name == name.strip()
        and not any(unicodedata.category(c)[0] in "PSZC" and c != "·" for c in name)
    )


def test_every_sample_facet_value_is_a_clean_whole_name() -> None:
    seen: dict[str, set[str]] = {facet: set() for facet in FACETS}
    for record in sample_records():
        for facet, names in facet_values(record).items():
            seen[facet] |= names
    for facet, names in seen.items():
        assert names, facet  # the samples do name people, places and organisations
        assert all(_is_clean(n) for n in names), (facet, sorted(n for n in names if not _is_clean(n)))
        assert not names & FRAGMENTS[facet], (facet, names & FRAGMENTS[facet])
    assert not {n for n in seen["person"] if n.endswith(("县", "市", "省", "区", "镇", "乡", "村"))}
    traditional = {n for names in seen.values() for n in names if n != extract_simplified(n)}
    assert not traditional


def extract_simplified(name: str) -> str:
    from analyzers.normalize import normalize

    return normalize(name).text


# --------------------------------------------------------------------------- facet_name, the rules


@pytest.mark.parametrize(
    ("text", "label", "kwargs", "expected"),
    [
        ("江泽民", "PERSON", {"confidence": 0.97, "word_tag": "nr"}, "江泽民"),
        ("“江泽民”", "PERSON", {"confidence": 0.97}, "江泽民"),
        ("阿沛·阿旺晋美", "PERSON", {"confidence": 0.8}, "阿沛·阿旺晋美"),
        ("克林顿", "PERSON", {"confidence": 0.95, "word_tag": "nr"}, "克林顿"),  # no surname, but sure
        ("克林顿", "PERSON", {"confidence": 0.7, "word_tag": "nr"}, None),
        ("凤翔县", "PERSON", {"confidence": 0.95}, None),  # a county, not a person
        ("佰元", "PERSON", {"confidence": 0.7}, None),
        ("建土", "PERSON", {"confidence": 0.7}, None),
        ("李姓", "PERSON", {"confidence": 0.9}, None),  # "surnamed Li"
        ("孟寒川案", "PERSON", {"confidence": 0.9}, None),  # "the case of 孟寒川"
        ("李鹏", "PERSON", {"confidence": MIN_CONFIDENCE - 0.01}, None),  # not confident enough
        ("江泽民、李鹏", "PERSON", {"confidence": 0.9}, None),  # two names run together
        ("美", "PLACE", {"confidence": 0.9}, "美国"),
        ("日", "PLACE", {"confidence": 0.9}, "日本"),
        ("华", "PLACE", {"confidence": 0.99}, None),  # 中华? 华北? 华人?
        ("宁", "PLACE", {"confidence": 0.99}, None),  # 南京? 宁夏?
        ("平房", "PLACE", {"word_tag": "n", "cut_inside_word": True, "divisions": frozenset({"平房"})}, None),
        (
            "宝鸡市",
            "PLACE",
            {"confidence": 0.2, "word_tag": "ns", "divisions": frozenset({"宝鸡市"})},
            "宝鸡市",
        ),
        ("宝鸡", "PLACE", {"confidence": 0.9, "word_tag": "n", "divisions": frozenset({"宝鸡"})}, "宝鸡"),
        ("制委员会", "ORG", {"confidence": 0.99, "cut_inside_word": True}, None),  # of 军事管制委员会
        ("全国科", "ORG", {"confidence": 0.99, "cut_inside_word": True}, None),  # of 全国科学大会
        ("委员会", "ORG", {"confidence": 0.99, "word_tag": "n"}, None),  # which one?
        ("国务院", "ORG", {"confidence": 0.99, "word_tag": "nt"}, "国务院"),
        ("县委宣传部", "ORG", {"confidence": 0.99}, None),  # which county's?
        ("各乡镇妇联", "ORG", {"confidence": 0.99}, None),
        ("本溪", "PLACE", {"confidence": 0.99, "divisions": frozenset({"本溪"})}, "本溪"),
        ("东至", "PLACE", {"confidence": 0.66, "word_tag": "ns", "common_words": frozenset({"东至"})}, None),
        (
            "东至",
            "PLACE",
            {"confidence": 0.95, "word_tag": "ns", "common_words": frozenset({"东至"})},
            "东至",
        ),
        ("东至", "PLACE", {"divisions": frozenset({"东至"}), "common_words": frozenset({"东至"})}, None),
    ],
)
def test_facet_name_rules(text: str, label: str, kwargs: dict, expected: str | None) -> None:
    assert facet_name(text, label, **kwargs) == expected


def test_the_remembered_facet_name_answers_as_the_rules_do_at_every_confidence() -> None:
    names = [
        ("江泽民", "PERSON", "nr"),
        ("克林顿", "PERSON", "nr"),
        ("美", "PLACE", None),
        ("宝鸡", "PLACE", "n"),
    ]
    names += [("国务院", "ORG", "nt"), ("委员会", "ORG", "n"), ("李姓", "PERSON", None)]
    steps = sorted({i / 100 for i in range(101)} | {MIN_CONFIDENCE, SURE, 0.3, 0.3 - 1e-9, SURE - 1e-9})
    answers = set()
    for text, label, tag in names:
        for confidence in [None, *steps]:
            for cut in (False, True):
                for minimum in (None, 0.3, 0.95):
                    kwargs = {
                        "confidence": confidence,
                        "cut_inside_word": cut,
                        "word_tag": tag,
                        "divisions": frozenset({"宝鸡"}),
                        "common_words": frozenset({"宝鸡"}) if cut else frozenset(),
                        "min_confidence": minimum,
                    }
                    expected = facet_name(text, label, **kwargs)
                    assert remembered_facet_name(text, label, **kwargs) == expected, (text, kwargs)
                    answers.add(expected)
    assert None in answers and "克林顿" in answers and "美国" in answers  # the thresholds were crossed


def test_clean_name_strips_edges_and_refuses_inner_punctuation() -> None:
    assert clean_name(" 《宝鸡》 ") == "宝鸡"
    assert clean_name("宝鸡，凤翔") is None
    assert clean_name("……") is None


def test_facet_names_are_simplified_and_mentions_stay_listed() -> None:
    text = "寶雞市軍事管制委員會第一號佈告"
    entities = extract_entities(text)
    assert all(
        e["normalized"] is None or e["normalized"] == extract_simplified(e["normalized"]) for e in entities
    )
    assert all(text[e["start"] : e["end"]] == e["text"] for e in entities)


@pytest.mark.parametrize("words", [True, False])
def test_a_mention_cut_inside_a_word_is_seen_with_or_without_word_features(words: bool) -> None:
    import spacy

    from analyzers.entities.components import CharTokenizer, cut_inside_word

    nlp = spacy.blank("zh")
    nlp.tokenizer = CharTokenizer(nlp.vocab, words=words)
    doc = nlp.make_doc("宝鸡市军事管制委员会第一号布告")
    assert cut_inside_word(doc, doc.char_span(5, 10))  # 制委员会 of 管制
    assert not cut_inside_word(doc, doc.char_span(0, 10))  # 宝鸡市军事管制委员会
