"""Entities: the shipped model, offsets into the original text, dates, titles, gazetteer."""

from __future__ import annotations

import doctest
import importlib
from datetime import date

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analyzers
from analyzers import segment
from analyzers.entities import (
    MODEL_DIR,
    entity_names,
    extract_entities,
    extract_entities_batch,
    load_pipeline,
)
from analyzers.entities.components import CharTokenizer, Divisions, entity_confidence
from analyzers.entities.dates import find_dates

PEOPLES_DAILY_LIKE = "国家主席江泽民今天上午在人民大会堂会见了美国总统克林顿。"


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


@pytest.fixture
def own_dictionary(monkeypatch):
    """Names learned by analyze() go into a throw-away segmenter dictionary."""
    monkeypatch.setattr(segment, "_added", set(segment._added))
    monkeypatch.setattr(segment, "_tokenizer", None)


def found(text: str, label: str | None = None) -> list[tuple[str, str, str | None]]:
    return [
        (e["text"], e["label"], e["normalized"])
        for e in extract_entities(text)
        if label is None or e["label"] == label
    ]


def assert_offsets(text: str, entities: list[dict]) -> None:
    for e in entities:
        assert 0 <= e["start"] < e["end"] <= len(text), e
        assert text[e["start"] : e["end"]] == e["text"], e


# --------------------------------------------------------------------------- the model


@pytest.mark.parametrize("name", ["analyzers.entities", "analyzers.entities.dates"])
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
    assert result.attempted > 0


def test_model_ships_in_the_repository_and_loads_once(nlp) -> None:
    assert MODEL_DIR.is_dir() and MODEL_DIR.parent.name == "entities"
    size = sum(p.stat().st_size for p in MODEL_DIR.rglob("*") if p.is_file())
    assert size < 30 * 1024 * 1024
    assert load_pipeline() is nlp
    assert nlp.pipe_names == ["tok2vec", "ner", "lantai_doc_titles", "lantai_dates", "lantai_divisions"]
    assert set(nlp.get_pipe("ner").labels) == {"PERSON", "PLACE", "ORG"}


def test_model_finds_people_places_and_organisations() -> None:
    entities = found(PEOPLES_DAILY_LIKE)
    assert ("江泽民", "PERSON", "江泽民") in entities
    assert ("克林顿", "PERSON", "克林顿") in entities
    assert any(label == "PLACE" and name == "美国" for _, label, name in entities)


def test_traditional_input_gives_original_offsets_and_simplified_names() -> None:
    text = "國家主席江澤民今天上午在人民大會堂會見了美國總統克林頓。"
    entities = extract_entities(text)
    assert_offsets(text, entities)
    assert ("江澤民", "PERSON", "江泽民") in [(e["text"], e["label"], e["normalized"]) for e in entities]


def test_converter_debris_and_spaces_stay_inside_original_spans() -> None:
    text = "國家主席江澤(zé)民今天在北(běi)京會見了美國總統克林頓。档 案 馆"
    entities = extract_entities(text)
    assert_offsets(text, entities)
    people = {e["normalized"]: e for e in entities if e["label"] == "PERSON"}
    assert people["江泽民"]["text"] == "江澤(zé)民"
    places = {e["normalized"]: e for e in entities if e["label"] == "PLACE"}
    assert places["北京"]["text"] == "北(běi)京"


def test_full_width_and_combining_characters_map_back() -> None:
    text = "１９４９年７月１４日，江泽民到达北京。Cafe\u0301"
    entities = extract_entities(text)
    assert_offsets(text, entities)
    assert ("１９４９年７月１４日", "DATE", "1949-07-14") in [
        (e["text"], e["label"], e["normalized"]) for e in entities
    ]


def test_long_text_offsets_past_the_first_piece() -> None:
    filler = "会议讨论了有关工作的安排并作出决定。" * 200
    text = filler + PEOPLES_DAILY_LIKE + filler + "《宝鸡市志》"
    entities = extract_entities(text)
    assert_offsets(text, entities)
    assert any(e["normalized"] == "江泽民" and e["start"] == len(filler) + 4 for e in entities)
    [title] = [e for e in entities if e["label"] == "DOC_TITLE"]
    assert (title["normalized"], title["end"]) == ("宝鸡市志", len(text))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                "江泽民",
                "北京",
                "國務院",
                "1949年7月",
                "民國三十八年",
                "《人民日報》",
                "(guó)",
                " ",
                "\n",
                "　",
                "宝鸡市",
                "e\u0301",
                "①",
                "ＡＢＣ",
                "?",
                "的",
                "在",
                "會見",
                "。",
                "﹙",
                "㈱",
            ]
        ),
        max_size=25,
    )
)
def test_offsets_always_index_the_original(parts: list[str]) -> None:
    text = "".join(parts)
    assert_offsets(text, extract_entities(text))


def test_batch_equals_one_by_one() -> None:
    texts = [PEOPLES_DAILY_LIKE, "", "   ", "民国三十八年《宝鸡县志》", "國家主席江澤民"]
    assert extract_entities_batch(texts) == [extract_entities(t) for t in texts]


# --------------------------------------------------------------------------- DATE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1949年7月14日", "1949-07-14"),
        ("一九四九年七月", "1949-07"),
        ("1949年", "1949"),
        ("公元1949年10月1日", "1949-10-01"),
        ("民国三十八年", "1949"),
        ("民国元年1月1日", "1912-01-01"),
        ("光绪二十年五月", "1894"),
        ("二〇〇八年八月八日", "2008-08-08"),
        ("1949-07-14", "1949-07-14"),
        ("1950年代", "195X"),
        ("二十世纪五十年代", "195X"),
        ("五十年代", None),
        ("去年7月", None),
        ("7月14日", None),
    ],
)
def test_date_normalization(text: str, expected: str | None) -> None:
    matches = find_dates(text)
    assert len(matches) == 1
    assert (text[matches[0].start : matches[0].end], matches[0].normalized) == (text, expected)


@pytest.mark.parametrize("text", ["2000年历史", "3年", "十月革命", "版本1.2.3", "2月30日", "两千年"])
def test_not_dates(text: str) -> None:
    assert find_dates(text) == []


def test_invalid_day_keeps_the_valid_part() -> None:
    [match] = find_dates("1949年2月30日")
    assert (match.end, match.normalized) == (7, "1949-02")


def test_dates_in_traditional_text_and_relative_dates() -> None:
    assert found("民國三十八年五月，", "DATE") == [("民國三十八年五月", "DATE", "1949-05")]
    text = "去年7月和今年5月23日"
    assert [e["normalized"] for e in extract_entities(text) if e["label"] == "DATE"] == [None, None]
    resolved = extract_entities(text, reference=date(1950, 3, 1))
    assert [e["normalized"] for e in resolved if e["label"] == "DATE"] == ["1949-07", "1950-05-23"]


# --------------------------------------------------------------------------- DOC_TITLE


def test_doc_titles() -> None:
    text = "根據《中華人民共和國檔案法》和《关于〈档案法〉的说明》"
    titles = [e for e in extract_entities(text) if e["label"] == "DOC_TITLE"]
    assert [(e["text"], e["normalized"]) for e in titles] == [
        ("《中華人民共和國檔案法》", "中华人民共和国档案法"),
        ("《关于〈档案法〉的说明》", "关于〈档案法〉的说明"),
    ]
    assert_offsets(text, titles)
    assert found("《》与《 》") == []


# --------------------------------------------------------------------------- tokenizer


def test_the_tokenizer_gives_each_character_its_bigram_code_and_word_features() -> None:
    from spacy.attrs import LEMMA, TAG

    from analyzers.entities.char_tokens import bigram_codes, code_points

    blank = spacy.blank("zh")
    blank.tokenizer = CharTokenizer(blank.vocab, words=True)  # bigram_ids="codes" (v2)
    doc = blank.make_doc("毛泽东 在北京")  # the space attaches to 东
    assert [t.text for t in doc] == list("毛泽东在北京")
    lemma = [int(v) for v in doc.to_array([LEMMA])]
    assert lemma == [int(v) for v in bigram_codes(code_points("毛泽东在北京"))]
    assert lemma[2] == (ord("东") << 32) | ord("在")  # across the space
    assert [t.tag_ for t in doc] == ["B-nr", "M-nr", "E-nr", "S-p", "B-ns", "E-ns"]
    assert doc.to_array([TAG]).shape == (6,)


def test_models_trained_before_keep_their_bigram_hashes_and_word_cut() -> None:
    from spacy.attrs import LEMMA
    from spacy.strings import get_string_id

    blank = spacy.blank("zh")
    blank.tokenizer = CharTokenizer(blank.vocab, words=True, bigram_ids="strings")  # v1
    doc = blank.make_doc("毛泽东在北京")
    assert [int(v) for v in doc.to_array([LEMMA])][:2] == [get_string_id("毛泽"), get_string_id("泽东")]
    assert int(doc.to_array([LEMMA])[-1]) == get_string_id("京</s>")
    assert not blank.tokenizer.words.whole and CharTokenizer(blank.vocab, words=True).words.whole
    with pytest.raises(ValueError, match="bigram_ids"):
        CharTokenizer(blank.vocab, bigram_ids="bytes")


# --------------------------------------------------------------------------- gazetteer


def gazetteer_pipeline(exclude: list[str] | None = None) -> spacy.language.Language:
    blank = spacy.blank("zh")
    blank.tokenizer = CharTokenizer(blank.vocab)
    blank.add_pipe("lantai_divisions", config={"exclude": exclude or []})
    return blank


def test_gazetteer_tags_divisions_longest_first() -> None:
    doc = gazetteer_pipeline()("凤翔县和宝鸡市档案馆，甘南藏族自治州夏河县")
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("凤翔县", "PLACE"),
        ("宝鸡市", "PLACE"),
        ("甘南藏族自治州", "PLACE"),
        ("夏河县", "PLACE"),
    ]


def test_gazetteer_fills_gaps_only_and_skips_excluded_words() -> None:
    blank = gazetteer_pipeline(exclude=["合作"])
    doc = blank.make_doc("宝鸡市档案局和合作社")
    doc.ents = [doc.char_span(0, 6, label="ORG")]
    doc = blank.get_pipe("lantai_divisions")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("宝鸡市档案局", "ORG")]
    assert Divisions().matches("眉县") == [(0, 2)]


def test_a_division_name_alone_is_a_place_whatever_the_model_called_it() -> None:
    blank = gazetteer_pipeline(exclude=["东至"])
    doc = blank.make_doc("宝鸡市出席大会，李凤翔发言，东至县")
    doc.ents = [doc.char_span(0, 3, label="ORG"), doc.char_span(8, 11, label="PERSON")]
    doc = blank.get_pipe("lantai_divisions")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("宝鸡市", "PLACE"),
        ("李凤翔", "PERSON"),
        ("东至县", "PLACE"),
    ]
    assert blank.get_pipe("lantai_divisions").excluded == frozenset({"东至"})


def test_an_organisation_cut_inside_a_word_gives_way_to_the_division_it_starts_with() -> None:
    blank = gazetteer_pipeline()
    doc = blank.make_doc("宝鸡市人民政府关于土地改革的通知")
    doc.ents = [doc.char_span(0, 4, label="ORG")]  # 宝鸡市人: ends inside 人民
    doc = blank.get_pipe("lantai_divisions")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("宝鸡市", "PLACE")]
    doc = blank.make_doc("宝鸡市人民政府关于土地改革的通知")
    doc.ents = [doc.char_span(0, 7, label="ORG")]  # a whole organisation stays
    doc = blank.get_pipe("lantai_divisions")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("宝鸡市人民政府", "ORG")]
    doc = blank.make_doc("宝鸡市人民政府")
    doc.ents = [doc.char_span(0, 4, label="PLACE")]  # a place may end inside a word
    doc = blank.get_pipe("lantai_divisions")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("宝鸡市人", "PLACE")]


def test_shipped_gazetteer_excludes_common_words(nlp) -> None:
    exclude = set(nlp.get_pipe("lantai_divisions").names ^ Divisions().names)
    assert {"合作", "和平", "友好"} <= exclude
    assert ("凤翔县", "PLACE", "凤翔县") in found("他是凤翔县人。")


# --------------------------------------------------------------------------- facets, analyze()


def test_entity_names_are_deduplicated_per_facet() -> None:
    entities = extract_entities("江澤民在北京。江泽民離開北京，前往上海。")
    names = entity_names(entities)
    assert set(names) == {"person", "place", "org"}
    assert names["person"] == ["江泽民"]
    assert names["place"][:2] == ["北京", "上海"] or names["place"] == ["北京", "上海"]


def test_analyze_includes_entities_and_learns_names(own_dictionary) -> None:
    text = "國家主席江澤民在北京會見克林頓，1949年10月1日"
    result = analyzers.analyze(text)
    assert set(result) == {"normalized", "tokens", "entities", "quality"}
    assert_offsets(text, result["entities"])
    assert {"PERSON", "PLACE", "DATE"} <= {e["label"] for e in result["entities"]}
    assert "江泽民" in result["tokens"]
    assert "江泽民" in segment._added
    assert analyzers.analyze("") == {"normalized": "", "tokens": [], "entities": [], "quality": 1.0}


def test_analyze_batch_matches_analyze(own_dictionary) -> None:
    texts = ["宝鸡市档案局1950年的报告", "", "《人民日报》"]
    assert list(analyzers.analyze_batch(texts)) == [analyzers.analyze(t) for t in texts]


# --------------------------------------------------------------------------- tagger decoding


def _well_formed(tags: list[str]) -> bool:
    previous = "O"
    for tag in [*tags, "O"]:
        if previous[0] in "BI":
            if tag[0] not in "IL" or tag[2:] != previous[2:]:
                return False
        elif tag[0] in "IL":
            return False
        previous = tag
    return True


def _brute_force(scores, tags: tuple[str, ...]) -> list[int]:
    import itertools

    best, best_path = None, None
    for path in itertools.product(range(len(tags)), repeat=len(scores)):
        if not _well_formed([tags[i] for i in path]):
            continue
        total = sum(float(scores[t, i]) for t, i in enumerate(path))
        if best is None or total > best:
            best, best_path = total, list(path)
    return best_path or []


def test_viterbi_finds_the_best_well_formed_sequence() -> None:
    import numpy

    from analyzers.entities.tagger import viterbi_biluo

    tags = ("O", "B-PERSON", "I-PERSON", "L-PERSON", "U-PERSON", "B-ORG", "I-ORG", "L-ORG", "U-ORG")
    rng = numpy.random.default_rng(7)
    scores = [rng.standard_normal((n, len(tags))).astype("f") * 3 for n in (4, 1, 3, 0, 5)]
    paths = viterbi_biluo(scores, tags)
    assert [len(p) for p in paths] == [4, 1, 3, 0, 5]
    for s, p in zip(scores, paths, strict=True):
        assert _well_formed([tags[i] for i in p])
        assert list(p) == _brute_force(s, tags)


def test_entity_spans_equal_doc_ents() -> None:
    from analyzers.entities.components import entity_spans

    nlp = spacy.blank("zh")
    nlp.tokenizer = CharTokenizer(nlp.vocab)
    doc = nlp.make_doc("江泽民在北京会见克林顿和新华社记者")
    doc.ents = [
        doc.char_span(0, 3, "PERSON"),
        doc.char_span(4, 6, "PLACE"),
        doc.char_span(8, 11, "PERSON"),
        doc.char_span(12, 15, "ORG"),
    ]
    assert [(e.start, e.end, e.label_) for e in entity_spans(doc)] == [
        (e.start, e.end, e.label_) for e in doc.ents
    ]
    assert entity_spans(nlp.make_doc("")) == []


def test_entity_mentions_are_doc_ents_as_plain_values() -> None:
    from analyzers.entities.components import Mention, entity_mentions

    nlp = spacy.blank("zh")
    nlp.tokenizer = CharTokenizer(nlp.vocab)
    doc = nlp.make_doc("江泽民 在北京  会见克林顿和新华社记者")  # spaces: tokens and characters differ
    doc.ents = [
        doc.char_span(0, 3, "PERSON"),
        doc.char_span(5, 7, "PLACE"),
        doc.char_span(11, 14, "PERSON"),
        doc.char_span(15, 18, "ORG"),
    ]
    mentions = entity_mentions(doc)
    assert mentions == [
        Mention(e.start, e.end, e.start_char, e.end_char, e.label, e.label_) for e in doc.ents
    ]
    assert [doc.text[m.start_char : m.end_char] for m in mentions] == ["江泽民", "北京", "克林顿", "新华社"]
    assert entity_mentions(nlp.make_doc("")) == [] == entity_mentions(nlp.make_doc("没有实体"))


def test_tagger_decodes_tags_into_entities(nlp) -> None:
    import numpy

    tagger = nlp.get_pipe("ner")
    doc = nlp.make_doc("江泽民在北京")
    names = ["B-PERSON", "I-PERSON", "L-PERSON", "O", "B-PLACE", "L-PLACE"]
    probability = numpy.array([0.9, 0.8, 0.95, 0.99, 0.6, 0.7], dtype="f")
    tagger.set_annotations([doc], [(numpy.array([tagger.tags.index(t) for t in names]), probability)])
    assert [(e.text, e.label_) for e in doc.ents] == [("江泽民", "PERSON"), ("北京", "PLACE")]
    person, place = doc.ents
    assert entity_confidence(doc, person) == pytest.approx(0.8)
    assert entity_confidence(doc, place) == pytest.approx(0.6)
    assert entity_confidence(doc, doc[3:4]) is None  # outside the model's entities


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="宝鸡市档案局 ，。A9１\n𠀋𪚥é", max_size=30))
def test_char_tokenizer_docs_made_of_string_ids_equal_docs_made_of_strings(text: str) -> None:
    from spacy.attrs import IS_SPACE, LEMMA, NORM, ORTH, TAG
    from spacy.tokens import Doc

    nlp = spacy.blank("zh")
    tokenizer = CharTokenizer(nlp.vocab, words=True)
    doc = tokenizer(text)  # string ids read from the code point table (a new vocab: all new)
    again = tokenizer(text)  # the same, every character now in the table
    words = [t.text for t in doc]
    plain = Doc(nlp.vocab, words=words, spaces=[bool(t.whitespace_) for t in doc])
    assert doc.text == again.text == plain.text == text
    columns = [ORTH, NORM, IS_SPACE]
    assert (doc.to_array(columns) == plain.to_array(columns)).all()
    assert (doc.to_array([ORTH, LEMMA, TAG]) == again.to_array([ORTH, LEMMA, TAG])).all()
