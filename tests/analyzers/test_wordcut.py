"""FastTokenizer segments exactly like jieba (same words, HMM on and off, after words are added)."""

from __future__ import annotations

import jieba
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzers.wordcut import FastTokenizer, _reference

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
    assert fast.memo == {}
    after = fast.lcut(text, HMM=False)
    assert "兰台学社" in after and "兰台学社" not in before
    plain.total = fast.total  # the same dictionary object
    assert after == plain.lcut(text, HMM=False)


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet="中国人民大会堂档案局馆宝鸡市县研究生命起源的了在是和与1949年月日,。ab ", max_size=40)
)
def test_any_text_same_as_jieba(tokenizers, text: str) -> None:
    fast, plain = tokenizers
    assert fast.lcut(text) == plain.lcut(text)
    assert fast.lcut(text, HMM=False) == plain.lcut(text, HMM=False)
