"""End-to-end ingest throughput (入库吞吐量) next to the analyzer pipeline alone, in one run.

Builds a delivery of ``--records`` records with ``--pages`` pages each (10,000 x 5 =
50,000 pages by default) from the shared corpus (``../shared/corpus``: People's Daily
``example.dev`` and MSRA ``msra_test_bio.txt``, one character per line with its tag, a
blank line between sentences): sentences in file order, cycled with a shifting start so
pages differ, about ``--page-chars`` characters per page. A catalog CSV (Chinese headers)
holds the records; their pages are files named by 档号, ``J001-0001-00001_003.txt`` for
page 3, in folders of 1,000 records; ``--pdf-share`` of the records (2% by default) come as
one PDF each instead, with a text layer in an embedded CJK font (reportlab,
WenQuanYi Micro Hei).

Then, on the same page texts and the same number of worker processes:

* ``analysis``: the analyzers alone on each record (title and text), from memory, doing
  exactly the analysis ingest does for the index: normalization (NFKC, traditional to
  simplified, OCR repair) with personal-data masking and title pinyin
  (:func:`indexer.documents.index_doc`), search-mode segmentation (jieba) and character
  tokens; and, as ``lantai ingest`` does by default, the entity model
  (:func:`indexer.record_entities.find_entities_many`), left out with ``--no-entities``;
* ``ingest``: ``lantai ingest ROOT`` end to end in a fresh data dir (walk, hash, read
  and decode the files, PDF text extraction, pages and quality, catalog, SQLite FTS5
  index), with ``--entities`` or ``--no-entities`` as given; then the same command again
  on the unchanged tree.

Results (pages/s, MB/s of UTF-8 page text) are printed and written as a section of
``docs/benchmarks.md``, one section per mode (other sections are left as they are)::

    .venv/bin/python bench/ingest.py                    # 10,000 records, 50,000 pages
    .venv/bin/python bench/ingest.py --no-entities      # the same without the entity model
    .venv/bin/python bench/ingest.py --records 500      # a quick run
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

# As `lantai` itself does (app/__init__.py): one BLAS thread a process, before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.delivery import CORPUS, build_pages, code, write_delivery  # noqa: E402
from bench.machine import machine  # noqa: E402
from bench.report import write_section  # noqa: E402

DOC = REPO / "docs" / "benchmarks.md"
LANTAI = Path(sys.executable).with_name("lantai")


# --------------------------------------------------------------------------- analysis alone

_ENTITIES = False


def _init(entities: bool) -> None:
    from analyzers.preload import warm_up

    global _ENTITIES
    _ENTITIES = entities
    warm_up(entities=entities)  # as ingest does before it forks its workers
    _analyze([("预热", "预热：毛泽东1949年在北京。")])


def _analyze(records: list[tuple[str, str]]) -> int:
    """What ingest's analysis does for each record, minus reading, pages and writing."""
    from catalog.records import Record
    from indexer.documents import doc_tokens, index_doc
    from indexer.record_entities import find_entities_many
    from search.query_terms import char_tokens

    built = [
        Record(archive="bench-city", archive_code="J1", title=title, text=text, access="open")
        for title, text in records
    ]
    found = find_entities_many(built) if _ENTITIES else [None] * len(built)  # a task's records together
    for record, entities in zip(built, found, strict=True):
        doc = index_doc(record, entities)
        doc_tokens(doc)
        for part in (doc.title_text, doc.meta_text, doc.body_text):
            char_tokens(part)
    return len(records)


def analysis_alone(records: list[tuple[str, str]], workers: int, entities: bool) -> float:
    """Seconds for ``workers`` processes to analyse ``records`` (after loading)."""
    context = multiprocessing.get_context("fork")
    chunks = [records[i : i + 16] for i in range(0, len(records), 16)]
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init, initargs=(entities,)) as pool:
        list(pool.map(_analyze, [[("预热", "预热")]] * workers * 2))  # every worker loaded
        started = time.perf_counter()
        done = sum(pool.map(_analyze, chunks))
        elapsed = time.perf_counter() - started
    assert done == len(records)
    return elapsed


# --------------------------------------------------------------------------- ingest


PROGRESS_RSS = re.compile(r"progress: \S+ files, (\d+) records .* peak RSS (\d+) MB")


def run_ingest(root: Path, data: Path, workers: int, entities: bool) -> tuple[float, dict, dict]:
    """``lantai ingest`` as its own process: seconds, its ``--json`` summary, and memory:
    ``peak`` (MB, the writing process's peak, from its last progress line) and ``writer``
    (the (records, MB) pairs its progress lines printed, every 10 s). The process reports
    its own peak (``VmHWM``): ``wait4``'s ``ru_maxrss`` would include this process's, which
    holds the delivery's texts, as it survives ``exec``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTAI_")}
    env["LANTAI_DATA_DIR"] = str(data)
    command = [
        str(LANTAI),
        "ingest",
        str(root),
        "--json",
        "--workers",
        str(workers),
        "--entities" if entities else "--no-entities",
    ]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, text=True)
        status = proc.wait()
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if status != 0:
        raise SystemExit(f"ingest failed ({status}):\n{stderr[-3000:]}")
    writer = [(int(m[1]), int(m[2])) for m in PROGRESS_RSS.finditer(stderr)]
    return elapsed, json.loads(stdout), {"peak": max(mb for _, mb in writer), "writer": writer}


def cpu_split(root: Path, data: Path, records: list[tuple[str, str]], entities: bool, sample: int) -> dict:
    """CPU seconds, in one process, of the first ``sample`` records' analysis alone, and of
    ingesting a delivery of them: analysis of text-file records, of PDF records, the writer."""
    import indexer.units as units
    from app.runtime import open_lantai
    from config import load_settings
    from indexer.workers import _warm

    part = root.parent / "sample"
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir()
    rows = (root / "目录.csv").read_text(encoding="utf-8").splitlines()
    (part / "目录.csv").write_text("\n".join(rows[: sample + 1]) + "\n", encoding="utf-8")
    wanted = {line.split(",")[1] for line in rows[1 : sample + 1]}
    pdf_codes = set()
    for path in root.rglob("J*"):
        code_of = path.stem.rsplit("_", 1)[0]
        if code_of in wanted:
            (part / path.name).symlink_to(path)
            if path.suffix == ".pdf":
                pdf_codes.add(code_of)
    _warm()
    _init(entities)
    text_records = [r for n, r in enumerate(records[:sample]) if code(n) not in pdf_codes]
    started = time.process_time()
    _analyze(text_records)
    analysis = time.process_time() - started
    spent = {"pdf": 0.0, "text": 0.0}
    real = {name: getattr(units, name) for name in ("read_unit", "finish_unit", "_entities_of")}

    def kind(task) -> str:  # type: ignore[no-untyped-def]
        return "pdf" if any(s.path.endswith(".pdf") for s in task.sources) else "text"

    def timed(name: str, task_of):  # type: ignore[no-untyped-def]
        def call(first, *rest):  # type: ignore[no-untyped-def]
            begun = time.process_time()
            try:
                return real[name](first, *rest)
            finally:
                spent[kind(task_of(first))] += time.process_time() - begun

        return call

    def entities_timed(read):  # type: ignore[no-untyped-def]
        begun = time.process_time()  # one pass for many units: shared by their text length
        try:
            return real["_entities_of"](read)
        finally:
            sizes = [(kind(u.task), len(u.record.text) + len(u.record.title)) for u in read]
            whole = sum(n for _, n in sizes) or 1
            for part, n in sizes:
                spent[part] += (time.process_time() - begun) * n / whole

    units.read_unit = timed("read_unit", lambda task: task)
    units.finish_unit = timed("finish_unit", lambda read: read.task)
    units._entities_of = entities_timed
    lantai = open_lantai(load_settings(env={}, data_dir=str(data), backend="sqlite"))
    started = time.process_time()
    report = lantai.ingester.ingest([part], workers=1, entities=entities)
    total = time.process_time() - started
    lantai.close()
    for name, function in real.items():
        setattr(units, name, function)
    pages_text = sum(1 for n in range(sample) if code(n) not in pdf_codes) * (report.pages // max(sample, 1))
    pages_pdf = report.pages - pages_text
    return {
        "analysis_ms": 1000 * analysis / max(pages_text, 1),
        "text_ms": 1000 * spent["text"] / max(pages_text, 1),
        "pdf_ms": 1000 * spent["pdf"] / max(pages_pdf, 1),
        "writer_ms": 1000 * (total - spent["text"] - spent["pdf"]) / max(report.pages, 1),
        "pages": report.pages,
        "pdf_pages": pages_pdf,
    }


# --------------------------------------------------------------------------- report


def rss_course(points: list[tuple[int, int]]) -> str:
    """How the writing process's peak RSS went, from its progress lines.

    >>> rss_course([(0, 150), (5000, 180), (10000, 185)])
    "the writing process's peak RSS went from 150 MB at 0 records to 180 MB at 5,000 and 185 MB at 10,000"
    """
    if not points:
        return "the run printed no progress line"
    first, middle, last = points[0], points[len(points) // 2], points[-1]
    return (
        f"the writing process's peak RSS went from {first[1]} MB at {first[0]:,} records to "
        f"{middle[1]} MB at {middle[0]:,} and {last[1]} MB at {last[0]:,}"
    )


def model_description() -> str:
    """The entity model in use: its folder, name and version, size and a digest of its files."""
    import hashlib

    folder = REPO / "analyzers" / "entities" / "model"
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    size = sum(p.stat().st_size for p in files)
    card = folder / "README.md"  # the model card says when it was trained (a checkout dates the files)
    written = (
        re.search(r"on (\d{4}-\d\d-\d\d \d\d:\d\d UTC)", card.read_text("utf-8")) if card.is_file() else None
    )
    trained = written.group(1) if written else "at an unknown date"
    return (
        f"`analyzers/entities/model/` ({meta.get('name')} {meta.get('version')}, "
        f"{size / 1e6:.1f} MB, files sha256 {digest.hexdigest()[:12]}, trained {trained})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=5, help="pages per record")
    parser.add_argument("--page-chars", type=int, default=300)
    parser.add_argument("--pdf-share", type=float, default=0.02, help="share of records given as PDF")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--entities",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the entity model in both (the ingest default); --no-entities: without",
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--keep", type=Path, help="build the delivery here and keep it")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument(
        "--ingest-only",
        action="store_true",
        help="only `lantai ingest` once: time, memory, summary (a scale run; writes no section)",
    )
    parser.add_argument(
        "--cpu-sample", type=int, default=1000, help="records whose CPU time is split by stage in one process"
    )
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    model = model_description()  # before the runs: the model may be retrained meanwhile
    work = args.keep or Path(tempfile.mkdtemp(prefix="lantai-bench-ingest-"))
    root, data = work / "delivery", work / "data"
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(data, ignore_errors=True)
    total_pages = args.records * args.pages
    started = time.perf_counter()
    pages = build_pages(args.corpus, total_pages, args.page_chars)
    stats, titles = write_delivery(root, pages, args.records, args.pages, args.pdf_share)
    built = time.perf_counter() - started
    text_bytes = sum(len(p.encode("utf-8")) for p in pages)
    chars = sum(len(p) for p in pages)
    records = [
        (title, "\n\n".join(pages[n * args.pages : (n + 1) * args.pages])) for n, title in enumerate(titles)
    ]
    print(
        f"delivery: {args.records} records, {total_pages} pages ({stats['pdf_pages']} in "
        f"{stats['pdf_records']} PDFs), {chars:,} characters, {text_bytes / 1e6:.1f} MB text, "
        f"built in {built:.0f} s",
        file=sys.stderr,
    )

    if args.ingest_only:
        del pages, records
        ingest, summary, memory = run_ingest(root, data, args.workers, args.entities)
        print(
            f"ingest: {ingest:.1f} s, {args.records / ingest:,.0f} records/s, "
            f"{total_pages / ingest:,.0f} pages/s, {text_bytes / 1e6 / ingest:.2f} MB/s; "
            f"peak RSS {memory['peak']:.0f} MB; {rss_course(memory['writer'])}; "
            f"summary {json.dumps({k: summary[k] for k in ('added', 'pages', 'failed')})}"
        )
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    analysis = analysis_alone(records, args.workers, args.entities)
    print(f"analysis alone: {analysis:.1f} s", file=sys.stderr)
    ingest, summary, memory = run_ingest(root, data, args.workers, args.entities)
    print(
        f"ingest: {ingest:.1f} s: {json.dumps({k: summary[k] for k in ('added', 'pages', 'failed')})}",
        file=sys.stderr,
    )
    assert summary["added"] == args.records and summary["pages"] == total_pages, summary
    again, second, _ = run_ingest(root, data, args.workers, args.entities)
    assert second["unchanged"] == args.records and second["added"] == second["updated"] == 0, second
    print(f"again (unchanged): {again:.1f} s", file=sys.stderr)
    cpu = cpu_split(root, work / "sample-data", records, args.entities, min(args.cpu_sample, args.records))
    print(f"cpu split: {cpu}", file=sys.stderr)

    load_after = os.getloadavg()[0]
    mb = text_bytes / 1e6
    cpu_pages = max(cpu["pages"], 1)
    cpu_overhead = (
        cpu["text_ms"] * (cpu_pages - cpu["pdf_pages"])
        + cpu["pdf_ms"] * cpu["pdf_pages"]
        + cpu["writer_ms"] * cpu_pages
    ) / (cpu["analysis_ms"] * cpu_pages) - 1
    overhead = ingest / analysis - 1
    host = machine()
    command = "  ".join([".venv/bin/python bench/ingest.py", *(argv if argv is not None else sys.argv[1:])])
    mode = (
        "normalization, personal-data masking, title pinyin, search-mode segmentation, "
        "character tokens and the entity model (the ingest default, `ingest_entities = true`); "
        f"model {model}"
        if args.entities
        else "normalization, personal-data masking, title pinyin, search-mode segmentation and "
        "character tokens, no entity model (`lantai ingest --no-entities`)"
    )
    title = (
        "Ingest throughput, default (with entities)"
        if args.entities
        else "Ingest throughput without entities"
    )
    text = f"""## {title} (`bench/ingest.py{"" if args.entities else " --no-entities"}`)

{date.today().isoformat()} · {host["nproc"]} cores ({host["cpu"]}), {host["memory"]}, Python {host["python"]}
· `{command.strip()}` · {args.workers} worker processes · load average {load_before:.1f} before,
{load_after:.1f} after (other work on the machine shares its cores)

Delivery: {args.records:,} records × {args.pages} pages = {total_pages:,} pages of corpus text
(People's Daily `example.dev` + MSRA `msra_test_bio.txt`, about {args.page_chars} characters a
page, {chars:,} characters, {mb:.1f} MB UTF-8). {stats["txt_pages"]:,} pages as text files named by
档号, {stats["pdf_pages"]:,} pages in {stats["pdf_records"]:,} PDFs with a text layer (embedded CJK font);
one catalog CSV with Chinese headers. Analysis: {mode}.

| run | seconds | pages/s | MB/s |
| --- | ---: | ---: | ---: |
| analyzer pipeline alone (same texts, same workers, from memory) | {analysis:.1f} | \
{total_pages / analysis:,.0f} | {mb / analysis:.2f} |
| `lantai ingest` end to end (walk, hash, read, pages, catalog, index) | {ingest:.1f} | \
{total_pages / ingest:,.0f} | {mb / ingest:.2f} |
| `lantai ingest` again on the unchanged tree | {again:.1f} | | |

Wall clock: reading, storing and indexing add **{overhead:+.0%}** on top of the analysis (target: at
most +25%); the two runs share the cores with whatever else runs, so compare the CPU split below.
The unchanged re-run takes {again / ingest:.1%} of the first.

Memory of the first `lantai ingest`: peak RSS **{memory["peak"]:.0f} MB** (the writing process's,
as it reported it; each worker holds its own analyzers besides); {rss_course(memory["writer"])}.

Where the CPU goes (one process, `--workers 1`, the first {min(args.cpu_sample, args.records):,} records,
{cpu["pages"]:,} pages; CPU time does not depend on what else the machine runs): analysis alone
{cpu["analysis_ms"]:.2f} ms a page; in ingest, a text-file page costs {cpu["text_ms"]:.2f} ms in the
workers (reading, hashing, decoding, pages and their quality, plus the same analysis), a PDF page
{cpu["pdf_ms"]:.2f} ms (PDF text extraction by PDFium), and the writing process (walk, plan, catalog
transactions, SQLite FTS5 inserts) {cpu["writer_ms"]:.2f} ms a page. In CPU time, reading, storing
and indexing add **{cpu_overhead:+.0%}** on top of the analysis for this mix of pages.
"""
    print(text)
    if not args.no_write:
        mode = "" if args.entities else " --no-entities"
        begin, end = f"<!-- bench/ingest.py{mode}: begin -->", f"<!-- bench/ingest.py{mode}: end -->"
        write_section(DOC, begin, end, f"{begin}\n{text.rstrip()}\n{end}\n")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
