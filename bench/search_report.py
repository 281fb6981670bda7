"""The markdown section of one ``bench/backends.py`` run, and the figures it keeps."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date

from bench.load import Load, percentile
from bench.machine import describe

MARKER = "<!-- bench/backends.py --records {records}: {end} -->"


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
