"""The entity model's token vectors (字向量), registered as ``lantai.Tok2Vec.v1``.

spaCy's ``spacy.Tok2Vec.v2`` (hashed embeddings of the token features mixed by a maxout
layer, then a CNN of maxout windows with residual connections), with a faster forward
pass for prediction. Training runs spaCy's layers unchanged; prediction computes the same
vectors (up to float rounding) with fewer, larger array operations:

* the features of a whole batch are read and embedded at once, not doc by doc;
* a window of ``2w + 1`` tokens is ``2w + 1`` matrix products of the token vectors,
  shifted and added, instead of a copy of every window (``seq2col``) and one product;
* the maxout pieces are laid out side by side, so the maximum is taken over contiguous
  blocks.

The batch is laid out as spaCy lays it out (each doc between rows of padding that the
layers compute as well), so the vectors equal spaCy's. A network of another shape than
the one described (static vectors, another kind of layer) is predicted by spaCy's layers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy
from spacy.attrs import IDS
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model

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
    if is_train or not docs:
        return inner(docs, is_train)
    fast = FastForward.of(inner)  # read every time: training changes the weights between predictions
    if fast is None:
        return inner(docs, is_train)
    return fast(docs), _no_backprop


def _no_backprop(d_outputs: list) -> list:
    raise NotImplementedError("lantai.Tok2Vec.v1: the fast forward pass is for prediction only")


# --------------------------------------------------------------------------- the parameters


@dataclass(frozen=True)
class _Maxout:
    """A maxout layer with its layer norm: weights ``(nI, nP * nO)``, pieces side by side."""

    weights: list[numpy.ndarray]  # one (width, nP * nO) block per window position
    bias: numpy.ndarray
    n_out: int
    pieces: int
    gain: numpy.ndarray
    shift: numpy.ndarray

    @classmethod
    def of(cls, maxout: Model, layernorm: Model, window: int) -> _Maxout:
        W, b = numpy.asarray(maxout.get_param("W")), numpy.asarray(maxout.get_param("b"))
        n_out, pieces, n_in = W.shape
        flat = numpy.ascontiguousarray(W.transpose(2, 1, 0).reshape(n_in, pieces * n_out))
        width = n_in // (2 * window + 1)
        blocks = [numpy.ascontiguousarray(flat[k * width : (k + 1) * width]) for k in range(2 * window + 1)]
        return cls(
            blocks,
            numpy.ascontiguousarray(b.T.reshape(pieces * n_out)),
            n_out,
            pieces,
            numpy.asarray(layernorm.get_param("G")),
            numpy.asarray(layernorm.get_param("b")),
        )

    def finish(self, pre: numpy.ndarray) -> numpy.ndarray:
        """The maximum over the pieces of ``pre`` (bias added), layer-normalized."""
        n = self.n_out
        out = pre[:, :n].copy()
        for p in range(1, self.pieces):
            numpy.maximum(out, pre[:, p * n : (p + 1) * n], out=out)
        out -= out.mean(axis=1, keepdims=True)
        variance = (out * out).mean(axis=1, keepdims=True)
        variance += 1e-08  # as thinc's LayerNorm
        out *= variance**-0.5
        out *= self.gain
        out += self.shift
        return out


@dataclass(frozen=True)
class FastForward:
    """The forward pass of a ``spacy.Tok2Vec.v2`` network of hashed embeddings
    (``MultiHashEmbed``) and maxout windows (``MaxoutWindowEncoder``)."""

    ops: object
    columns: list[int | str]  # spaCy attribute ids of the features
    tables: list[tuple[numpy.ndarray, int]]  # (vectors, seed) per feature
    mix: _Maxout
    layers: list[_Maxout]
    window: int
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
        return cls(
            ops=inner.ops,
            columns=[IDS[c] if isinstance(c, str) else c for c in features.attrs["columns"]],
            tables=[(numpy.asarray(n.get_param("E")), n.attrs["seed"]) for n in embeds],
            mix=_Maxout.of(mix, pairs[mix.id], 0),
            layers=[_Maxout.of(m, pairs[m.id], window) for m in encoders],
            window=window,
            pad=pad,
        )

    def __call__(self, docs: list[Doc]) -> list[numpy.ndarray]:
        """Each doc's token vectors, ``(len(doc), width)`` arrays."""
        features = numpy.concatenate([doc.to_array(self.columns) for doc in docs]).reshape(
            -1, len(self.columns)
        )
        lengths = numpy.array([len(doc) for doc in docs])
        n = len(features)
        width = self.tables[0][0].shape[1]
        embedded = numpy.empty((n, width * len(self.tables)), dtype="f")
        for i, (vectors, seed) in enumerate(self.tables):
            if n:
                keys = self.ops.hash(numpy.ascontiguousarray(features[:, i]), seed) % vectors.shape[0]  # type: ignore[attr-defined]
                embedded[:, i * width : (i + 1) * width] = self.ops.gather_add(vectors, keys)  # type: ignore[attr-defined]
        pre = embedded @ self.mix.weights[0]
        pre += self.mix.bias
        vectors = self.mix.finish(pre)
        # the encoder's layout: every doc between ``pad`` rows of padding
        rows = numpy.repeat(self.pad * numpy.arange(1, len(docs) + 1), lengths) + numpy.arange(n)
        hidden = numpy.zeros((n + self.pad * (len(docs) + 1), vectors.shape[1]), dtype="f")
        hidden[rows] = vectors
        w = self.window
        for layer in self.layers:
            pre = hidden @ layer.weights[w]
            pre += layer.bias
            for k in range(1, w + 1):  # the k-th token before and after
                pre[k:] += hidden[:-k] @ layer.weights[w - k]
                pre[:-k] += hidden[k:] @ layer.weights[w + k]
            hidden = hidden + layer.finish(pre)
        return numpy.split(hidden[rows], numpy.cumsum(lengths)[:-1])
