"""Search at archive scale: figures across N, the targets beside them, and their chart.

``bench/backends.py`` keeps each run's figures in ``docs/benchmarks-search.json`` by N;
this module draws the summary section of ``docs/benchmarks.md`` and the chart
``docs/search-latency.svg`` from that file (``.venv/bin/python bench/scale.py`` redraws
them without running anything).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from html import escape
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.report import write_section  # noqa: E402

RESULTS = REPO / "docs" / "benchmarks-search.json"
DOC = REPO / "docs" / "benchmarks.md"
CHART = REPO / "docs" / "search-latency.svg"
BEGIN, END = "<!-- bench/scale.py: begin -->", "<!-- bench/scale.py: end -->"
COLOURS = {"sqlite": "#3b6ea5", "opensearch": "#c0673a"}


def record_run(records: int, results: dict[str, dict], shared: dict, doc: Path = DOC) -> None:
    """Keep one run's figures under its N, then redraw the summary and the chart (beside
    ``doc``, the markdown file the run writes)."""
    files = (doc.with_name(RESULTS.name), doc.with_name(CHART.name), doc)
    runs = json.loads(files[0].read_text(encoding="utf-8")) if files[0].exists() else {}
    # A run of some backends keeps the figures of the others from their own earlier run.
    kept = {
        name: figures
        for name, figures in runs.get(str(records), {}).get("backends", {}).items()
        if name not in results
    }
    today = date.today().isoformat()
    runs[str(records)] = {
        "date": today,
        "text_mb": round(shared["mb"], 1),
        "load_start": round(shared["load_start"], 2),
        "load_end": round(shared["load_end"], 2),
        "backends": {**kept, **{name: {**r, "date": today} for name, r in results.items()}},
    }
    files[0].write_text(json.dumps(runs, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    redraw(runs, files[1], files[2])


def redraw(runs: dict, chart_file: Path = CHART, doc: Path = DOC) -> None:
    """Write the summary section and the chart from ``runs``."""
    chart_file.write_text(chart(runs), encoding="utf-8")
    write_section(doc, BEGIN, END, summary(runs))


def _n(records: str) -> str:
    value = int(records)
    return f"{value // 1_000_000}M" if value >= 1_000_000 else f"{value // 1000}k"


def _get(r: dict, *path: str) -> float | None:
    for key in path:
        if not isinstance(r, dict) or key not in r:
            return None
        r = r[key]
    return r  # type: ignore[return-value]


def _fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def targets(records: int, name: str, r: dict, text_mb: float) -> list[tuple[str, str, bool]]:
    """The issue's targets that apply to this N and backend: (target, figure, met)."""
    out = []
    p95 = _get(r, "one", "p95")
    rate8 = _get(r, "eight", "rate")
    floor = _get(r, "floor", "p95")
    api = r.get("api_floor_p95")
    engine_rate = r.get("floor_rate")
    rate_figure = f"{_fmt(rate8)}/s" + (f" (engine alone {_fmt(engine_rate)}/s)" if engine_rate else "")
    if name == "sqlite" and records == 100_000:
        out += [
            ("p95 ≤ 150 ms, 1 client", f"{_fmt(p95)} ms", p95 is not None and p95 <= 150),
            ("≥ 30 requests/s, 8 clients", rate_figure, rate8 is not None and rate8 >= 30),
            (
                "p95 ≤ 2 × FTS5 floor",
                f"{_fmt(api)} vs 2 × {_fmt(floor)} ms",
                api is not None and floor is not None and api <= 2 * floor,
            ),
        ]
    if name == "sqlite" and records == 1_000_000:
        out.append(("p95 ≤ 500 ms, 1 client", f"{_fmt(p95)} ms", p95 is not None and p95 <= 500))
    if name == "opensearch" and records == 1_000_000:
        out += [
            ("p95 ≤ 150 ms, 1 client", f"{_fmt(p95)} ms", p95 is not None and p95 <= 150),
            ("≥ 40 requests/s, 8 clients", rate_figure, rate8 is not None and rate8 >= 40),
            (
                "API p95 ≤ 1.3 × direct request",
                f"{_fmt(api)} vs 1.3 × {_fmt(floor)} ms",
                api is not None and floor is not None and api <= 1.3 * floor,
            ),
        ]
    if name == "sqlite" and r.get("size_mb"):
        ratio = r["size_mb"] / text_mb
        out.append(("index ≤ 3 × text", f"{ratio:.2f} ×", ratio <= 3))
    return out


def summary(runs: dict) -> str:
    """The markdown summary across N: figures, then targets beside them."""
    lines = [
        BEGIN,
        "## Search at archive scale: 10k, 100k, 1M records (`bench/scale.py`)",
        "",
        "From `docs/benchmarks-search.json` (one `bench/backends.py` run per N; each run's "
        "own section below gives its command, machine and load). Milliseconds; API "
        "figures with the answer cache off; floor = the engine alone for the same "
        "queries in the same run.",
        "",
        "![p95 latency by N and backend](search-latency.svg)",
        "",
        "| N | backend | p50 1 cl. | p95 1 cl. | p99 1 cl. | p95 8 cl. | req/s 8 cl. | "
        "req/s 8 cl. cached | floor p95 | index s | reindex s | reindex RSS MB | "
        "index MB |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for records in sorted(runs, key=int):
        for name, r in runs[records]["backends"].items():
            lines.append(
                f"| {_n(records)} | {name} | {_fmt(_get(r, 'one', 'p50'))} | "
                f"{_fmt(_get(r, 'one', 'p95'))} | {_fmt(_get(r, 'one', 'p99'))} | "
                f"{_fmt(_get(r, 'eight', 'p95'))} | {_fmt(_get(r, 'eight', 'rate'))} | "
                f"{_fmt(_get(r, 'cached', 'rate'))} | {_fmt(_get(r, 'floor', 'p95'))} | "
                f"{_fmt(r.get('index'), 0)} | {_fmt(r.get('reindex'), 0)} | "
                f"{_fmt(r.get('reindex_rss'), 0)} | {_fmt(r.get('size_mb'), 0)} |"
            )
    lines += ["", "| N | backend | target | figure | met |", "| ---: | --- | --- | --- | --- |"]
    for records in sorted(runs, key=int):
        run = runs[records]
        for name, r in run["backends"].items():
            for target, figure, met in targets(int(records), name, r, run["text_mb"]):
                lines.append(
                    f"| {_n(records)} | {name} | {target} | {figure} | {'yes' if met else '**no**'} |"
                )
    lines.append(END)
    return "\n".join(lines) + "\n"


def chart(runs: dict) -> str:
    """An SVG bar chart: p95 (one client) of the API and of the floor, per N and backend."""
    bars = []
    for records in sorted(runs, key=int):
        for name, r in runs[records]["backends"].items():
            bars.append(
                (f"{_n(records)} {name}", name, _get(r, "one", "p95") or 0.0, _get(r, "floor", "p95") or 0.0)
            )
    width, left, row, top = 760, 150, 34, 40
    height = top + row * len(bars) + 50
    peak = max([max(a, f) for _, _, a, f in bars] + [1.0])
    scale = (width - left - 90) / peak
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="22" font-size="14">Search p95 latency, one client (ms): '
        "API (bar) and engine floor (thin bar)</text>",
    ]
    for n, (label, name, api, floor) in enumerate(bars):
        y = top + n * row
        out.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        out.append(
            f'<rect x="{left}" y="{y}" width="{api * scale:.1f}" height="16" '
            f'fill="{COLOURS.get(name, "#777")}"/>'
        )
        out.append(f'<text x="{left + api * scale + 4:.1f}" y="{y + 13}">{api:,.0f}</text>')
        out.append(f'<rect x="{left}" y="{y + 19}" width="{floor * scale:.1f}" height="6" fill="#444"/>')
        out.append(
            f'<text x="{left + floor * scale + 4:.1f}" y="{y + 26}" font-size="10">floor {floor:,.0f}</text>'
        )
    axis = top + row * len(bars) + 10
    out.append(f'<line x1="{left}" y1="{axis}" x2="{width - 60}" y2="{axis}" stroke="#999"/>')
    out.append(f'<text x="{left}" y="{axis + 18}" fill="#555">0</text>')
    out.append(f'<text x="{width - 60}" y="{axis + 18}" text-anchor="end" fill="#555">{peak:,.0f} ms</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> int:
    """Redraw the summary and the chart from the results file."""
    runs = json.loads(RESULTS.read_text(encoding="utf-8"))
    redraw(runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
