"""Relevance on the known-item set (已知条目检索): mean reciprocal rank per search backend.

Ingests the sample records (``samples/``, what the demo shows) into each backend, asks the
queries of ``tests/fixtures/known_items.py`` as the public would (first 10 results), and
reports the mean reciprocal rank (MRR) with the default ``relevance_*`` settings and with a
few changed, so that what each setting does can be seen. The result is printed and written
as a section of ``docs/benchmarks.md``::

    .venv/bin/python bench/relevance.py
    .venv/bin/python bench/relevance.py --backends sqlite --no-write   # a quick look

An OpenSearch node comes from ``scripts/opensearch start`` (stopped again if this run
started it) unless ``--opensearch-url`` names one; the run's index is deleted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from app.runtime import Lantai, open_lantai  # noqa: E402
from bench.backends import opensearch_node, stop_node  # noqa: E402
from bench.machine import describe, machine  # noqa: E402
from bench.report import write_section  # noqa: E402
from config import load_settings  # noqa: E402
from tests.fixtures.known_items import (  # noqa: E402
    DEPTH,
    KNOWN_ITEMS,
    SAMPLE_FILES,
    Ranked,
    mean_reciprocal_rank,
    rank_known_items,
)

DOC = REPO / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench/relevance.py: begin -->", "<!-- bench/relevance.py: end -->"
#: Settings changed one at a time from the defaults: (label, overrides).
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("defaults", {}),
    ("no phrase boost (`relevance_phrase_boost = 1`)", {"relevance_phrase_boost": 1}),
    ("title weighs as text (`relevance_title_weight = 1`)", {"relevance_title_weight": 1}),
    ("text weighs twice the title (`relevance_text_weight = 20`)", {"relevance_text_weight": 20}),
    ("subjects weigh as the title (`relevance_subjects_weight = 10`)", {"relevance_subjects_weight": 10}),
]


def run_backend(backend: str, folder: Path, url: str | None, entities: bool) -> dict[str, list[Ranked]]:
    """The known items' ranks on ``backend`` under each variant of the settings."""
    overrides: dict[str, Any] = {}
    if backend == "opensearch":
        overrides = {"opensearch_url": url, "index": f"bench-relevance-{uuid.uuid4().hex[:12]}"}
    settings = load_settings(
        env={}, data_dir=str(folder / backend), backend=backend, ingest_entities=entities, **overrides
    )
    runtime = open_lantai(settings)
    try:
        report = runtime.ingester.ingest(SAMPLE_FILES)
        if report.failed:
            raise SystemExit(f"ingest of the samples failed: {report.errors}")
        out = {}
        for label, changed in VARIANTS:
            variant: Lantai = open_lantai(settings.with_overrides(**changed)) if changed else runtime
            try:
                out[label] = rank_known_items(variant)
            finally:
                if variant is not runtime:
                    variant.close()
        return out
    finally:
        if backend == "opensearch":
            runtime.backend.drop()  # type: ignore[attr-defined]
        runtime.close()


def section(results: dict[str, dict[str, list[Ranked]]], command: str, entities: bool) -> str:
    """The markdown section of docs/benchmarks.md."""
    backends = list(results)
    info = machine()
    lines = [
        BEGIN,
        "## Relevance: known items of the sample records (`bench/relevance.py`)",
        "",
        f"{date.today().isoformat()} · {describe(info)} · command:",
        "",
        "```",
        command,
        "```",
        "",
        f"{len(KNOWN_ITEMS)} queries, each with the one public record a user means "
        "(`tests/fixtures/known_items.py`: titles, subjects, words of the full text, creators "
        "with a topic, traditional script, typed with and without spaces), asked as the "
        f"public on the {len(SAMPLE_FILES)} sample catalogues (`samples/`), entity extraction "
        f"{'on' if entities else 'off'}. Reciprocal rank: 1/rank of the record meant in the "
        f"first {DEPTH} results, 0 below them; MRR is their mean (1.0: every record first). "
        "`tests/contract/test_relevance.py` holds both backends to at least 0.9 with the defaults.",
        "",
        "| settings | " + " | ".join(f"{b} MRR" for b in backends) + " |",
        "| --- | " + " | ".join("---:" for _ in backends) + " |",
    ]
    for label, _ in VARIANTS:
        row = [f"{mean_reciprocal_rank(results[b][label]):.3f}" for b in backends]
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    lines.append("")
    for backend in backends:
        for label, _ in VARIANTS:
            missed = [r for r in results[backend][label] if r.rank != 1]
            shown = ", ".join(f"{r.query} → {r.rank or '—'}" for r in missed) or "none"
            lines.append(f"- {backend}, {label}: not first: {shown}")
    lines.append(END)
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,opensearch")
    parser.add_argument("--opensearch-url", help="use this node instead of scripts/opensearch")
    parser.add_argument("--entities", action="store_true", help="extract entities at ingest (slower)")
    parser.add_argument("--out", type=Path, default=DOC, help="markdown file (docs/benchmarks.md)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and write its section."""
    args = parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    node = opensearch_node(args.opensearch_url) if "opensearch" in backends else None
    results: dict[str, dict[str, list[Ranked]]] = {}
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = node.url if node else None
            for backend in backends:
                results[backend] = run_backend(backend, Path(folder), url, args.entities)
    finally:
        if node is not None:
            stop_node(node)
    command = ".venv/bin/python bench/relevance.py" + ("".join(f" {a}" for a in (argv or sys.argv[1:])))
    text = section(results, command, args.entities)
    print(text)
    if not args.no_write:
        write_section(args.out, BEGIN, END, text)


if __name__ == "__main__":
    main()
