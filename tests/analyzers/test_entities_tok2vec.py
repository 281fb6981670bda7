"""The entity model's token vectors: the fast forward pass of ``lantai.Tok2Vec.v1`` gives
spaCy's vectors, for the shipped network and for other shapes."""

from __future__ import annotations

import numpy
import pytest
import spacy
from thinc.api import Config

from analyzers.entities.components import CharTokenizer, cpu_ops
from analyzers.entities.tok2vec import FastForward

TEXTS = [
    "国家主席江泽民今天上午在人民大会堂会见了美国总统克林顿。",
    "宝鸡市 军事管制委员会",
    "一",
    "1949年10月1日",
]

NETWORK = """
[model]
@architectures = "lantai.Tok2Vec.v1"

[model.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = {width}
attrs = {attrs}
rows = {rows}
include_static_vectors = false

[model.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = {width}
depth = {depth}
window_size = {window}
maxout_pieces = {pieces}
"""


def network(width: int = 32, depth: int = 2, window: int = 1, pieces: int = 2, shape: bool = False):  # type: ignore[no-untyped-def]
    attrs = ["NORM", "LEMMA", "TAG", "SHAPE"] if shape else ["NORM", "LEMMA", "TAG"]
    rows = [800, 4000, 100, 20][: len(attrs)]
    text = NETWORK.format(width=width, depth=depth, window=window, pieces=pieces, attrs=attrs, rows=rows)
    config = Config().from_str(text.replace("'", '"'))
    return spacy.util.registry.resolve(config)["model"]


def docs(texts: list[str] = TEXTS) -> list:  # type: ignore[type-arg]
    nlp = spacy.blank("zh")
    nlp.tokenizer = CharTokenizer(nlp.vocab, words=True)
    return [nlp.make_doc(t) for t in texts]


@pytest.mark.parametrize(
    "shape",
    [
        {},  # the shipped network: width 32, depth 2, window 1
        {"width": 64, "depth": 3, "window": 1},
        {"width": 16, "depth": 2, "window": 2, "pieces": 3},
        {"depth": 4, "shape": True},
    ],
)
def test_the_fast_pass_gives_spacys_vectors(shape: dict) -> None:
    batch = docs()
    with cpu_ops():
        model = network(**shape)
        model.initialize(X=batch)
        rng = numpy.random.default_rng(7)
        for node in model.walk():  # trained-looking weights, not the initial zeros and ones
            for name in node.param_names:
                if node.has_param(name):
                    value = node.get_param(name)
                    node.set_param(name, (value + rng.normal(0, 0.5, value.shape)).astype("f"))
        fast = FastForward.of(model.layers[0])
        assert fast is not None
        expected = model.layers[0].predict(batch)
        got = model.predict(batch)
    assert (
        [g.shape for g in got]
        == [e.shape for e in expected]
        == [(len(d), model.get_dim("nO")) for d in batch]
    )
    for g, e in zip(got, expected, strict=True):
        numpy.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-4)
    assert max(float(numpy.abs(e).max()) for e in expected) > 0.5  # the vectors are not all zero


@pytest.mark.parametrize("chunk", [1, 2, 7])
def test_windows_made_a_chunk_of_rows_at_a_time_read_across_chunks(monkeypatch, chunk: int) -> None:
    from analyzers.entities import tok2vec

    batch = docs()
    with cpu_ops():
        model = network(window=2, pieces=3)
        model.initialize(X=batch)
        rng = numpy.random.default_rng(11)
        for node in model.walk():
            for name in node.param_names:
                if node.has_param(name):
                    value = node.get_param(name)
                    node.set_param(name, (value + rng.normal(0, 0.5, value.shape)).astype("f"))
        expected = model.layers[0].predict(batch)
        whole = model.predict(batch)  # every batch of the test is one chunk
        monkeypatch.setattr(tok2vec, "CHUNK_ROWS", chunk)
        got = model.predict(batch)
    assert sum(len(d) for d in batch) > 5 * chunk
    for g, w, e in zip(got, whole, expected, strict=True):
        numpy.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-4)
        numpy.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_training_runs_spacys_layers_and_the_pass_reads_the_current_weights() -> None:
    batch = docs()
    with cpu_ops():
        model = network()
        model.initialize(X=batch)
        vectors, backprop = model.begin_update(batch)
        assert callable(backprop)  # the training pass can be differentiated
        before = model.predict(batch)
        mix = next(n for n in model.walk() if n.name == "maxout")
        mix.set_param("b", mix.get_param("b") + 1.0)
        after = model.predict(batch)
        model.begin_update(batch)  # an optimizer then changes the weights in place
        table = next(n for n in model.walk() if n.name == "hashembed").get_param("E")
        table += 0.5
        updated = model.predict(batch)
        expected = model.layers[0].predict(batch)
    assert not numpy.allclose(before[0], after[0])  # not a copy of the weights made once
    assert not numpy.allclose(after[0], updated[0])
    numpy.testing.assert_allclose(updated[0], expected[0], rtol=1e-4, atol=1e-4)


def test_another_kind_of_network_is_predicted_by_spacys_layers() -> None:
    text = NETWORK.format(width=32, depth=2, window=1, pieces=2, attrs='["NORM"]', rows="[800]")
    text = text.replace("spacy.MaxoutWindowEncoder.v2", "spacy.MishWindowEncoder.v2")
    text = text.replace("maxout_pieces = 2", "")
    model = spacy.util.registry.resolve(Config().from_str(text))["model"]
    batch = docs()
    with cpu_ops():
        model.initialize(X=batch)
        assert FastForward.of(model.layers[0]) is None
        got = model.predict(batch)
        expected = model.layers[0].predict(batch)
    for g, e in zip(got, expected, strict=True):
        numpy.testing.assert_array_equal(g, e)


def test_without_a_writable_cache_the_loops_are_compiled_in_the_process(monkeypatch) -> None:
    from numba import njit
    from numba.core import caching

    from analyzers.entities import kernels

    def add_one(x: int) -> int:
        return x + 1

    monkeypatch.setattr(caching.CacheImpl, "_locator_classes", [])  # a read-only install
    with pytest.raises(RuntimeError):
        njit(add_one, cache=True)
    assert kernels._compiled()(add_one)(1) == 2
