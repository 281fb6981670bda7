"""Benchmark the search backends (sqlite, opensearch) on the same generated records.

N records are built deterministically from the People's Daily 1998 sentences of the shared
corpus (``peoples-daily-ner/example.dev``: one character and its tag per line, a blank line
between sentences), with the corpus's labelled names as their entities, and streamed in
bulk (``bench/bulk.py``) into one catalog and into each backend in ingest-sized batches;
``lantai reindex`` then rebuilds each index (time and peak memory). The floor of each
engine is measured for the same queries (``bench/floors.py``). Each backend is served by
gunicorn (``lantai serve`` on a free loopback port) and a mixed query set (terms,
phrases, boolean, fields, year ranges, filters, sorts, pages) is sent to
``/api/v1/search`` by one client and by 8 concurrent clients, bounded in count and time:
p50/p95/p99 latency and throughput. Totals and first pages of the two backends are
compared as a consistency check.

The result is written as a section of ``docs/benchmarks.md``, kept in
``docs/benchmarks-search.json`` by N, and the summary across N (targets, figures and the
chart ``docs/search-latency.svg``) is drawn again from that file (``bench/scale.py``)::

    .venv/bin/python bench/backends.py --records 20000

The parts: the records and queries (``bench/search_data.py``), serving and bounded load
(``bench/load.py``), the engines alone (``bench/floors.py``), the run's section
(``bench/search_report.py``) and the summary across N (``bench/scale.py``).

An OpenSearch node comes from ``scripts/opensearch start`` (stopped again if this run
started it) unless ``--opensearch-url`` names one; the benchmark's indices are deleted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.bulk import DocBuilder, SentenceCache, check_tokens, store_rows  # noqa: E402
from bench.floors import (  # noqa: E402
    opensearch_floor,
    opensearch_floor_rate,
    sqlite_floor,
    sqlite_floor_rate,
)
from bench.load import Server, run_load, settings_env  # noqa: E402
from bench.machine import machine  # noqa: E402
from bench.report import write_section  # noqa: E402
from bench.scale import record_run  # noqa: E402
from bench.search_data import CORPUS, Sentence, iter_rows, make_queries, read_sentences, text_bytes  # noqa: E402
from bench.search_report import MARKER, floor_figures, load_figures, render  # noqa: E402
from catalog.store import CatalogStore  # noqa: E402
from config import Settings, load_settings  # noqa: E402
from indexer.progress import peak_rss_mb  # noqa: E402
from search.base import IndexDoc, SearchBackend, batched  # noqa: E402
from search.query_terms import prepared_tokens  # noqa: E402

DOC = REPO / "docs" / "benchmarks.md"


# -- building -------------------------------------------------------------------


def store_catalog(
    settings: Settings, args: argparse.Namespace, sentences: list[Sentence], builder: DocBuilder
) -> dict[str, float]:
    """Stream the rows into the catalog with their entities; seconds and MB of text."""
    store = CatalogStore(settings.catalog_url)
    started, mb, done = time.perf_counter(), 0.0, 0
    try:
        for chunk in batched(iter_rows(sentences, args.records, args.seed), 5000):
            store_rows(store, chunk, sentences)
            mb += sum(text_bytes(r) for r in chunk) / 1e6
            done += len(chunk)
            if done % 100_000 == 0:
                log(f"catalog: {done:,} records, {time.perf_counter() - started:.0f} s")
        elapsed = time.perf_counter() - started
        words, docs, checked = check_tokens(list(iter_rows(sentences, 300, args.seed)), builder)
    finally:
        store.close()
    return {"catalog": elapsed, "mb": mb, "same_tokens": words, "same_docs": docs, "checked_tokens": checked}


def build_index(
    backend: SearchBackend, args: argparse.Namespace, sentences: list[Sentence], builder: DocBuilder
) -> dict[str, float]:
    """Build the index on the bulk path: every row's document, its words prepared (as
    ingest's workers hand them over), through ``backend.rebuild()`` (what ``lantai
    reindex`` writes with: batches without a refresh or commit per batch, then one merge
    and the switch); seconds of analysis and of index."""
    timing = {"analysis": 0.0}
    done = 0
    started = time.perf_counter()

    def prepared_docs() -> Iterator[IndexDoc]:
        nonlocal done
        for chunk in batched(iter_rows(sentences, args.records, args.seed), 5000):
            began = time.perf_counter()
            docs, prepared = builder.docs(chunk)
            timing["analysis"] += time.perf_counter() - began
            with prepared_tokens(prepared):  # the backend reads the words while it writes
                yield from docs
            done += len(chunk)
            if done % 100_000 == 0:
                log(f"{backend.name}: {done:,} indexed, {time.perf_counter() - started:.0f} s")

    backend.rebuild(prepared_docs())
    return {"analysis": timing["analysis"], "index": time.perf_counter() - started - timing["analysis"]}


REINDEX_RSS = re.compile(r"lantai reindex: progress: .* peak RSS (\d+) MB")


def timed_reindex(settings: Settings, work: Path) -> tuple[float, float]:
    """``lantai reindex`` as a separate process: seconds and its peak RSS in MB, as its
    last progress line reports it (its own ``VmHWM``: ``wait4``'s ``ru_maxrss`` would
    include this process's, which holds the benchmark's data, as it survives ``exec``)."""
    lantai = str(Path(sys.executable).with_name("lantai"))
    started = time.perf_counter()
    log_path = work / "reindex.log"
    with log_path.open("ab") as out:
        before = out.tell()
        proc = subprocess.run(
            [lantai, "reindex"], env=settings_env(settings), stdout=out, stderr=out, stdin=subprocess.DEVNULL
        )
    if proc.returncode != 0:
        raise RuntimeError(f"lantai reindex failed ({proc.returncode}); see {log_path}")
    with log_path.open("rb") as log_file:
        log_file.seek(before)
        reported = REINDEX_RSS.findall(log_file.read().decode("utf-8", "replace"))
    return time.perf_counter() - started, max(float(mb) for mb in reported)


# -- OpenSearch node ------------------------------------------------------------


@dataclass
class Node:
    """The OpenSearch node of a run."""

    url: str
    started_here: bool
    version: str = ""


def opensearch_node(url: str | None) -> Node:
    """The node to use: ``url``, or one from ``scripts/opensearch start``."""
    if url:
        node = Node(url, False)
    else:
        script = str(REPO / "scripts" / "opensearch")
        running = (
            subprocess.run(
                [script, "status"], capture_output=True, text=True, stdin=subprocess.DEVNULL
            ).returncode
            == 0
        )
        done = subprocess.run(
            [script, "start"], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=900
        )
        if done.returncode != 0:
            raise SystemExit(f"scripts/opensearch start failed:\n{done.stderr[-2000:]}")
        node = Node(done.stdout.strip().splitlines()[-1], not running)
    with urllib.request.urlopen(node.url, timeout=10) as response:
        node.version = json.loads(response.read())["version"]["number"]
    return node


def stop_node(node: Node) -> None:
    """Stop the node if this run started it."""
    if node.started_here:
        subprocess.run(
            [str(REPO / "scripts" / "opensearch"), "stop"],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )


# -- main -----------------------------------------------------------------------


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"bench: {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="N records (100000)")
    parser.add_argument("--backends", default="sqlite,opensearch")
    parser.add_argument("--queries", type=int, default=200, help="distinct requests (200)")
    parser.add_argument(
        "--count", type=int, default=600, help="requests of the one-client run (600; 8 clients: 4x)"
    )
    parser.add_argument("--seconds", type=float, default=60, help="time bound per run (60)")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up requests (200)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--seed", type=int, default=1998)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--opensearch-url", help="use this node instead of scripts/opensearch")
    parser.add_argument("--skip-reindex", action="store_true")
    parser.add_argument("--out", type=Path, default=DOC, help="markdown file (docs/benchmarks.md)")
    parser.add_argument("--work", type=Path, help="work directory (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the data dir")
    return parser.parse_args(argv)


def bench_backend(
    name: str,
    settings: Settings,
    args: argparse.Namespace,
    sentences: list[Sentence],
    builder: DocBuilder,
    queries: list[dict[str, str]],
    answers: dict[int, tuple],
    work: Path,
) -> dict:
    """Build, reindex, serve and query one backend; its figures."""
    from search.backends import open_backend

    result: dict = {"load": os.getloadavg()[0]}
    backend = open_backend(settings)
    try:
        log(f"{name}: indexing {args.records:,} records")
        result.update(build_index(backend, args, sentences, builder))
        result["build_rss"] = peak_rss_mb()
        log(f"{name}: indexed in {result['index']:.1f} s (analysis {result['analysis']:.1f} s)")
        if not args.skip_reindex:
            result["reindex"], result["reindex_rss"] = timed_reindex(settings, work)
            log(f"{name}: reindex in {result['reindex']:.1f} s, peak RSS {result['reindex_rss']:.0f} MB")
        result["size_mb"] = index_size(name, settings, backend)
        bounds = (8, args.count * 4, args.seconds)  # as the API's eight clients
        if name == "sqlite":
            floor = sqlite_floor(str(settings.index_path), queries, settings)
            floor_rate = sqlite_floor_rate(str(settings.index_path), queries, settings, *bounds)
        else:
            floor = opensearch_floor(backend, queries, settings)
            floor_rate = opensearch_floor_rate(backend, queries, settings, *bounds)
        result["floor"] = floor_figures(floor)
        result["floor_rate"] = round(floor_rate, 2)
        log(f"{name}: floor p95 {result['floor']['p95']} ms, {floor_rate:.1f}/s from 8 threads")
        server = Server(
            settings.with_overrides(search_cache_size=0), args.workers, work / f"serve-{name}.log"
        )
        try:
            run_load(server.base, queries, 2, args.warmup, args.seconds)
            one = run_load(server.base, queries, 1, args.count, args.seconds, answers)
            result["one"] = load_figures(one)
            result["api_floor_p95"] = round(one.percentile(95, set(floor)) * 1000, 1)
            log(f"{name}: 1 client p95 {result['one']['p95']} ms")
            result["eight"] = load_figures(run_load(server.base, queries, 8, args.count * 4, args.seconds))
            log(f"{name}: 8 clients p95 {result['eight']['p95']} ms")
        finally:
            server.stop()
        if name == "sqlite":  # the answer cache is the embedded backend's
            server = Server(settings, args.workers, work / f"serve-{name}-cached.log")
            try:
                run_load(server.base, queries, 2, args.warmup, args.seconds)
                result["cached"] = load_figures(
                    run_load(server.base, queries, 8, args.count * 4, args.seconds)
                )
            finally:
                server.stop()
    finally:
        if name == "opensearch":
            backend.drop()  # type: ignore[attr-defined]
        backend.close()
    return result


def index_size(name: str, settings: Settings, backend: SearchBackend) -> float:
    """Size of the live index in MB (SQLite: pages in use, freed pages left out, which the
    next rebuild reuses; OpenSearch: primaries)."""
    if name == "sqlite":
        conn = sqlite3.connect(settings.index_path)
        try:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
            size = conn.execute("PRAGMA page_size").fetchone()[0]
        finally:
            conn.close()
        return (pages - free) * size / 1e6
    client = backend.client  # type: ignore[attr-defined]
    stats = client.indices.stats(index=settings.index, metric="store")
    return stats["_all"]["primaries"]["store"]["size_in_bytes"] / 1e6


def compare(answers: dict[str, dict[int, tuple]]) -> dict[str, int]:
    """How many requests got the same total and first page from both backends."""
    if len(answers) < 2:
        return {}
    first, second = answers.values()
    keys = sorted(set(first) & set(second))
    return {
        "compared": len(keys),
        "same_total": sum(first[k][0] == second[k][0] for k in keys),
        "approximate": sum(not first[k][2] and not second[k][2] for k in keys),
        "same_page": sum(first[k][1] == second[k][1] for k in keys),
        "same_set": sum(set(first[k][1]) == set(second[k][1]) for k in keys),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its section of docs/benchmarks.md, the results file
    and the chart."""
    args = parse_args(argv)
    names = [n.strip() for n in args.backends.split(",") if n.strip()]
    work = args.work or Path(tempfile.mkdtemp(prefix="lantai-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    node: Node | None = None
    load_start = os.getloadavg()[0]
    try:
        sentences = read_sentences(args.corpus)
        log(f"{len(sentences)} sentences from {args.corpus}")
        builder = DocBuilder(sentences, SentenceCache([s.text for s in sentences]))
        sample = list(iter_rows(sentences, min(args.records, 20_000), args.seed))
        queries = make_queries(sentences, sample, args.queries, args.seed)
        del sample
        if "opensearch" in names:
            node = opensearch_node(args.opensearch_url)
        base = load_settings(
            env={},
            data_dir=str(work / "data"),
            search_timeout=30.0,
            opensearch_url=node.url if node else "http://127.0.0.1:9200",
            index=f"bench{uuid.uuid4().hex[:12]}",
        )
        base.data_dir.mkdir(parents=True, exist_ok=True)
        log(f"storing {args.records:,} records in the catalog")
        shared: dict = {
            **store_catalog(base, args, sentences, builder),
            "version": node.version if node else "–",
        }
        log(f"catalog in {shared['catalog']:.1f} s")
        results: dict[str, dict] = {}
        answers: dict[str, dict[int, tuple]] = {}
        for name in names:
            answers[name] = {}
            results[name] = bench_backend(
                name,
                base.with_overrides(backend=name),
                args,
                sentences,
                builder,
                queries,
                answers[name],
                work,
            )
        shared["load_start"], shared["load_end"] = load_start, os.getloadavg()[0]
        section = render(args, results, machine(), compare(answers), shared)
        write_section(
            args.out,
            MARKER.format(records=args.records, end="begin"),
            MARKER.format(records=args.records, end="end"),
            section,
        )
        record_run(args.records, results, shared, args.out)
        print(section)
        log(f"wrote {args.out}")
    finally:
        if node:
            stop_node(node)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"data kept in {work}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
