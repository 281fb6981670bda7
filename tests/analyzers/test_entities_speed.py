"""The faster entity analysis gives the same results as the plain one: Viterbi shortcut,
direct character docs, batched analysis (``analyze_many``)."""

from __future__ import annotations

import numpy

from analyzers.entities.components import _biluo_transitions, _viterbi_biluo, _well_formed, viterbi_biluo

TAGS = ("O", "B-PERSON", "I-PERSON", "L-PERSON", "U-PERSON", "B-ORG", "I-ORG", "L-ORG", "U-ORG")


def _peaked(path: list[int], rng: numpy.random.Generator) -> numpy.ndarray:
    """Scores whose per-token best tags are ``path``."""
    scores = rng.standard_normal((len(path), len(TAGS))).astype("f")
    scores[numpy.arange(len(path)), path] += 10
    return scores


def test_viterbi_shortcut_equals_the_full_dynamic_programme() -> None:
    rng = numpy.random.default_rng(3)
    well = [0, 1, 2, 3, 0, 4, 5, 7, 0, 0, 8]  # O B I L O U B L O O U: well formed
    ill = [0, 2, 3, 0, 1, 0, 6, 0, 1]         # starts with I, B then O, I alone ...
    allowed, first, last = _biluo_transitions(TAGS)
    assert _well_formed(numpy.array(well), allowed, first, last)
    assert not _well_formed(numpy.array(ill), allowed, first, last)
    scores = [_peaked(well, rng), _peaked(ill, rng), rng.standard_normal((40, len(TAGS))).astype("f") * 3,
              _peaked(well * 5, rng), rng.standard_normal((0, len(TAGS))).astype("f")]
    fast = viterbi_biluo(scores, TAGS)
    full = _viterbi_biluo(scores, TAGS)
    assert [list(p) for p in fast] == [list(p) for p in full]
    assert list(fast[0]) == well  # the greedy path, kept
    assert list(fast[1]) != ill and _well_formed(fast[1], allowed, first, last)
