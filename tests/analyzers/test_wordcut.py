"""FastTokenizer segments exactly like jieba (same words, HMM on and off, after words are added),
compiled (rjieba) and in pure Python."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jieba
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzers.normalize import normalize
from analyzers.segment import DATA_FILES, dictionary_words
from analyzers.wordcut import COMPILED, FastTokenizer, _reference

TEXTS = [
    "国家主席江泽民今天上午在人民大会堂会见了美国总统克林顿。",
    "宝鸡市档案局1950年的报告：关于土地改革的若干问题（草案）",
    "中共中央华东局发出指示，要求各地在1949年10月前完成接管工作。",
    "他说：“我们要把数字档案馆建设好！”Email: abc@example.org 电话 010-12345678",
    "",
    "研究生命的起源",
]


@pytest.fixture(scope="module")
def tokenizers() -> tuple[FastTokenizer, jieba.Tokenizer]:
    jieba.setLogLevel(60)
    fast = FastTokenizer()
    fast.initialize()
    return fast, _reference(fast)


@pytest.mark.parametrize("hmm", [True, False])
def test_same_words_as_jieba(tokenizers, hmm: bool) -> None:
    fast, plain = tokenizers
    for text in TEXTS:
        assert fast.lcut(text, HMM=hmm) == plain.lcut(text, HMM=hmm)
    assert fast.lcut("研究生命的起源") == ["研究", "生命", "的", "起源"]


def test_added_words_are_used_at_once(tokenizers) -> None:
    fast, plain = tokenizers
    text = "兰台学社的章程和兰台学社的会员"
    before = fast.lcut(text, HMM=False)
    fast.memo["x"] = 1
    fast.add_word("兰台学社")
    assert fast.added[-1] == "兰台学社" and fast.memo  # users of the memo check what was added
    after = fast.lcut(text, HMM=False)
    assert "兰台学社" in after and "兰台学社" not in before
    plain.total = fast.total  # the same dictionary object
    assert after == plain.lcut(text, HMM=False)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="中国人民大会堂档案局馆宝鸡市县兰台学社江泽民abc1949年 -", min_size=2, max_size=8))
def test_a_word_added_without_a_frequency_gets_the_one_jieba_suggests(tokenizers, word: str) -> None:
    fast, plain = tokenizers
    plain.total = fast.total  # the same dictionary object
    assert fast.suggested_freq(word) == plain.suggest_freq(word, False)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet="中国人民大会堂档案局馆宝鸡市县研究生命起源的了在是和与1949年月日,。"
        "abIBM.%-_+#& \r\n\t　㐀鿖（）",
        max_size=60,
    )
)
def test_any_text_same_as_jieba(tokenizers, text: str) -> None:
    fast, plain = tokenizers
    assert fast.lcut(text) == plain.lcut(text)
    assert fast.lcut(text, HMM=False) == plain.lcut(text, HMM=False) == fast.cut_precise(text)


# --------------------------------------------------------------------------- compiled route


def sample_texts() -> list[str]:
    """Titles, descriptions and full texts of the sample records (both scripts)."""
    root = Path(__file__).resolve().parents[2] / "samples"
    texts: list[str] = []
    for line in (root / "baoji-city.jsonl").read_text("utf-8").splitlines():
        record = json.loads(line)
        texts += [record.get(key) or "" for key in ("title", "description", "text")]
    with (root / "fengxiang-county.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            texts += [row["题名"], row["摘要"], row["全文"]]
    return texts + [normalize(t).text for t in texts] + TEXTS


@pytest.fixture(scope="module")
def pair() -> tuple[FastTokenizer, FastTokenizer]:
    """The archive segmenter's dictionary, compiled and in pure Python."""
    jieba.setLogLevel(60)
    compiled, python = FastTokenizer(), FastTokenizer(compiled=False)
    for tk in (compiled, python):
        tk.initialize()
        for name in DATA_FILES:
            for word in dictionary_words(name):
                if len(word) >= 2:
                    tk.add_word(word)
    return compiled, python


def test_the_compiled_route_is_used_where_rjieba_is_installed() -> None:
    assert COMPILED
    assert FastTokenizer().compiled
    assert not FastTokenizer(compiled=False).compiled


@pytest.mark.parametrize("hmm", [True, False])
def test_compiled_and_python_cut_the_samples_alike(pair, hmm: bool) -> None:
    compiled, python = pair
    texts = sample_texts()
    assert len(texts) > 700
    for text in texts:
        assert compiled.lcut(text, HMM=hmm) == python.lcut(text, HMM=hmm), text


def test_a_whole_text_cut_in_one_call_keeps_the_text_and_nearly_all_words(pair) -> None:
    compiled, python = pair
    texts = [t for t in sample_texts() if t]
    differing = 0
    for text in texts:
        words = compiled.cut_whole(text)
        assert "".join(words) == text
        differing += words != python.lcut(text, HMM=True)
        assert python.cut_whole(text) == python.lcut(text, HMM=True)  # no rjieba: jieba's own cut
    assert differing <= len(texts) // 50  # jieba-rs's blocks and HMM differ only in rare cases


def test_learned_and_repeated_words_reach_the_compiled_copy(pair) -> None:
    compiled, python = pair
    text = "凤翔县兰台学社与宝鸡市档案局，兰台学社会员ibm2024年"
    for tk in (compiled, python):
        tk.add_word("兰台学社")
        tk.add_word("档案局", 5)  # an existing word given again: jieba counts both in its total
        tk.add_word("ibm")  # a Latin word: the HMM cut takes jieba's own route for the block
    assert compiled.total == python.total
    for hmm in (True, False):
        assert compiled.lcut(text, HMM=hmm) == python.lcut(text, HMM=hmm)
    assert "兰台学社" in compiled.lcut(text, HMM=False)
    assert "ibm" in compiled.lcut(text, HMM=True)
    for tk in (compiled, python):
        tk.del_word("兰台学社")
    assert "兰台学社" not in compiled.lcut(text, HMM=False)
    assert compiled.lcut(text, HMM=False) == python.lcut(text, HMM=False)


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet="中国人民大会堂档案局馆宝鸡市县研究生命起源的了在是和与1949年月日,。abcIBM.%-_ 哈嗯呃囧",
        max_size=60,
    )
)
def test_any_text_cut_alike_compiled_and_in_python(pair, text: str) -> None:
    compiled, python = pair
    assert compiled.lcut(text) == python.lcut(text)
    assert compiled.lcut(text, HMM=False) == python.lcut(text, HMM=False)
