"""The faster entity analysis gives the same results as the plain one: Viterbi shortcut,
direct character docs, batched analysis (``analyze_many``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy
import pytest

import analyzers
from analyzers import segment
from analyzers.entities.tagger import _biluo_transitions, _viterbi_biluo, _well_formed, viterbi_biluo

TAGS = ("O", "B-PERSON", "I-PERSON", "L-PERSON", "U-PERSON", "B-ORG", "I-ORG", "L-ORG", "U-ORG")


def _peaked(path: list[int], rng: numpy.random.Generator) -> numpy.ndarray:
    """Scores whose per-token best tags are ``path``."""
    scores = rng.standard_normal((len(path), len(TAGS))).astype("f")
    scores[numpy.arange(len(path)), path] += 10
    return scores


def test_viterbi_shortcut_equals_the_full_dynamic_programme() -> None:
    rng = numpy.random.default_rng(3)
    well = [0, 1, 2, 3, 0, 4, 5, 7, 0, 0, 8]  # O B I L O U B L O O U: well formed
    ill = [0, 2, 3, 0, 1, 0, 6, 0, 1]  # starts with I, B then O, I alone ...
    allowed, first, last = _biluo_transitions(TAGS)
    assert _well_formed(numpy.array(well), allowed, first, last)
    assert not _well_formed(numpy.array(ill), allowed, first, last)
    scores = [
        _peaked(well, rng),
        _peaked(ill, rng),
        rng.standard_normal((40, len(TAGS))).astype("f") * 3,
        _peaked(well * 5, rng),
        rng.standard_normal((0, len(TAGS))).astype("f"),
    ]
    fast = viterbi_biluo(scores, TAGS)
    full = _viterbi_biluo(scores, TAGS)
    assert [list(p) for p in fast] == [list(p) for p in full]
    assert list(fast[0]) == well  # the greedy path, kept
    assert list(fast[1]) != ill and _well_formed(fast[1], allowed, first, last)


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
