"""Throughput of the full text analysis (文本分析吞吐量) next to raw jieba, on parallel workers.

Records are built deterministically from the shared corpus (``../shared/corpus``): the
sentences of People's Daily, MSRA, Weibo and CLUENER, in file order, joined into records
of about ``--record-chars`` characters. The same records are processed by

* ``jieba``: raw ``jieba.lcut(text)`` (default precise mode, HMM on), the reference;
* ``analyze``: :func:`analyzers.analyze_batch`, the full analysis: normalization,
  entities (spaCy ``nlp.pipe`` in batches), learning entity names into the segmenter,
  index tokens (jieba search mode);

each on 1 worker process and on ``--workers`` worker processes (multiprocessing). Workers
load jieba and the model and process as many other records (the next ones in the corpus)
before the clock starts, as a worker in the middle of an ingest would; every run starts
new processes, so the timed records are new to them. A single-process breakdown of
``analyze`` (normalize, entities, index tokens) and of its entity stage (tokenizer and
each pipeline component) is measured too. Every process uses one BLAS thread. Results (records/s, MB/s
of UTF-8 text, characters/s) are printed and written as a section of
``docs/benchmarks.md``::

    .venv/bin/python bench/analyze_throughput.py
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from datetime import date
from pathlib import Path

# One BLAS thread per process (before numpy is imported here or in a spawned worker): each
# worker is one core's worth of work, so the per-core comparison with jieba stays fair.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.machine import describe, machine  # noqa: E402
from bench.report import write_section  # noqa: E402

DOC = REPO / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench/analyze_throughput.py: begin -->", "<!-- bench/analyze_throughput.py: end -->"
CHUNK = 64  # records per task (and spaCy batch)


# --------------------------------------------------------------------------- records


def build_records(corpus: Path, record_chars: int, limit: int) -> list[str]:
    """Records of about ``record_chars`` characters from the corpus sentences, in file order."""
    from analyzers.entities.corpus import (
        CLUENER_FILE,
        MSRA_FILES,
        PD_FILE,
        WEIBO_FILES,
        read_bio,
        read_cluener,
    )

    sentences: list[str] = [t for t, _ in read_bio(corpus / PD_FILE)]
    sentences += [t for t, _ in read_bio(corpus / MSRA_FILES[-1])]
    for split in ("train", "dev", "test"):
        sentences += [t for t, _ in read_bio(corpus / WEIBO_FILES[split], weibo=True)]
    sentences += [t for t, _ in read_cluener(corpus / CLUENER_FILE)]
    records: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in sentences:
        current.append(sentence)
        size += len(sentence)
        if size >= record_chars:
            records.append("".join(current))
            current, size = [], 0
            if limit and len(records) >= limit:
                break
    if current and (not limit or len(records) < limit):
        records.append("".join(current))
    return records


# --------------------------------------------------------------------------- workers

_MODE = ""


def _init(mode: str, barrier, seen: list[str], model: str | None = None) -> None:  # type: ignore[no-untyped-def]
    global _MODE
    _MODE = mode
    _warm(mode, seen, model)
    barrier.wait()


def _warm(mode: str, seen: list[str], model: str | None = None) -> None:
    """Load jieba or the analysis and process ``seen``: records other than the timed ones,
    as a worker in the middle of an ingest has seen (names learned, caches filled)."""
    if mode == "jieba":
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()
        for text in ["预热", *seen]:
            jieba.lcut(text)
    else:
        import analyzers
        from analyzers.entities import use_model

        if model:
            use_model(Path(model))
        analyzers.warm_up()  # as ingest does before it forks its workers
        for _ in analyzers.analyze_batch(seen, batch_size=CHUNK):
            pass


def _work(records: list[str]) -> int:
    if _MODE == "jieba":
        import jieba

        for text in records:
            jieba.lcut(text)
    else:
        import analyzers

        for _ in analyzers.analyze_batch(records, batch_size=CHUNK):
            pass
    return len(records)


def run_parallel(mode: str, records: list[str], seen: list[str], workers: int) -> float:
    """Seconds for ``workers`` new processes to process all records (after loading and
    processing ``seen``)."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(workers + 1)
    chunks = [records[i : i + CHUNK] for i in range(0, len(records), CHUNK)]
    with ctx.Pool(workers, initializer=_init, initargs=(mode, barrier, seen)) as pool:
        barrier.wait()
        started = time.perf_counter()
        done = sum(pool.imap_unordered(_work, chunks))
        elapsed = time.perf_counter() - started
    assert done == len(records)
    return elapsed


def _cpu_run(records: list[str], seen: list[str], model: str | None) -> dict[str, float]:
    _warm("jieba", seen)
    _warm("analyze", seen, model)
    import jieba

    import analyzers

    out = {}
    started = time.process_time()
    for text in records:
        jieba.lcut(text)
    out["jieba"] = time.process_time() - started
    started = time.process_time()
    for _ in analyzers.analyze_batch(records, batch_size=CHUNK):
        pass
    out["analyze"] = time.process_time() - started
    return out


def cpu_seconds(
    records: list[str], seen: list[str], repeat: int, model: str | None = None
) -> dict[str, float]:
    """CPU seconds (``time.process_time``) of jieba and of the analysis of all records in
    one new process, after both processed ``seen``; best of ``repeat`` processes: what one
    core costs, less sensitive than wall time to other work on a shared machine. Every run
    is a new process, so no timed record was analyzed before (its names are learned, its
    words looked up, for the first time)."""
    ctx = mp.get_context("spawn")
    out = {"jieba": float("inf"), "analyze": float("inf")}
    for _ in range(repeat):
        with ctx.Pool(1) as pool:
            run = pool.apply(_cpu_run, (records, seen, model))
        for mode, seconds in run.items():
            out[mode] = min(out[mode], seconds)
    return out


def compare_models(
    records: list[str], seen: list[str], models: list[str], repeat: int
) -> dict[str, dict[str, float]]:
    """For each ``NAME=PATH``: CPU seconds of jieba and of the analysis with the model at
    PATH (as :func:`cpu_seconds`) and of its tok2vec part; then the shipped model is used
    again."""
    from analyzers.entities import use_model

    out = {}
    try:
        for item in models:
            name, _, path = item.partition("=")
            use_model(Path(path))
            cpu = cpu_seconds(records, seen, repeat, model=path)
            cpu["tok2vec"] = entity_breakdown(records)["tok2vec"]
            out[name] = cpu
            print(f"{name}: {cpu}", file=sys.stderr, flush=True)
    finally:
        use_model(None)
    return out


def breakdown(records: list[str], seen: list[str]) -> dict[str, float]:
    """Single-process seconds of each stage of the analysis (after ``seen``)."""
    import analyzers
    from analyzers.entities import entities_of_normalized
    from analyzers.segment import index_tokens

    _warm("analyze", seen)
    out = {}
    started = time.perf_counter()
    norms = [analyzers.normalize(t) for t in records]
    out["normalize"] = time.perf_counter() - started
    pairs = list(zip(records, norms, strict=True))
    started = time.perf_counter()
    for i in range(0, len(pairs), CHUNK):
        entities_of_normalized(pairs[i : i + CHUNK], batch_size=CHUNK)
    out["entities"] = time.perf_counter() - started
    started = time.perf_counter()
    for norm in norms:
        index_tokens(norm.text)
    out["index tokens"] = time.perf_counter() - started
    return out


def entity_breakdown(records: list[str]) -> dict[str, float]:
    """Single-process seconds of each part of the entity stage: the pieces cut and the
    offsets mapped back (Python around spaCy), the tokenizer, every pipeline component."""
    import analyzers
    from analyzers.entities import _pieces, load_pipeline

    nlp = load_pipeline()
    norms = [analyzers.normalize(t) for t in records]
    out = {}
    started = time.perf_counter()
    pieces = [n.text[a:b] for n in norms for a, b in _pieces(n.text)]
    out["cut into pieces"] = time.perf_counter() - started
    from analyzers.entities.components import CharTokenizer

    bare = CharTokenizer(nlp.vocab, bigrams=True, words=False)
    started = time.perf_counter()
    for p in pieces:
        bare(p)
    ablation = time.perf_counter() - started  # not part of the pipeline: the cost of the word features
    started = time.perf_counter()
    docs = [nlp.make_doc(p) for p in pieces]
    out["tokenizer"] = time.perf_counter() - started
    out["(tokenizer without jieba word features)"] = ablation
    for name, proc in nlp.pipeline:
        started = time.perf_counter()
        if hasattr(proc, "pipe"):
            docs = list(proc.pipe(docs, batch_size=CHUNK))
        else:
            docs = [proc(doc) for doc in docs]
        out[name] = time.perf_counter() - started
    return out


# --------------------------------------------------------------------------- report


def render(
    args: argparse.Namespace,
    records: list[str],
    results: dict[tuple[str, int], float],
    stages: dict[str, float],
    parts: dict[str, float],
    info: dict[str, str],
    cpu: dict[str, float] | None = None,
    compared: dict[str, dict[str, float]] | None = None,
) -> str:
    chars = sum(map(len, records))
    mb = sum(len(r.encode("utf-8")) for r in records) / 1e6
    command = " ".join([".venv/bin/python", "bench/analyze_throughput.py", *sys.argv[1:]])
    lines = [
        BEGIN,
        "## Text analysis throughput: analyze() vs raw jieba (`bench/analyze_throughput.py`)",
        "",
        f"Run on {date.today().isoformat()}. Command:",
        "",
        "```",
        command,
        "```",
        "",
        f"Machine: {describe(info)}; load average at the end {info['load']} (the machine is "
        "shared with other work, so absolute numbers are noisy; both modes ran in the same "
        "conditions, interleaved).",
        "",
        f"Text: {len(records):,} records of about {args.record_chars} characters ({chars:,} "
        f"characters, {mb:.2f} MB UTF-8) joined from the corpus sentences in file order. "
        f"`jieba` is `jieba.lcut` (precise mode, HMM); `analyze` is `analyzers.analyze_batch` "
        "(normalize, entities with spaCy `nlp.pipe` in batches of "
        f"{CHUNK}, names learned into the segmenter, index tokens). Workers are processes "
        "(multiprocessing, spawn) that load jieba/the model and process the next "
        f"{len(records):,} records of the corpus before timing (as a worker in the middle of an "
        "ingest: names learned, caches filled, but not with the timed records), each with one "
        f"BLAS thread (`OPENBLAS_NUM_THREADS=1`); tasks of {CHUNK} records. Best of "
        f"{args.repeat} runs, each in new processes.",
        "",
        "| mode | workers | s | records/s | MB/s | kchar/s | vs jieba, 1 worker |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    base = results[("jieba", 1)]
    for (mode, workers), seconds in results.items():
        lines.append(
            f"| {mode} | {workers} | {seconds:.1f} | {len(records) / seconds:,.0f} | {mb / seconds:.3f} | "
            f"{chars / seconds / 1000:.0f} | {base / seconds:.0%} |"
        )
    total = sum(stages.values())
    lines += [
        "",
        "Single-process breakdown of `analyze` (same records):",
        "",
        "| stage | s | share | kchar/s |",
        "| --- | ---: | ---: | ---: |",
    ]
    for stage, seconds in stages.items():
        lines.append(f"| {stage} | {seconds:.1f} | {seconds / total:.0%} | {chars / seconds / 1000:.0f} |")
    lines += [
        "",
        "The entity stage by part (single process, same records; the components run one after "
        f"another over all pieces, in batches of {CHUNK}):",
        "",
        "| part | s | share | kchar/s |",
        "| --- | ---: | ---: | ---: |",
    ]
    total = sum(v for k, v in parts.items() if not k.startswith("("))
    for part, seconds in parts.items():
        lines.append(
            f"| {part} | {seconds:.2f} | {seconds / total:.0%} | {chars / max(seconds, 1e-9) / 1000:,.0f} |"
        )
    one = base / results[("analyze", 1)]
    many = results[("jieba", args.workers)] / results[("analyze", args.workers)]
    lines += [
        "",
        f"Per core, the full analysis runs at **{one:.0%}** of raw jieba's speed (1 worker each; "
        f"{many:.0%} with {args.workers} workers each); on {args.workers} workers it reaches "
        f"{base / results[('analyze', args.workers)]:.0%} of one jieba core. Target: 50 % of raw "
        "jieba per core.",
    ]
    if cpu:
        lines += [
            "",
            f"In CPU time of one process (`time.process_time`; a new process per run, warmed as "
            f"the workers are; best of {args.repeat}; other work on the machine changes it less "
            "than wall time): jieba "
            f"{cpu['jieba']:.1f} s, analyze {cpu['analyze']:.1f} s, so the analysis runs at "
            f"**{cpu['jieba'] / cpu['analyze']:.0%}** of raw jieba per core.",
        ]
    if cpu and compared:
        lines += [
            "",
            "Other models, timed the same way in this run (`--compare`; the shipped model's tok2vec "
            f"took {parts['tok2vec']:.2f} s in the breakdown above):",
            "",
            "| model | jieba CPU s | analyze CPU s | vs jieba | tok2vec s |",
            "| --- | ---: | ---: | ---: | ---: |",
            f"| shipped | {cpu['jieba']:.2f} | {cpu['analyze']:.2f} | {cpu['jieba'] / cpu['analyze']:.0%} "
            f"| {parts['tok2vec']:.2f} |",
        ]
        for name, other in compared.items():
            lines.append(
                f"| {name} | {other['jieba']:.2f} | {other['analyze']:.2f} "
                f"| {other['jieba'] / other['analyze']:.0%} | {other['tok2vec']:.2f} |"
            )
    lines += [
        END,
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from analyzers.entities.corpus import default_corpus_dir

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus_dir())
    parser.add_argument("--records", type=int, default=0, help="number of records (0: all the corpus makes)")
    parser.add_argument("--record-chars", type=int, default=500, help="characters per record (500)")
    parser.add_argument("--workers", type=int, default=2, help="parallel workers (2)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per mode; the best counts (2)")
    parser.add_argument("--out", type=Path, default=DOC, help="markdown file (docs/benchmarks.md)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="also time the analysis with the model at PATH (an ablation), named NAME",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    everything = build_records(args.corpus, args.record_chars, 2 * args.records)
    half = args.records or len(everything) // 2
    records, seen = everything[:half], everything[half : 2 * half]  # timed, and seen before
    chars = sum(map(len, records))
    results: dict[tuple[str, int], float] = {}
    for workers in (1, args.workers):
        for mode in ("jieba", "analyze"):
            results[(mode, workers)] = float("inf")
    for _ in range(args.repeat):
        for workers in (1, args.workers):
            for mode in ("jieba", "analyze"):
                seconds = run_parallel(mode, records, seen, workers)
                results[(mode, workers)] = min(results[(mode, workers)], seconds)
                print(
                    f"{mode:8s} {workers} workers: {seconds:6.1f} s, {chars / seconds / 1000:6.0f} kchar/s",
                    file=sys.stderr,
                    flush=True,
                )
    cpu = cpu_seconds(records, seen, args.repeat)
    print(
        f"CPU time: jieba {cpu['jieba']:.1f} s, analyze {cpu['analyze']:.1f} s", file=sys.stderr, flush=True
    )
    stages = breakdown(records, seen)
    parts = entity_breakdown(records)
    compared = compare_models(records, seen, args.compare, args.repeat)
    section = render(args, records, results, stages, parts, machine(), cpu, compared)
    print(section)
    if not args.no_write:
        write_section(args.out, BEGIN, END, section)
        print(f"wrote a section of {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
