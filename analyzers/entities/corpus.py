"""Labelled training and evaluation sentences (标注语料) from the shared corpus.

Build-time only: used by :mod:`analyzers.entities.train` and ``bench/ner_eval.py``, never
by :func:`analyzers.entities.extract_entities`. The corpus lives outside the repository
(``../shared/corpus`` relative to it; see its README). Every sentence is mapped to Lantai's
labels and then passed through :func:`analyzers.normalize.normalize`, so the model is
trained on the same normalized text it sees at run time (NFKC, lowercase Latin,
simplified script, whitespace between CJK characters removed).

Label mapping (documented in ``docs/benchmarks.md`` too):

* People's Daily 1998, MSRA: ``PER`` -> PERSON, ``LOC`` -> PLACE, ``ORG`` -> ORG.
* Weibo: names only (``.NAM``): ``PER`` -> PERSON, ``LOC``/``GPE`` -> PLACE, ``ORG`` -> ORG;
  nominal mentions (``.NOM``, e.g. 老师) are not entities here (tagged O).
* CLUENER2020: ``name`` -> PERSON; ``organization``, ``government`` and ``company`` ->
  ORG (People's Daily tags companies and government bodies as ORG too); ``address`` ->
  PLACE when it is a short place name (at most 5 characters, no digits or Latin letters,
  e.g. 北京, 海淀区), otherwise *unknown* (a full street address such as
  广州市天河区体育东路116号 is several places in People's Daily style, so the span is
  excluded from the loss rather than taught either way); ``scene`` (scenic spots and
  museums, half of which People's Daily would call LOC) -> unknown; ``book``, ``movie``,
  ``game``, ``position`` -> O. CLUENER leaves most places outside addresses unlabelled
  (中国 alone: 322 of 335 times), so unlabelled known place names are unknown too
  (:func:`mask_unlabelled_places`). The shipped model takes only CLUENER's persons
  (``cluener_labels`` in ``config.cfg``): with its organisations and places too, even so
  masked, the People's Daily dev F1 after 1,500 steps was 0.61 against 0.71 without
  CLUENER; with its persons only, the best dev F1 within 8 epochs was 0.78 against 0.75
  without CLUENER (same settings otherwise).

Fixed splits of the People's Daily file (2,318 sentences, in file order):

* held-out: the last 20 % (sentences 1,855-2,318, 464 of them) -- never trained on, never
  used for early stopping; ``bench/ner_eval.py`` measures on it;
* dev: every 8th sentence of the rest (index % 8 == 7) -- early stopping only;
* train: the other People's Daily sentences.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from analyzers.normalize import normalize

__all__ = [
    "LABELS",
    "Sentence",
    "default_corpus_dir",
    "read_bio",
    "read_cluener",
    "peoples_daily",
    "msra",
    "weibo",
    "cluener",
    "split_peoples_daily",
    "mask_unlabelled_places",
    "place_lexicon",
    "load_splits",
]

LABELS = ("PERSON", "PLACE", "ORG")
HELDOUT_FRACTION = 0.2
DEV_EVERY = 8

PD_FILE = "peoples-daily-ner/example.dev"
MSRA_FILES = ("msra-ner/msra_train_bio.txt", "msra-ner/msra_test_bio.txt")
WEIBO_FILES = {split: f"weibo-ner/weiboNER_2nd_conll.{split}" for split in ("train", "dev", "test")}
CLUENER_FILE = "cluener2020/train.json"

BIO_LABELS = {"PER": "PERSON", "LOC": "PLACE", "GPE": "PLACE", "ORG": "ORG"}
CLUENER_LABELS = {"name": "PERSON", "organization": "ORG", "government": "ORG", "company": "ORG"}
CLUENER_UNKNOWN = {"scene"}
_SHORT_PLACE_RE = re.compile(r"[^\W\d_a-zA-Z]{1,5}")


@dataclass(frozen=True)
class Sentence:
    """A labelled sentence: ``spans`` are ``(start, end, label)``, end exclusive.

    ``missing`` are spans whose annotation is unknown (excluded from the training loss).
    """

    text: str
    spans: tuple[tuple[int, int, str], ...]
    missing: tuple[tuple[int, int], ...] = ()
    source: str = ""


def default_corpus_dir() -> Path:
    """``../shared/corpus`` relative to the repository root."""
    return Path(__file__).resolve().parents[3] / "shared" / "corpus"


# --------------------------------------------------------------------------- readers


def _bio_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    start, label = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, kind = tag.partition("-")
        if start >= 0 and (prefix != "I" or kind != label):
            spans.append((start, i, label))
            start = -1
        if prefix == "B" or (prefix == "I" and start < 0):
            start, label = i, kind
    return spans


def read_bio(path: Path, *, weibo: bool = False) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    """Sentences of a one-character-per-line BIO file as ``(text, [(start, end, tag_type)])``.

    ``weibo``: characters carry a segmentation digit (``科0``) that is dropped.
    """
    chars: list[str] = []
    tags: list[str] = []
    for line in [*path.read_text("utf-8").split("\n"), ""]:
        line = line.rstrip("\r")
        if not line.strip():
            if chars:
                yield "".join(chars), _bio_spans(tags)
            chars, tags = [], []
            continue
        tag = line.split()[-1]
        char = line[: len(line) - len(tag) - 1]  # the character, then one separator
        if weibo:
            char = char[:-1]
        chars.append(char[:1] or " ")
        tags.append(tag)


def read_cluener(path: Path) -> Iterator[tuple[str, dict[str, list[tuple[int, int]]]]]:
    """CLUENER2020 JSON lines as ``(text, {type: [(start, end_exclusive)]})``."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            spans: dict[str, list[tuple[int, int]]] = {}
            for kind, mentions in row.get("label", {}).items():
                for positions in mentions.values():
                    spans.setdefault(kind, []).extend((a, b + 1) for a, b in positions)
            yield row["text"], spans


# --------------------------------------------------------------------------- to Lantai labels


def _normalized(
    text: str, spans: Iterable[tuple[int, int, str]], missing: Iterable[tuple[int, int]], source: str
) -> Sentence:
    """Normalize the text and move the spans onto it (dropping spans that vanish)."""
    norm = normalize(text)
    offsets = norm.offsets
    first = [len(norm.text)] * (len(text) + 1)  # first normalized index at or after each original index
    j = len(norm.text)
    for i in range(len(text), -1, -1):
        while j > 0 and offsets[j - 1] >= i:
            j -= 1
        first[i] = j

    def move(a: int, b: int) -> tuple[int, int] | None:
        if not 0 <= a < b <= len(text):
            return None
        na, nb = first[a], first[b]
        while na < nb and norm.text[na].isspace():
            na += 1
        while nb > na and norm.text[nb - 1].isspace():
            nb -= 1
        return (na, nb) if nb > na else None

    out_spans = []
    for a, b, label in spans:
        moved = move(a, b)
        if moved:
            out_spans.append((*moved, label))
    out_missing = [m for a, b in missing if (m := move(a, b))]
    return Sentence(norm.text, tuple(sorted(out_spans)), tuple(sorted(out_missing)), source)


def peoples_daily(corpus_dir: Path) -> list[Sentence]:
    """The People's Daily 1998 sentences, in file order."""
    return [
        _normalized(text, [(a, b, BIO_LABELS[t]) for a, b, t in spans], (), "peoples-daily")
        for text, spans in read_bio(corpus_dir / PD_FILE)
    ]


def msra(corpus_dir: Path) -> list[Sentence]:
    """The MSRA (SIGHAN 2006) sentences: its training file (45,334 sentences, filtered of
    every People's Daily dev sentence, see the corpus README), then its test file."""
    return [
        _normalized(text, [(a, b, BIO_LABELS[t]) for a, b, t in spans], (), "msra")
        for name in MSRA_FILES
        for text, spans in read_bio(corpus_dir / name)
    ]


def weibo(corpus_dir: Path, split: str = "train") -> list[Sentence]:
    """Weibo sentences of one split, name mentions (``.NAM``) only."""
    out = []
    for text, spans in read_bio(corpus_dir / WEIBO_FILES[split], weibo=True):
        kept = []
        for a, b, tag in spans:
            kind, _, mention = tag.partition(".")
            if mention == "NAM" and kind in BIO_LABELS:
                kept.append((a, b, BIO_LABELS[kind]))
        out.append(_normalized(text, kept, (), f"weibo-{split}"))
    return out


def cluener(corpus_dir: Path, labels: Iterable[str] = LABELS) -> list[Sentence]:
    """CLUENER2020 training sentences, mapped as the module docstring says.

    Mentions mapped to a Lantai label not in ``labels`` are unknown (missing).
    """
    keep = set(labels)
    out = []
    for text, kinds in read_cluener(corpus_dir / CLUENER_FILE):
        spans: list[tuple[int, int, str]] = []
        missing: list[tuple[int, int]] = []
        for kind, positions in kinds.items():
            for a, b in positions:
                if kind in CLUENER_LABELS:
                    spans.append((a, b, CLUENER_LABELS[kind]))
                elif kind == "address":
                    if _SHORT_PLACE_RE.fullmatch(text[a:b]):
                        spans.append((a, b, "PLACE"))
                    else:
                        missing.append((a, b))
                elif kind in CLUENER_UNKNOWN:
                    missing.append((a, b))
        spans = _drop_overlaps(spans)
        missing += [(a, b) for a, b, label in spans if label not in keep]
        spans = [span for span in spans if span[2] in keep]
        out.append(_normalized(text, spans, missing, "cluener"))
    return out


def _drop_overlaps(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep the longest of overlapping spans (a few CLUENER mentions nest)."""
    kept: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        if all(span[1] <= a or span[0] >= b for a, b, _ in kept):
            kept.append(span)
    return sorted(kept)


# --------------------------------------------------------------------------- splits


def split_peoples_daily(sentences: list[Sentence]) -> tuple[list[Sentence], list[Sentence], list[Sentence]]:
    """``(train, dev, heldout)`` of the People's Daily sentences (fixed; see module docstring)."""
    cut = round(len(sentences) * (1 - HELDOUT_FRACTION))
    rest, heldout = sentences[:cut], sentences[cut:]
    train = [s for i, s in enumerate(rest) if i % DEV_EVERY != DEV_EVERY - 1]
    dev = [s for i, s in enumerate(rest) if i % DEV_EVERY == DEV_EVERY - 1]
    return train, dev, heldout


def mask_unlabelled_places(sentences: Iterable[Sentence], lexicon: Iterable[str]) -> list[Sentence]:
    """Mark known place names that a sentence leaves unlabelled as unknown (missing).

    CLUENER labels a place only as part of an address, so 中国 or 美国 standing alone is
    mostly unlabelled there (322 of 335 mentions of 中国 outside other entities), while
    People's Daily, MSRA and Weibo label every one. Rather than teach the model both, such
    occurrences of names in ``lexicon`` (longest match, at least two characters) are
    excluded from the loss.
    """
    names = {n for n in lexicon if len(n) >= 2}
    lengths: dict[str, list[int]] = {}
    for name in names:
        lengths.setdefault(name[0], []).append(len(name))
    for sizes in lengths.values():
        sizes.sort(reverse=True)
    out = []
    for sentence in sentences:
        text = sentence.text
        covered = [(a, b) for a, b, _ in sentence.spans] + list(sentence.missing)
        extra: list[tuple[int, int]] = []
        i = 0
        while i < len(text):
            for size in lengths.get(text[i], ()):
                if text[i : i + size] in names:
                    if not any(a < i + size and i < b for a, b in covered):
                        extra.append((i, i + size))
                    i += size - 1
                    break
            i += 1
        if extra:
            sentence = Sentence(
                text, sentence.spans, tuple(sorted([*sentence.missing, *extra])), sentence.source
            )
        out.append(sentence)
    return out


def place_lexicon(sentences: Iterable[Sentence]) -> set[str]:
    """Texts of the gold PLACE entities of ``sentences``."""
    return {s.text[a:b] for s in sentences for a, b, label in s.spans if label == "PLACE"}


def load_splits(corpus_dir: Path, cluener_labels: Iterable[str] = LABELS) -> dict[str, list[Sentence]]:
    """All splits: ``train`` (PD train + MSRA + Weibo train + CLUENER), ``dev`` (PD dev),
    ``heldout`` (PD held-out), ``weibo_test`` (Weibo test, names only).

    Training sentences whose text equals a held-out, dev or Weibo test sentence are
    dropped. In CLUENER, unlabelled mentions of places labelled elsewhere in the training
    data (or of administrative divisions) are unknown (:func:`mask_unlabelled_places`).
    """
    pd_train, pd_dev, pd_heldout = split_peoples_daily(peoples_daily(corpus_dir))
    weibo_test = weibo(corpus_dir, "test")
    reserved = {s.text for s in [*pd_dev, *pd_heldout, *weibo_test]}
    labelled = [
        s
        for s in [*pd_train, *msra(corpus_dir), *weibo(corpus_dir, "train")]
        if s.text and s.text not in reserved
    ]
    from analyzers.segment import dictionary_words

    lexicon = place_lexicon(labelled) | set(dictionary_words("divisions.txt"))
    partial = [
        s
        for s in mask_unlabelled_places(cluener(corpus_dir, cluener_labels), lexicon)
        if s.text not in reserved
    ]
    return {"train": [*labelled, *partial], "dev": pd_dev, "heldout": pd_heldout, "weibo_test": weibo_test}
