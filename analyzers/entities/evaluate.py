"""Exact-span evaluation (精确匹配评测) of the entity pipeline on labelled sentences.

Used by ``lantai train-ner`` (:mod:`analyzers.entities.train`) and ``bench/ner_eval.py``.
A predicted entity counts as correct only when its start, end and label all equal a gold
entity's. Only PERSON, PLACE and ORG are scored (the corpora label nothing else).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from spacy.language import Language

from analyzers.entities.components import MODEL_LABELS
from analyzers.entities.corpus import Sentence

__all__ = ["evaluate", "format_scores"]


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f": f, "tp": tp, "fp": fp, "fn": fn, "gold": tp + fn}


def evaluate(
    nlp: Language,
    sentences: Sequence[Sentence],
    *,
    labels: Iterable[str] = MODEL_LABELS,
    disable: Iterable[str] = (),
    batch_size: int = 256,
) -> dict:
    """Per-label and micro precision, recall, F1 of ``nlp`` on ``sentences``.

    ``disable`` names pipeline components to switch off (e.g. ``lantai_divisions`` to
    score the statistical model alone).
    """
    labels = tuple(labels)
    counts = {label: [0, 0, 0] for label in labels}
    docs = nlp.pipe((s.text for s in sentences), batch_size=batch_size, disable=list(disable))
    for sentence, doc in zip(sentences, docs, strict=True):
        gold = {span for span in sentence.spans if span[2] in counts}
        pred = {(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in counts}
        for _, _, label in pred & gold:
            counts[label][0] += 1
        for _, _, label in pred - gold:
            counts[label][1] += 1
        for _, _, label in gold - pred:
            counts[label][2] += 1
    per_label = {label: _prf(*c) for label, c in counts.items()}
    micro = _prf(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return {"labels": per_label, "micro": micro, "sentences": len(sentences)}


def format_scores(name: str, scores: dict) -> str:
    """A small markdown table of ``scores`` (from :func:`evaluate`)."""
    lines = [
        f"{name} ({scores['sentences']} sentences)",
        "",
        "| label | gold | P | R | F1 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    rows = [*scores["labels"].items(), ("micro", scores["micro"])]
    for label, s in rows:
        label = f"**{label}**" if label == "micro" else label
        lines.append(f"| {label} | {s['gold']} | {s['p']:.3f} | {s['r']:.3f} | {s['f']:.3f} |")
    return "\n".join(lines)
