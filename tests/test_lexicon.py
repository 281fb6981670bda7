"""Learned words: subjects and creators become dictionary words in every process."""

from __future__ import annotations

import pytest

from catalog import lexicon
from catalog.policy import PUBLIC
from search.params import parse_request
from tests.conftest import record, tokens_in_a_fresh_process, write_jsonl

pytestmark = pytest.mark.both_catalogs  # the catalog on SQLite and on PostgreSQL


def test_learned_words_are_stored_once(lantai):
    assert lexicon.learn(lantai.store.engine, ["麦秸岭民兵连", "麦秸岭民兵连", "x"], "test") == [
        "麦秸岭民兵连"
    ]
    assert lexicon.learn(lantai.store.engine, ["麦秸岭民兵连"], "test") == []


def test_a_fresh_process_segments_with_the_learned_words(lantai, tmp_path, settings):
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [record("J1-1", "关于民兵整训的报告", subjects=["槐芽镇民兵营"], text="槐芽镇民兵营整训。")],
    )
    lantai.ingester.ingest([path])
    assert tokens_in_a_fresh_process(settings, "槐芽镇民兵营") == ["槐芽镇民兵营"]


def test_texts_indexed_before_a_word_was_learned_still_match(lantai, tmp_path):
    first = write_jsonl(tmp_path / "a.jsonl", [record("J2-1", "早先的记录", text="在柿子沟乡开会。")])
    lantai.ingester.ingest([first])
    later = write_jsonl(tmp_path / "b.jsonl", [record("J2-2", "后来的记录", subjects=["柿子沟乡"])])
    lantai.ingester.ingest([later])
    result = lantai.search.search(parse_request({"q": "柿子沟乡"}, lantai.settings), PUBLIC)
    assert {h["archive_code"] for h in result["hits"]} == {"J2-1", "J2-2"}
