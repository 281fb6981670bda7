"""The entity model's token vectors (字向量), registered as ``lantai.Tok2Vec.v1``.

spaCy's ``spacy.Tok2Vec.v2`` (hashed embeddings of the token features mixed by a maxout
layer, then a CNN of maxout windows with residual connections), with a faster forward
pass for prediction. Training runs spaCy's layers unchanged; prediction computes the same
vectors (up to float rounding) in a few compiled loops (:mod:`.kernels`):

* the features of a whole batch are read and hashed at once, not doc by doc;
* the embeddings come already multiplied by the mixing layer's weights (the layer is
  linear before its maximum), so mixing a token's features is a sum of table rows;
* a window of ``2w + 1`` tokens is one matrix product of the token vectors with the
  window's weights side by side, whose rows are summed shifted, instead of a copy of
  every window (``seq2col``); the maximum, layer norm and residual sum follow in the
  same loop.

The batch is laid out as spaCy lays it out (each doc between rows of padding that the
layers compute as well), so the vectors equal spaCy's. A network of another shape than
the one described (static vectors, another kind of layer) is predicted by spaCy's layers.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy
from spacy.attrs import IDS
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model

from analyzers.entities.kernels import embed_maxout, window_maxout

__all__ = ["build_tok2vec", "FastForward"]


@registry.architectures("lantai.Tok2Vec.v1")
def build_tok2vec(embed: Model, encode: Model) -> Model:
    """``spacy.Tok2Vec.v2`` (same arguments, same weights) with :class:`FastForward` for
    prediction."""
    inner = registry.architectures.get("spacy.Tok2Vec.v2")(embed, encode)
    return Model(
        "lantai_tok2vec",
        _forward,
        init=_init,
        layers=[inner],
        dims={"nO": inner.get_dim("nO") if inner.has_dim("nO") else None},
    )


def _init(model: Model, X=None, Y=None) -> None:  # type: ignore[no-untyped-def]
    model.layers[0].initialize(X=X, Y=Y)
    model.set_dim("nO", model.layers[0].get_dim("nO"), force=True)


def _forward(model: Model, docs: list[Doc], is_train: bool) -> tuple[list, Callable]:
    inner = model.layers[0]
    if is_train:
        _PASSES.pop(model.id, None)  # the update after a training pass changes weights in place
        return inner(docs, is_train)
    fast = _fast_pass(model.id, inner) if docs else None
    if fast is None:
        return inner(docs, is_train)
    return fast(docs), _no_backprop


def _no_backprop(d_outputs: list) -> list:
    raise NotImplementedError("lantai.Tok2Vec.v1: the fast forward pass is for prediction only")


_PASSES: OrderedDict[int, tuple[tuple[object, ...], FastForward | None]] = OrderedDict()
_MAX_PASSES = 4  # networks whose fast pass is kept (a pass holds its premixed tables)


def _fast_pass(key: int, inner: Model) -> FastForward | None:
    """The fast pass of ``inner``, kept while its weights are the same arrays (a training
    pass forgets it: see :func:`_forward`)."""
    params = tuple(
        node.get_param(name) for node in inner.walk() for name in node.param_names if node.has_param(name)
    )
    kept = _PASSES.get(key)
    if kept is not None and len(kept[0]) == len(params) and all(map(operator.is_, kept[0], params)):
        return kept[1]
    fast = FastForward.of(inner)
    _PASSES[key] = (params, fast)
    _PASSES.move_to_end(key)
    while len(_PASSES) > _MAX_PASSES:
        _PASSES.popitem(last=False)
    return fast


# --------------------------------------------------------------------------- the parameters


@dataclass(frozen=True)
class _Maxout:
    """A maxout layer with its layer norm: weights ``(nI, blocks * nP * nO)``, one block of
    columns per window position, the pieces side by side in each."""

    weights: numpy.ndarray
    blocks: int
    bias: numpy.ndarray
    n_out: int
    pieces: int
    gain: numpy.ndarray
    shift: numpy.ndarray

    @classmethod
    def of(cls, maxout: Model, layernorm: Model, window: int) -> _Maxout:
        W, b = numpy.asarray(maxout.get_param("W")), numpy.asarray(maxout.get_param("b"))
        n_out, pieces, n_in = W.shape
        flat = W.transpose(2, 1, 0).reshape(n_in, pieces * n_out)
        blocks = 2 * window + 1
        width = n_in // blocks
        side_by_side = numpy.concatenate([flat[k * width : (k + 1) * width] for k in range(blocks)], axis=1)
        return cls(
            numpy.ascontiguousarray(side_by_side, dtype="f"),
            blocks,
            numpy.ascontiguousarray(b.T.reshape(pieces * n_out), dtype="f"),
            n_out,
            pieces,
            numpy.ascontiguousarray(layernorm.get_param("G"), dtype="f"),
            numpy.ascontiguousarray(layernorm.get_param("b"), dtype="f"),
        )


@dataclass(frozen=True)
class FastForward:
    """The forward pass of a ``spacy.Tok2Vec.v2`` network of hashed embeddings
    (``MultiHashEmbed``) and maxout windows (``MaxoutWindowEncoder``).

    The mixing layer is linear before its maximum, so each feature's embedding table is
    multiplied by its block of the mixing weights once, when the pass is made: a token's
    input to the maximum is then a sum of table rows (``premixed``, every feature's rows
    one after the other, ``offsets`` where each starts).
    """

    ops: object
    columns: list[int | str]  # spaCy attribute ids of the features
    seeds: list[int]
    table_rows: list[int]  # the rows of each feature's table
    offsets: list[int]
    premixed: numpy.ndarray
    mix: _Maxout
    layers: list[_Maxout]
    pad: int

    @classmethod
    def of(cls, inner: Model) -> FastForward | None:
        """The fast pass of ``inner``, or None when its layers are not the ones described."""
        nodes: dict[str, list[Model]] = {}
        for node in inner.walk():
            nodes.setdefault(node.name, []).append(node)
        try:
            (features,) = nodes["extract_features"]
            embeds = sorted(nodes["hashembed"], key=lambda n: n.attrs["column"])
            windows = {n.attrs["window_size"] for n in nodes["expand_window"]}
            pairs = {n.layers[0].id: n.layers[1] for n in nodes["maxout>>layernorm"]}
            (encoder,) = [n for n in nodes if n.startswith("with_array(residual(")]
            pad = nodes[encoder][0].attrs["pad"]
        except (KeyError, ValueError):
            return None
        maxouts = nodes.get("maxout", [])
        if len(windows) != 1 or len(maxouts) != len(nodes["expand_window"]) + 1:
            return None
        if any("static_vectors" in name or "staticvectors" in name for name in nodes):
            return None
        (window,) = windows
        mix, *encoders = maxouts  # breadth first: the embedding's maxout comes first
        if mix.id not in pairs or any(m.id not in pairs for m in encoders):
            return None
        mixing = _Maxout.of(mix, pairs[mix.id], 0)
        tables = [numpy.asarray(n.get_param("E"), dtype="f") for n in embeds]
        width = tables[0].shape[1]
        premixed = [t @ mixing.weights[i * width : (i + 1) * width] for i, t in enumerate(tables)]
        sizes = [len(t) for t in tables]
        return cls(
            ops=inner.ops,
            columns=[IDS[c] if isinstance(c, str) else c for c in features.attrs["columns"]],
            seeds=[n.attrs["seed"] for n in embeds],
            table_rows=sizes,
            offsets=[sum(sizes[:i]) for i in range(len(sizes))],
            premixed=numpy.ascontiguousarray(numpy.concatenate(premixed), dtype="f"),
            mix=mixing,
            layers=[_Maxout.of(m, pairs[m.id], window) for m in encoders],
            pad=pad,
        )

    def __call__(self, docs: list[Doc]) -> list[numpy.ndarray]:
        """Each doc's token vectors, ``(len(doc), width)`` arrays."""
        features = numpy.concatenate([doc.to_array(self.columns) for doc in docs]).reshape(
            -1, len(self.columns)
        )
        lengths = numpy.array([len(doc) for doc in docs])
        n = len(features)
        # the encoder's layout: every doc between ``pad`` rows of padding
        rows = numpy.repeat(self.pad * numpy.arange(1, len(docs) + 1), lengths) + numpy.arange(n)
        hidden = numpy.zeros((n + self.pad * (len(docs) + 1), self.mix.n_out), dtype="f")
        if n:
            keys = numpy.concatenate(
                [
                    self.ops.hash(numpy.ascontiguousarray(features[:, i]), seed) % size + offset  # type: ignore[attr-defined]
                    for i, (seed, size, offset) in enumerate(
                        zip(self.seeds, self.table_rows, self.offsets, strict=True)
                    )
                ],
                axis=1,
            ).astype(numpy.int64)
            mix = self.mix
            embed_maxout(
                self.premixed, keys, mix.bias, mix.n_out, mix.pieces, mix.gain, mix.shift, hidden, rows
            )
        for layer in self.layers:
            hidden = _window_layer(layer, hidden)
        return numpy.split(hidden[rows], numpy.cumsum(lengths)[:-1])


CHUNK_ROWS = 2048  # rows whose window products are made at once: they stay in the CPU's cache


def _window_layer(layer: _Maxout, hidden: numpy.ndarray) -> numpy.ndarray:
    """``hidden`` plus the layer's window output of each row (residual), ``CHUNK_ROWS``
    rows at a time: each chunk's product with the window weights (and the ``w`` rows
    around it) is read back while it is still in cache, not after a whole batch's."""
    out = hidden.copy()
    m = len(hidden)
    w = (layer.blocks - 1) // 2
    for a in range(0, m, CHUNK_ROWS):
        b = min(m, a + CHUNK_ROWS)
        lo, hi = max(0, a - w), min(m, b + w)
        products = hidden[lo:hi] @ layer.weights
        window_maxout(
            products,
            a - lo,
            b - lo,
            layer.blocks,
            layer.bias,
            layer.n_out,
            layer.pieces,
            layer.gain,
            layer.shift,
            out[a:b],
        )
    return out
