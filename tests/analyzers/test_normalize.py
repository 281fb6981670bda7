"""normalize / reading_text / page_quality: search form, offsets, debris, quality."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzers.normalize import (
    NormalizedText,
    normalize,
    normalize_and_read,
    page_quality,
    reading_text,
)

normalize_module = sys.modules["analyzers.normalize"]


def check_offsets(original: str, n: NormalizedText) -> None:
    assert len(n.offsets) == len(n.text) + 1
    assert n.offsets[-1] == len(original)
    assert all(a <= b for a, b in zip(n.offsets, n.offsets[1:], strict=False))
    assert all(0 <= o < len(original) for o in n.offsets[:-1])


# --------------------------------------------------------------------------- the required examples


def test_pinyin_debris_after_characters_is_removed() -> None:
    n = normalize("中國(guó)檔案館長(zhǎng)")
    assert n.text == "中国档案馆长"
    assert n.offsets == (0, 1, 7, 8, 9, 10, 18)
    assert n.lost == 0 and n.quality == 1.0


def test_genuine_parentheses_stay() -> None:
    assert normalize("寶雞市檔案局(館)緊扣重要批示").text == "宝鸡市档案局(馆)紧扣重要批示"
    assert normalize("寶雞市檔案局（館）緊扣重要批示").text == "宝鸡市档案局(馆)紧扣重要批示"
    assert normalize("發(fā)展(2021年)").text == "发展(2021年)"
    assert normalize("条例(草案)").text == "条例(草案)"


def test_ocr_spaces_between_cjk_are_removed() -> None:
    assert normalize("档 案 馆").text == "档案馆"
    assert normalize("数字档\n案馆").text == "数字档案馆"
    assert normalize("档案\u3000馆").text == "档案馆"
    assert normalize("档案 ， 历史").text == "档案,历史"
    assert normalize("档案 “红色” 历史").text == "档案“红色”历史"
    assert normalize("1949 年").text == "1949年"


def test_spaces_between_latin_words_stay_single() -> None:
    assert normalize("he  said “hello\nworld” ok").text == "he said “hello world” ok"


def test_half_eaten_debris_keeps_the_lost_marks() -> None:
    n = normalize("館藏?cái)?shù)量")
    assert n.text == "馆藏??量"
    assert n.lost == 2
    assert 0.0 <= n.quality < 1.0
    check_offsets("館藏?cái)?shù)量", n)


def test_reading_text_keeps_the_script() -> None:
    assert reading_text("鄉(xiāng)村振興") == ("鄉村振興", (0, 8, 9, 10, 11))
    assert reading_text("寶雞市檔案局（館）")[0] == "寶雞市檔案局（館）"
    assert reading_text("档 案 馆")[0] == "档 案 馆"  # OCR spaces are the original's


# --------------------------------------------------------------------------- more debris shapes


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("中國(zhōng guó)", "中国"),  # several syllables
        ("中國（guó）人", "中国人"),  # full-width parentheses
        ("中國(GUÓ)人", "中国人"),  # upper case
        ("中國(guo\u0301)人", "中国人"),  # decomposed tone mark
        ("局(館(guǎn))", "局(馆)"),  # debris inside a genuine parenthesis
        ("綠(lǜ)地", "绿地"),  # ü with a tone
        ("館藏cái)數量", "馆藏数量"),  # opening parenthesis lost
        ("發(fā展", "发展"),  # closing parenthesis lost
    ],
)
def test_debris_variants(raw: str, expected: str) -> None:
    n = normalize(raw)
    assert n.text == expected
    check_offsets(raw, n)


@pytest.mark.parametrize(
    "raw",
    ["规定(a)条", "中国(guo)", "附件(一)", "(fā)开头", "Beijing (Běijīng)", "咖啡(hello)"],
)
def test_not_debris(raw: str) -> None:
    assert "(" in normalize(raw).text


# --------------------------------------------------------------------------- unicode, case, spaces


def test_nfkc_full_width_and_case() -> None:
    assert normalize("Ｈｅｌｌｏ　ＷＯＲＬＤ").text == "hello world"
    assert normalize("Red  ARCHIVES\n of Baoji").text == "red archives of baoji"
    assert normalize("１９４９年").text == "1949年"
    assert normalize("  档案  ").text == "档案"


def test_expanding_characters_map_to_their_source() -> None:
    n = normalize("㈠档案")
    assert n.text == "(一)档案"
    assert n.offsets == (0, 0, 0, 1, 2, 3)


def test_invisible_and_control_characters() -> None:
    n = normalize("\ufeff档案\u200b馆\x00x")
    assert n.text == "档案馆x"
    check_offsets("\ufeff档案\u200b馆\x00x", n)


def test_traditional_to_simplified_by_phrase() -> None:
    assert normalize("頭髮").text == "头发"
    assert normalize("瞭解臺灣").text == "了解台湾"


def test_length_changing_conversion_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the converter changes the length of a phrase, offsets must still be right."""

    def fake() -> object:
        return lambda s: s.replace("檔案館", "档案馆馆").replace("國", "国")

    monkeypatch.setattr(normalize_module, "_converter", fake)
    raw = "中國檔案館，" * 50
    n = normalize(raw)
    check_offsets(raw, n)
    assert len(n.text) == len(raw)
    assert n.text.startswith("中国檔案館,")


# --------------------------------------------------------------------------- lost characters


@pytest.mark.parametrize(
    ("raw", "lost"),
    [
        ("档案馆藏数量", 0),
        ("館藏??數量", 2),
        ("館藏?數量", 1),
        ("館藏\ufffd\ufffd數量", 2),
        ("館藏？？數量", 2),
        ("你好吗？我很好", 0),  # a Chinese question mark
        ("这是什么?", 0),
        ("为什么?我", 0),
        ("Why? Because", 0),
    ],
)
def test_lost_characters(raw: str, lost: int) -> None:
    n = normalize(raw)
    assert n.lost == lost
    assert (n.quality == 1.0) == (lost == 0)


def test_page_quality() -> None:
    assert page_quality("") == 1.0
    assert page_quality("档案馆藏数量") == 1.0
    clean_mostly = page_quality("档案馆藏数量统计表" * 20 + "?")
    garbled = page_quality("館藏???數?量??")
    assert 0.0 <= garbled < clean_mostly <= 1.0


# --------------------------------------------------------------------------- properties, speed

cjkish = st.text(
    alphabet=st.sampled_from(list("中國檔案館长發展(guózhǎngā)（）?？� \n\tAbC1，。、㈠") + ["é"]),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(cjkish, st.text(max_size=60)))
def test_offsets_are_always_consistent(raw: str) -> None:
    n = normalize(raw)
    check_offsets(raw, n)
    assert 0.0 <= n.quality <= 1.0
    assert n.lost >= 0
    text, offs = reading_text(raw)
    assert len(offs) == len(text) + 1 and offs[-1] == len(raw)
    assert all(raw[o] == c for c, o in zip(text, offs, strict=False))
    assert normalize_and_read(raw) == (n, (text, offs))


def test_a_megabyte_keeps_its_offsets() -> None:
    # Its speed is measured by bench/analyze_throughput.py, never asserted here.
    base = "寶雞市檔案局（館）緊扣重要批示，中國(guó)檔案館長(zhǎng)發(fā)展(2021年)。 档 案 馆\n"
    raw = (base * 30000)[:1_000_000]
    n = normalize(raw)
    check_offsets(raw, n)
    assert n.text.startswith("宝鸡市档案局") and len(n.text) < len(raw)
