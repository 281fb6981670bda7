"""Loading the analysis ahead of use (预热), for the processes that analyse many texts."""

from __future__ import annotations

import gc

from analyzers.normalize import normalize
from analyzers.segment import index_tokens

__all__ = ["warm_up", "WARM_UP_TEXT"]

WARM_UP_TEXT = "预热：毛泽东1949年在北京。"
_frozen = False


def warm_up(*, entities: bool = True) -> None:
    """Load what the analysis uses and set it aside for the cycle collector.

    One text is analysed (with ``entities``: by the entity model and its compiled kernels
    too, else by the segmenter only), then, the first time in a process, everything alive
    is moved to the collector's permanent generation (:func:`gc.freeze`): the model,
    jieba's dictionary and the modules are never garbage, and a full collection no longer
    walks them (it took 5-7 % of an analysis of new records). Forked workers inherit
    this, and their pages of it stay shared. Call it before forking workers or before
    analysing in a worker; later calls only analyse the text.
    """
    global _frozen
    if entities:
        from analyzers.entities import extract_entities

        extract_entities(WARM_UP_TEXT)
    index_tokens(normalize(WARM_UP_TEXT).text)
    if not _frozen:
        gc.collect()  # what is garbage now is not frozen with the rest
        gc.freeze()
        _frozen = True
