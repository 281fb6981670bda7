"""Compiled inner loops of the entity model's prediction (预测内核), with numba.

Three loops that numpy can only run as many passes over small arrays, each compiled once
per machine (numba's cache, next to this file or in the user's cache directory):

* :func:`embed_maxout`: a token's hashed embeddings, already multiplied by the mixing
  layer's weights (a table row per hashed key), summed, then the maxout and layer norm;
* :func:`window_maxout`: a CNN layer's window as shifted rows of one matrix product, then
  the maxout, layer norm and residual sum;
* :func:`viterbi_path`: the best tag sequence under allowed transitions (and
  :func:`chosen_probability`, the probability of each chosen tag).

The float loops may reorder sums (``reassoc``), never assume away infinities or NaN.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy
from numba import njit

__all__ = ["embed_maxout", "window_maxout", "viterbi_path", "predecessors", "chosen_probability"]

_REORDER = {"nsz", "arcp", "contract", "afn", "reassoc"}  # fastmath without nnan and ninf


def _compiled(fastmath: bool | set[str] = False) -> Callable[[Callable], Callable]:
    """``numba.njit``, the compiled code kept in numba's cache where a place for it can be
    written (else compiled again in each process)."""

    def decorate(function: Callable) -> Callable:
        try:
            return njit(function, cache=True, nogil=True, fastmath=fastmath)
        except RuntimeError:  # no cache directory can be written (a read-only install)
            return njit(function, nogil=True, fastmath=fastmath)

    return decorate


@_compiled(fastmath=_REORDER)
def _maxout_norm(acc, n_out, pieces, gain, shift, out, row, residual):  # type: ignore[no-untyped-def]
    """``out[row]`` (+)= the layer norm of the maximum over ``pieces`` blocks of ``acc``."""
    value = acc[:n_out].copy()
    for p in range(1, pieces):
        for o in range(n_out):
            x = acc[p * n_out + o]
            if x > value[o]:
                value[o] = x
    mean = numpy.float32(0.0)
    for o in range(n_out):
        mean += value[o]
    mean /= numpy.float32(n_out)
    variance = numpy.float32(0.0)
    for o in range(n_out):
        value[o] -= mean
        variance += value[o] * value[o]
    variance = variance / numpy.float32(n_out) + numpy.float32(1e-08)  # as thinc's LayerNorm
    scale = numpy.float32(1.0) / numpy.sqrt(variance)
    if residual:
        for o in range(n_out):
            out[row, o] += value[o] * scale * gain[o] + shift[o]
    else:
        for o in range(n_out):
            out[row, o] = value[o] * scale * gain[o] + shift[o]


@_compiled(fastmath=_REORDER)
def embed_maxout(table, keys, bias, n_out, pieces, gain, shift, out, rows):  # type: ignore[no-untyped-def]
    """``out[rows[r]] = norm(maxout(bias + sum(table[keys[r, h]] for h)))`` for every token
    ``r``: ``table`` holds each feature's embedding rows times its block of the mixing
    weights (``(rows, pieces * n_out)``), ``keys`` each token's rows in it."""
    width = pieces * n_out
    acc = numpy.empty(width, dtype=numpy.float32)
    for r in range(keys.shape[0]):
        acc[:] = bias
        for h in range(keys.shape[1]):
            vector = table[keys[r, h]]
            for j in range(width):
                acc[j] += vector[j]
        _maxout_norm(acc, n_out, pieces, gain, shift, out, rows[r], False)


@_compiled(fastmath=_REORDER)
def window_maxout(products, first, last, blocks, bias, n_out, pieces, gain, shift, out):  # type: ignore[no-untyped-def]
    """``out[t - first] += norm(maxout(bias + sum(products[t + b - w, block b] for b)))`` for
    the rows ``first <= t < last`` of ``products``: the rows of ``hidden`` times the window's
    weights side by side, one block of ``pieces * n_out`` columns per window position
    (``w`` before, the token, ``w`` after); rows outside ``products`` count as zero."""
    m = products.shape[0]
    width = pieces * n_out
    w = (blocks - 1) // 2
    acc = numpy.empty(width, dtype=numpy.float32)
    for t in range(first, last):
        acc[:] = bias
        for b in range(blocks):
            r = t + b - w
            if 0 <= r < m:
                for j in range(width):
                    acc[j] += products[r, b * width + j]
        _maxout_norm(acc, n_out, pieces, gain, shift, out, t - first, True)


def predecessors(allowed: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    """``allowed[i, j]`` (tag ``j`` may follow tag ``i``) as lists of predecessors:
    those of ``j`` are ``preds[start[j]:start[j + 1]]``."""
    lists = [numpy.flatnonzero(allowed[:, j]) for j in range(allowed.shape[1])]
    start = numpy.cumsum([0, *(len(p) for p in lists)]).astype(numpy.int64)
    preds = numpy.concatenate(lists).astype(numpy.int64) if lists else numpy.zeros(0, numpy.int64)
    return start, preds


@_compiled()
def viterbi_path(scores, start, preds, first, last):  # type: ignore[no-untyped-def]
    """The tag ids of greatest total score (``scores``: tokens x tags) among the sequences
    that start with a ``first`` tag, end with a ``last`` one and only step from a tag to
    one of its successors (:func:`predecessors`). Ties go to the lower tag id."""
    n, size = scores.shape
    path = numpy.zeros(n, dtype=numpy.int64)
    if n == 0:
        return path
    back = numpy.zeros((n, size), dtype=numpy.int64)
    best = numpy.empty(size, dtype=numpy.float64)
    step = numpy.empty(size, dtype=numpy.float64)
    for j in range(size):
        best[j] = scores[0, j] if first[j] else -numpy.inf
    for t in range(1, n):
        for j in range(size):
            top = -numpy.inf
            arg = -1
            for p in range(start[j], start[j + 1]):
                i = preds[p]
                if arg < 0 or best[i] > top:
                    top = best[i]
                    arg = i
            step[j] = top + scores[t, j]
            back[t, j] = max(arg, 0)
        best[:] = step
    top = -numpy.inf
    arg = 0
    found = False
    for j in range(size):
        if last[j] and (not found or best[j] > top):
            top = best[j]
            arg = j
            found = True
    path[n - 1] = arg
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


@_compiled()
def chosen_probability(scores, path):  # type: ignore[no-untyped-def]
    """The softmax probability of each token's chosen tag ``path[t]``, from its logits."""
    n, size = scores.shape
    out = numpy.empty(n, dtype=numpy.float32)
    for t in range(n):
        top = scores[t, 0]
        for j in range(1, size):
            top = max(top, scores[t, j])
        total = 0.0
        for j in range(size):
            total += numpy.exp(scores[t, j] - top)
        out[t] = numpy.exp(scores[t, path[t]] - top) / total
    return out
