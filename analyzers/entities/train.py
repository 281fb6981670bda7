"""Train the entity model (训练实体模型) from the shared corpus: ``lantai train-ner``.

Build-time only. :func:`train_ner_command` reads ``config.cfg`` (next to this file), trains
spaCy's ``tok2vec`` and the entity tagger (component ``ner``) on the labelled sentences of
the corpus (see :mod:`analyzers.entities.corpus` for the label mapping and the fixed splits) with a fixed
seed, a fixed number of epochs and early stopping on the People's Daily dev split, writes
the best checkpoint to ``output_dir`` (``analyzers/entities/model`` ships in the
repository), then prints the time taken and the scores on the held-out People's Daily
sentences and on the Weibo test file.

Nothing is downloaded: the pipeline starts from a blank Chinese ``Language``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.training import Example, offsets_to_biluo_tags
from spacy.util import load_config, registry

from analyzers.entities.components import Divisions, cpu_ops
from analyzers.entities.corpus import LABELS, Sentence, default_corpus_dir, load_splits
from analyzers.entities.evaluate import evaluate, format_scores

__all__ = ["CONFIG_PATH", "train_ner_command", "train_model", "make_example", "write_model_card"]

CONFIG_PATH = Path(__file__).resolve().parent / "config.cfg"
MODEL_NAME = "lantai_entities"
MODEL_VERSION = "0.1.0"


@lru_cache(maxsize=2)
def _splits(path: str, cluener_labels: tuple[str, ...] = LABELS) -> dict[str, list[Sentence]]:
    return load_splits(Path(path), cluener_labels)


def make_example(nlp: Language, sentence: Sentence) -> Example:
    """A training example: gold entities, unknown spans marked missing (``-``)."""
    doc = nlp.make_doc(sentence.text)
    tags = offsets_to_biluo_tags(doc, list(sentence.spans))
    for start, end in sentence.missing:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            for i in range(span.start, span.end):
                tags[i] = "-"
    return Example.from_dict(doc, {"entities": tags})


@registry.readers("lantai.corpus.v1")
def create_corpus_reader(
    path: str | None,
    split: str,
    sources: list[str] | None = None,
    repeat: dict[str, int] | None = None,
    cluener_labels: list[str] | None = None,
) -> Callable[[Language], Iterator[Example]]:
    """Examples of one split (``train``, ``dev``, ``heldout``, ``weibo_test``) of the corpus.

    ``sources`` keeps only sentences of those sources (all when null); ``repeat`` gives a
    source's sentences that many times per epoch (up-weighting, e.g. ``{"peoples-daily": 2}``);
    ``cluener_labels`` are the labels taken from CLUENER (its other mentions are unknown).
    """

    made: list[tuple[Language, list[tuple[Example, int]]]] = []  # spaCy reads a corpus several times

    def read(nlp: Language) -> Iterator[Example]:
        if not made or made[0][0] is not nlp:
            corpus = path or str(default_corpus_dir())
            made[:] = [
                (
                    nlp,
                    [
                        (make_example(nlp, sentence), (repeat or {}).get(sentence.source, 1))
                        for sentence in _splits(corpus, tuple(cluener_labels or LABELS))[split]
                        if sources is None or sentence.source in sources
                    ],
                )
            ]
        for example, times in made[0][1]:
            for _ in range(times):
                yield example

    return read


CLEAN_SOURCES = frozenset({"peoples-daily", "msra", "weibo-train"})
#: Division names that are common words of archive records whatever the corpus says:
#: 东至 (a county) is "east to ..." in the four bounds (四至) of every land deed.
ARCHIVAL_WORDS = ("东至",)


def gazetteer_exclusions(sentences: Iterable[Sentence]) -> list[str]:
    """Division names that are mostly common words in the training sentences.

    Counted are a name's occurrences as an exact gold PLACE and those outside any gold
    (or unknown) span; occurrences inside other entities (新华社, 张万年) do not count, as
    there the model's entity takes precedence. A name is excluded when, in the fully
    annotated sources (People's Daily, MSRA, Weibo), it is outside an entity at least twice
    and more often than it is a PLACE (合作, 和平, 友好, 比如), or when, in all sources
    (CLUENER too, whose annotation is less complete), it is outside an entity at least
    three times and never a PLACE (前锋, 下城). :data:`ARCHIVAL_WORDS` are always excluded.
    """
    divisions = Divisions()
    counts: dict[str, list[int]] = {}  # name -> [place clean, outside clean, place all, outside all]
    for sentence in sentences:
        gold = sentence.spans
        clean = sentence.source in CLEAN_SOURCES
        for start, end in divisions.matches(sentence.text):
            c = counts.setdefault(sentence.text[start:end], [0, 0, 0, 0])
            if (start, end, "PLACE") in gold:
                kind = 0
            elif any(a < end and start < b for a, b, _ in gold) or any(
                a < end and start < b for a, b in sentence.missing
            ):
                continue
            else:
                kind = 1
            c[kind + 2] += 1
            if clean:
                c[kind] += 1
    return sorted(
        {
            name
            for name, (place_clean, outside_clean, place_all, outside_all) in counts.items()
            if (outside_clean >= 2 and outside_clean > place_clean) or (outside_all >= 3 and place_all == 0)
        }
        | set(ARCHIVAL_WORDS)
    )


def train_model(
    corpus_dir: Path,
    output_dir: Path,
    overrides: dict | None = None,
    log: Callable[[str], None] = print,
    checkpoints: Path | None = None,
) -> Language:
    """Train, write the best checkpoint to ``output_dir`` and return it loaded.

    The gazetteer's ``exclude`` list is computed from the training sentences
    (:func:`gazetteer_exclusions`) and saved in the model's config. ``checkpoints`` keeps
    spaCy's ``model-best``/``model-last`` there while training (a temporary directory
    otherwise), so a long run can be inspected before it ends.
    """
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as train_loop

    exclude = gazetteer_exclusions(_splits(str(corpus_dir))["train"])
    log(f"gazetteer: {len(exclude)} division names excluded as mostly common words")
    config = load_config(
        CONFIG_PATH,
        overrides={
            "paths.corpus": str(corpus_dir),
            "components.lantai_divisions.exclude": exclude,
            **(overrides or {}),
        },
        interpolate=False,
    )
    with cpu_ops():
        nlp = init_nlp(config, use_gpu=-1)
    log(f"pipeline: {', '.join(nlp.pipe_names)}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lantai-train-ner-") as tmp, cpu_ops():
        work = Path(checkpoints) if checkpoints is not None else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        train_loop(nlp, work, use_gpu=-1, stdout=sys.stdout, stderr=sys.stderr)
        best = work / "model-best"
        _finish_model(
            best,
            {
                "train_seconds": round(time.perf_counter() - started, 1),
                "seed": config["system"]["seed"],
                "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
                "gazetteer_excluded": len(exclude),
                "max_steps": config["training"]["max_steps"] or None,
            },
        )
        _replace_dir(best, output_dir)
    import analyzers.entities as entities

    entities.reset_pipeline()
    return spacy.load(output_dir)


def _finish_model(path: Path, training: dict) -> None:
    """Drop the local corpus path from the saved config, name the package, note the run."""
    config = load_config(path / "config.cfg", interpolate=False)
    config["paths"]["corpus"] = None
    config.to_disk(path / "config.cfg")
    meta_path = path / "meta.json"
    meta = json.loads(meta_path.read_text("utf-8"))
    meta.update(
        name=MODEL_NAME,
        version=MODEL_VERSION,
        description="Lantai entity pipeline: PERSON, PLACE, ORG (statistical), DATE, DOC_TITLE, "
        "PLACE from administrative divisions (rules). Trained by `lantai train-ner`.",
        author="Lantai",
        license="Apache-2.0 (code); weights trained on third-party research corpora, see "
        "analyzers/entities/corpus.py",
        sources=[
            {
                "name": "MSRA NER (SIGHAN 2006) msra_train_bio.txt (filtered of the evaluation "
                "sentences, see the corpus README) and msra_test_bio.txt"
            },
            {"name": "People's Daily 1998 NER (example.dev, first 80 %, twice per epoch)"},
            {"name": "Weibo NER (Peng & Dredze 2015) train, name mentions"},
        ],
        lantai=training,
    )
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", "utf-8")


def _replace_dir(source: Path, target: Path) -> None:
    """Move a model directory into place, replacing an earlier model there."""
    target = Path(target)
    if target.exists():
        if any(target.iterdir()) and not (target / "meta.json").exists():
            raise SystemExit(f"train-ner: {target} exists and is not a model directory; not replacing it")
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target)


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def train_ner_command(corpus_dir: Path, output_dir: Path) -> int:
    """``lantai train-ner``: train the model from ``corpus_dir`` into ``output_dir``.

    Prints progress, the time taken, the model size and the held-out scores; returns the
    exit status.
    """
    corpus_dir, output_dir = Path(corpus_dir), Path(output_dir)
    if not (corpus_dir / "peoples-daily-ner" / "example.dev").is_file():
        print(
            f"train-ner: no corpus at {corpus_dir} (expected peoples-daily-ner/example.dev)", file=sys.stderr
        )
        return 2
    started = time.perf_counter()
    nlp = train_model(corpus_dir, output_dir)
    trained = time.perf_counter() - started
    print(
        f"trained in {trained / 60:.1f} min ({trained:.0f} s); model: {output_dir} "
        f"({_dir_size(output_dir) / 1e6:.1f} MB)"
    )
    print(write_model_card(nlp, corpus_dir, output_dir))
    return 0


_FEATURE_NAMES = {
    "NORM": "character",
    "LEMMA": "character bigram",
    "TAG": "jieba word position and dictionary tag",
    "SHAPE": "shape",
}


def _features(config: dict) -> str:
    """The token features of the model's embeddings, in words."""
    attrs = config["components"]["tok2vec"]["model"]["embed"]["attrs"]
    return ", ".join(_FEATURE_NAMES.get(a, a) for a in attrs)


def write_model_card(nlp: Language, corpus_dir: Path, output_dir: Path) -> str:
    """Score the model on the held-out sentences and write its card (模型说明),
    ``README.md`` in ``output_dir``: data, scores, training run, date. Returns the card."""
    from datetime import UTC, datetime

    splits = _splits(str(corpus_dir))
    config = nlp.config
    meta = json.loads((Path(output_dir) / "meta.json").read_text("utf-8"))
    training = meta.get("lantai", {})
    train_sources = config["corpora"]["train"].get("sources") or "all"
    counts: dict[str, int] = {}
    for sentence in splits["train"]:
        if train_sources == "all" or sentence.source in train_sources:
            counts[sentence.source] = counts.get(sentence.source, 0) + 1
    heldout = evaluate(nlp, splits["heldout"])
    weibo = evaluate(nlp, splits["weibo_test"])
    encode = config["components"]["tok2vec"]["model"]["encode"]
    lines = [
        f"# Model card: {meta.get('name', MODEL_NAME)} {meta.get('version', MODEL_VERSION)}",
        "",
        f"Written by `lantai train-ner` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        "(the scores below are measured then, on this model).",
        "",
        "**What it does.** PERSON, PLACE and ORG in Chinese text, one token per character, "
        f"tok2vec width {encode['width']}, depth {encode['depth']}, window {encode['window_size']} "
        f"(features: {_features(config)}), "
        "a softmax tagger of BILUO classes decoded by Viterbi; then rules for DATE, DOC_TITLE "
        "and a gazetteer of administrative divisions (`analyzers/entities/config.cfg`).",
        "",
        "**Data** (`../shared/corpus/`, third-party research corpora, see its README; label "
        "mapping in `analyzers/entities/corpus.py`): "
        + ", ".join(f"{source} {n:,} sentences" for source, n in sorted(counts.items()))
        + f" (People's Daily twice per epoch). Early stopping on the People's Daily dev split "
        f"({len(splits['dev'])} sentences). Never trained on: the People's Daily held-out part "
        f"(last 20 % of example.dev, {len(splits['heldout'])} sentences) and the Weibo test file.",
        "",
        f"**Training.** Seed {training.get('seed')}, at most {config['training']['max_epochs']} epochs"
        + (f" and {config['training']['max_steps']} steps" if config["training"]["max_steps"] else "")
        + f", best checkpoint by dev F1; {training.get('train_seconds', '?')} s for the training loop "
        f"on {training.get('machine', '?')}"
        + (
            f" ({training['cpu_seconds']:.0f} s of CPU time: the machine was shared)"
            if training.get("cpu_seconds")
            else ""
        )
        + f". Model size {_dir_size(Path(output_dir)) / 1e6:.1f} MB.",
        "",
        f"**Scores** (exact spans, model and gazetteer as `extract_entities` runs them); "
        f"held-out micro F1 **{heldout['micro']['f']:.3f}**.",
        "",
        format_scores("People's Daily held-out", heldout),
        "",
        format_scores("Weibo test, names (out of domain)", weibo),
        "",
        "Rebuild: `lantai train-ner` (reads `../shared/corpus/`, writes this directory).",
    ]
    card = "\n".join(lines) + "\n"
    (Path(output_dir) / "README.md").write_text(card, "utf-8")
    return card


if __name__ == "__main__":  # python -m analyzers.entities.train [CORPUS] [OUTPUT]
    args = sys.argv[1:]
    corpus = Path(args[0]) if args else default_corpus_dir()
    output = Path(args[1]) if len(args) > 1 else Path(__file__).resolve().parent / "model"
    sys.exit(train_ner_command(corpus, output))
