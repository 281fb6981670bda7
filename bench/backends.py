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

An OpenSearch node comes from ``scripts/opensearch start`` (stopped again if this run
started it) unless ``--opensearch-url`` names one; the benchmark's indices are deleted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
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
from bench.machine import describe, machine  # noqa: E402
from bench.report import write_section  # noqa: E402
from bench.scale import record_run  # noqa: E402
from catalog.store import CatalogStore  # noqa: E402
from config import Settings, load_settings  # noqa: E402
from search.base import IndexDoc, SearchBackend, batched  # noqa: E402
from search.query_terms import prepared_tokens  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "peoples-daily-ner" / "example.dev"
DOC = REPO / "docs" / "benchmarks.md"
MARKER = "<!-- bench/backends.py --records {records}: {end} -->"
ARCHIVES = ("bench-city", "bench-county-a", "bench-county-b", "bench-county-c")
TYPES = (("文书", 60), ("照片", 10), ("红色档案", 15), ("音像", 5), ("实物", 10))
ACCESS = (
    (("open", "无"), 70),
    (("catalog_only", "无"), 12),
    (("unreviewed", "无"), 10),
    (("controlled", "无"), 4),
    (("open", "秘密"), 4),
)
TITLE_FORMS = ("关于{}的报告", "关于{}的通知", "{}的情况汇报", "关于{}问题的请示", "{}")
CJK = re.compile(r"[\u4e00-\u9fff]+")


# -- the records --------------------------------------------------------------


@dataclass
class Sentence:
    """One corpus sentence with its labelled entities."""

    text: str
    entities: list[tuple[str, str]] = field(default_factory=list)  # (PER|LOC|ORG, name)


def read_sentences(path: Path) -> list[Sentence]:
    """Sentences of a character-per-line BIO file."""
    sentences: list[Sentence] = []
    chars: list[str] = []
    entities: list[tuple[str, str]] = []
    current: list[str] = []
    kind = ""

    def close_entity() -> None:
        nonlocal current, kind
        if current:
            entities.append((kind, "".join(current)))
        current, kind = [], ""

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        parts = line.split()
        if not parts:
            close_entity()
            if chars:
                sentences.append(Sentence("".join(chars), entities))
            chars, entities = [], []
            continue
        char, tag = parts[0], parts[-1] if len(parts) > 1 else "O"
        chars.append(char)
        if tag.startswith("B-"):
            close_entity()
            current, kind = [char], tag[2:]
        elif tag.startswith("I-") and current:
            current.append(char)
        else:
            close_entity()
    return sentences


def _weighted(rng: random.Random, choices: tuple) -> object:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _date(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return ""
    day = date.fromordinal(rng.randint(date(1940, 1, 1).toordinal(), date(2005, 12, 31).toordinal()))
    if roll < 0.65:
        return day.isoformat()
    return day.isoformat()[:7] if roll < 0.9 else str(day.year)


def iter_rows(sentences: list[Sentence], count: int, seed: int) -> Iterator[dict]:
    """``count`` catalog rows built from the sentences, the same for a given seed; each
    names its body's sentences (``_body``, indices) for :mod:`bench.bulk`."""
    rng = random.Random(seed)
    for n in range(count):
        archive = rng.randrange(len(ARCHIVES))
        body_ids = [rng.randrange(len(sentences)) for _ in range(rng.randint(2, 6))]
        lead = sentences[body_ids[0]]
        fragment = re.split(r"[，。；：！？、“”]", lead.text)[0][:24] or lead.text[:24]
        body = [sentences[i] for i in body_ids]
        names = [name for s in body for kind, name in s.entities if kind in ("LOC", "ORG")]
        orgs = [name for s in body for kind, name in s.entities if kind == "ORG"]
        access, classification = _weighted(rng, ACCESS)  # type: ignore[misc]
        yield {
            "archive": ARCHIVES[archive],
            "archive_code": f"J{archive + 1:03d}-{n // 1000 % 1000:03d}-{n:07d}",
            "title": rng.choice(TITLE_FORMS).format(fragment),
            "creator": rng.choice(orgs) if orgs and rng.random() < 0.5 else "",
            "date": _date(rng),
            "record_type": _weighted(rng, TYPES),
            "access": access,
            "classification": classification,
            "subjects": list(dict.fromkeys(names))[:3],
            "description": sentences[rng.randrange(len(sentences))].text[:60],
            "text": "".join(s.text for s in body),
            "_body": body_ids,
        }


def make_queries(sentences: list[Sentence], rows: list[dict], count: int, seed: int) -> list[dict[str, str]]:
    """A mixed, reproducible set of search requests (API parameters)."""
    from analyzers.segment import query_tokens

    rng = random.Random(seed + 1)

    def words(s: Sentence) -> list[str]:
        return [t for t in query_tokens(s.text) if len(t) >= 2 and CJK.fullmatch(t)]

    def word() -> str:
        while True:
            found = words(rng.choice(sentences))
            if found:
                return rng.choice(found)

    def pair() -> tuple[str, str]:
        while True:
            found = words(rng.choice(sentences))
            if len(found) >= 2:
                a, b = rng.sample(found, 2)
                return a, b

    def phrase() -> str:
        while True:
            runs = [r for r in CJK.findall(rng.choice(sentences).text) if len(r) >= 4]
            if runs:
                run = rng.choice(runs)
                size = rng.randint(3, min(6, len(run)))
                start = rng.randrange(len(run) - size + 1)
                return run[start : start + size]

    def entity() -> str:
        while True:
            s = rng.choice(sentences)
            if s.entities:
                return rng.choice(s.entities)[1]

    def year() -> int:
        return rng.randint(1940, 2000)

    kinds: list[Callable[[], dict[str, str]]] = [
        lambda: {"q": word()},
        lambda: {"q": entity()},
        lambda: {"q": " ".join(pair())},
        lambda: {"q": f'"{phrase()}"'},
        lambda: {"q": "{} OR {}".format(*pair())},
        lambda: {"q": "{} NOT {}".format(*pair())},
        lambda: {"q": f"({word()} OR {word()}) {word()}"},
        lambda: {"q": f"title:{word()}"},
        lambda: {"q": f"creator:{entity()}"},
        lambda: {"q": rng.choice(rows)["archive_code"]},
        lambda: {"q": f"code:{rng.choice(rows)['archive_code']}"},
        lambda: {"q": f"{word()} year:{(y := year())}-{y + 5}"},
        lambda: {"q": word(), "year_from": str(y := year()), "year_to": str(y + 10)},
        lambda: {"q": word(), "archive": rng.choice(ARCHIVES)},
        lambda: {"q": word(), "type": _weighted(rng, TYPES)},  # type: ignore[dict-item]
        lambda: {"q": "", "type": _weighted(rng, TYPES), "sort": "date"},  # type: ignore[dict-item]
        lambda: {"q": word(), "sort": "date_desc"},
        lambda: {"q": word(), "page": str(rng.randint(2, 5))},
        lambda: {"q": entity(), "size": "50"},
    ]
    return [kinds[i % len(kinds)]() for i in range(count)]


# -- building -------------------------------------------------------------------


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def text_bytes(row: dict) -> int:
    """Bytes (UTF-8) of a row's text fields: what the MB/s figures count."""
    parts = [row["title"], row["creator"], row["description"], row["text"], *row["subjects"]]
    return sum(len(p.encode("utf-8")) for p in parts)


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


def timed_reindex(settings: Settings, work: Path) -> tuple[float, float]:
    """``lantai reindex`` as a separate process: seconds and its peak RSS in MB."""
    lantai = str(Path(sys.executable).with_name("lantai"))
    started = time.perf_counter()
    with (work / "reindex.log").open("ab") as out:
        proc = subprocess.Popen(
            [lantai, "reindex"], env=settings_env(settings), stdout=out, stderr=out, stdin=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"lantai reindex failed ({proc.returncode}); see {work}/reindex.log")
    return time.perf_counter() - started, usage.ru_maxrss / 1024


# -- serving and querying -----------------------------------------------------


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes ``lantai`` load ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTAI_")}
    env.update(
        LANTAI_DATA_DIR=str(settings.data_dir),
        LANTAI_BACKEND=settings.backend,
        LANTAI_OPENSEARCH_URL=settings.opensearch_url,
        LANTAI_INDEX=settings.index,
        LANTAI_SEARCH_TIMEOUT=str(settings.search_timeout),
        LANTAI_SEARCH_CACHE_SIZE=str(settings.search_cache_size),
    )
    return env


class Server:
    """``lantai serve`` (gunicorn) on a free loopback port."""

    def __init__(self, settings: Settings, workers: int, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        lantai = str(Path(sys.executable).with_name("lantai"))
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [lantai, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)],
            env=settings_env(settings),
            stdout=self.log,
            stderr=self.log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"lantai serve exited with {self.proc.returncode}; see {log}")
            try:
                with urllib.request.urlopen(self.base + "/api/v1/search?q=", timeout=5):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"lantai serve did not answer within 120 s; see {log}")

    def stop(self) -> None:
        """Stop gunicorn and its workers."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


@dataclass
class Load:
    """Latencies (seconds, with the index of their query) and failures of one load run."""

    timed: list[tuple[int, float]]
    errors: int
    seconds: float

    @property
    def latencies(self) -> list[float]:
        """Every answered request's latency."""
        return [t for _, t in self.timed]

    def percentile(self, p: float, only: set[int] | None = None) -> float:
        """The ``p``-th percentile latency in seconds (nearest rank), of the queries in
        ``only`` when given."""
        return percentile([t for i, t in self.timed if only is None or i in only], p)

    @property
    def rate(self) -> float:
        """Answered requests per second."""
        return len(self.timed) / self.seconds if self.seconds else 0.0


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank); NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def get(url: str) -> tuple[int, dict | None, float]:
    """GET a JSON URL: status (0 when unreachable), body, seconds taken."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            data = json.loads(response.read())
            status = response.status
    except urllib.error.HTTPError as error:
        status, data = error.code, None
    except (urllib.error.URLError, OSError):
        status, data = 0, None
    return status, data, time.perf_counter() - started


def run_load(
    base: str,
    queries: list[dict[str, str]],
    clients: int,
    count: int,
    seconds: float,
    answers: dict[int, tuple] | None = None,
) -> Load:
    """Send queries (cycling through the set) from ``clients`` threads, at most ``count``
    requests and ``seconds`` seconds; record each answer's total and ids in ``answers``."""
    lock = threading.Lock()
    counter = iter(range(count))
    timed: list[tuple[int, float]] = []
    errors = 0
    deadline = time.monotonic() + seconds

    def work() -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            i = n % len(queries)
            status, data, took = get(f"{base}/api/v1/search?{urllib.parse.urlencode(queries[i])}")
            with lock:
                if status != 200 or data is None:
                    errors += 1
                    continue
                timed.append((i, took))
                if answers is not None and i not in answers:
                    answers[i] = (
                        data["total"],
                        [h["id"] for h in data["hits"]],
                        data.get("total_is_exact", True),
                    )

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(work) for _ in range(clients)]:
            future.result()
    return Load(timed, errors, time.monotonic() - started)


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


# -- report ---------------------------------------------------------------------


def ms(seconds: float) -> str:
    """Seconds as milliseconds with one decimal."""
    return f"{seconds * 1000:.1f}"


def load_figures(load: Load, only: set[int] | None = None) -> dict[str, float]:
    """What the report keeps of a load run (milliseconds, requests/s)."""
    return {
        "requests": len(load.timed),
        "errors": load.errors,
        "rate": round(load.rate, 2),
        **{f"p{p}": round(load.percentile(p, only) * 1000, 1) for p in (50, 95, 99)},
    }


def floor_figures(found: dict[int, list[float]]) -> dict[str, float]:
    """Percentiles (ms) of a floor measurement."""
    values = [t for times in found.values() for t in times]
    return {
        "requests": len(values),
        **{f"p{p}": round(percentile(values, p) * 1000, 1) for p in (50, 95, 99)},
    }


def render(
    args: argparse.Namespace,
    results: dict[str, dict],
    info: dict[str, str],
    consistency: dict[str, int],
    shared: dict,
) -> str:
    """The markdown section of one run (one N)."""
    env = [f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("LANTAI_OPENSEARCH_")]
    command = " ".join([*env, ".venv/bin/python", "bench/backends.py", *sys.argv[1:]])
    lines = [
        MARKER.format(records=args.records, end="begin"),
        f"## Search backends, N = {args.records:,}: sqlite vs opensearch (`bench/backends.py`)",
        "",
        f"Run on {date.today().isoformat()} with **N = {args.records:,} records** "
        f"({shared['mb']:.1f} MB of record text, about 6 entities a record) built from the "
        "People's Daily 1998 sentences of the shared corpus (`peoples-daily-ner/example.dev`), "
        f"seed {args.seed}. Command:",
        "",
        "```",
        f"{command}",
        "```",
        "",
        f"Machine: {describe(info)}. OpenSearch {shared['version']} single node "
        f"from `scripts/opensearch` (heap {os.environ.get('LANTAI_OPENSEARCH_HEAP', '512m')}) "
        f"on the same machine. Web: `lantai serve` (gunicorn, {args.workers} sync workers) on "
        f"loopback. Load average (1 min) just before the run: {shared['load_start']:.2f} "
        f"(other work shares the machine), at its end: {shared['load_end']:.2f}.",
        "",
        "Build: the catalog is written as ingest writes it (records with their entities, "
        f"{shared['catalog']:.1f} s); documents are analysed in bulk (`bench/bulk.py`: each "
        f"corpus sentence normalized and segmented once; {shared['same_tokens']} of "
        f"{shared['checked_tokens']} sampled records get exactly the words of segmenting "
        f"their whole text, {shared['same_docs']} exactly the document `index_doc` makes of "
        "the stored record) and handed with their words prepared, as ingest's workers hand "
        "them over, to the bulk path `backend.rebuild()` (what `lantai reindex` writes "
        "with: no commit or refresh per batch, one merge at the end); "
        "`index s` is the backends' writing, merge included, "
        "`reindex s` is `lantai reindex` as its own process (the whole rebuild from the "
        "catalog, analysis included; beside the live index, switched atomically), with its "
        "peak RSS.",
        "",
        "| backend | index s | records/s | reindex s | reindex peak RSS MB | index size MB | size / text |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        reindex_s = f"{r['reindex']:.1f}" if r.get("reindex") is not None else "–"
        rss = f"{r['reindex_rss']:.0f}" if r.get("reindex_rss") is not None else "–"
        lines.append(
            f"| {name} | {r['index']:.1f} | {args.records / r['index']:,.0f} | "
            f"{reindex_s} | {rss} | {r['size_mb']:.1f} | "
            f"{r['size_mb'] / shared['mb']:.2f} |"
        )
    lines += [
        "",
        f"Queries: {args.queries} distinct requests to `/api/v1/search` (anonymous, public "
        "view), cycling: single terms, entity names, two-term AND, phrases, OR, NOT, "
        "grouping, `title:`, `creator:`, reference codes and `code:`, `year:` ranges, "
        "year_from/year_to, archive and type filters, date sorts, pages 2-5, size 50; every "
        "answer includes the six facets. One client: at most "
        f"{args.count} requests or {args.seconds:g} s; 8 clients: at most {args.count * 4} "
        f"requests or {args.seconds:g} s; after {args.warmup} warm-up requests. The answer "
        "cache is off (`LANTAI_SEARCH_CACHE_SIZE=0`) except in the row marked cached. "
        "Floor: the engine alone for the same queries in the same run "
        "(`bench/floors.py`: raw FTS5 match with bm25 over every match and the page's top "
        "rows; the backend's own request body sent straight to OpenSearch), one client, "
        "and for throughput eight threads bounded as the eight clients are; "
        "`API p95 (floor's queries)` is the API's one-client p95 over the queries the floor "
        "covers.",
        "",
        "| backend | clients | requests | errors | p50 ms | p95 ms | p99 ms | requests/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        for label, key in (("1", "one"), ("8", "eight"), ("8, cached", "cached")):
            f = r.get(key)
            if f:
                lines.append(
                    f"| {name} | {label} | {f['requests']} | {f['errors']} | "
                    f"{f['p50']:.1f} | {f['p95']:.1f} | {f['p99']:.1f} | "
                    f"{f['rate']:.1f} |"
                )
        fl = r["floor"]
        lines.append(
            f"| {name} floor | 1 | {fl['requests']} | 0 | {fl['p50']:.1f} | "
            f"{fl['p95']:.1f} | {fl['p99']:.1f} | |"
        )
        if r.get("floor_rate"):
            lines.append(f"| {name} floor | 8 | | | | | | {r['floor_rate']:.1f} |")
        lines.append(f"| {name} API p95 (floor's queries) | 1 | | | | {r['api_floor_p95']:.1f} | | |")
    if consistency:
        lines += [
            "",
            f"Consistency: of {consistency['compared']} requests answered by both backends, "
            f"{consistency['same_total']} have the same total ({consistency['approximate']} "
            "of them flagged approximate by both), and "
            f"{consistency['same_page']} the same hits on the page ({consistency['same_set']} "
            "the same hits in some order; BM25 in Lucene and in FTS5 differ, so near-ties "
            "may order differently).",
        ]
    lines.append(MARKER.format(records=args.records, end="end"))
    return "\n".join(lines) + "\n"


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
        result["build_rss"] = rss_mb()
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
