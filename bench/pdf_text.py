"""CPU per PDF page (PDF 文字层) of the two text extractors ingest uses: PDFium and pypdf.

Builds ``--files`` PDFs of ``--pages`` pages each from the shared corpus, as
``bench/ingest.py`` does (corpus sentences, about ``--page-chars`` characters a page, 40 a
line, an embedded CJK font), then reads every file's text layer in this one process with
:func:`indexer.pdf_text.pdfium_pages` and :func:`indexer.pdf_text.pypdf_pages` (each
``--rounds`` times, the fastest round counts) and measures CPU time, which does not depend
on what else the machine runs. It also checks that both give the same normalized text on
every page. The result is printed and written as a section of ``docs/benchmarks.md``::

    .venv/bin/python bench/pdf_text.py
    .venv/bin/python bench/pdf_text.py --files 10 --no-write   # a quick look
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.delivery import CORPUS, build_pages, write_pdf  # noqa: E402
from bench.machine import machine  # noqa: E402
from bench.report import write_section  # noqa: E402
from tests.fixtures.fonts import cjk_font  # noqa: E402

DOC = REPO / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench/pdf_text.py: begin -->", "<!-- bench/pdf_text.py: end -->"


def write_pdfs(folder: Path, pages: list[str], per_file: int) -> list[Path]:
    """PDFs of ``per_file`` pages each, with a text layer in an embedded CJK font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("cjk", str(cjk_font()), subfontIndex=0))
    paths = []
    for n in range(0, len(pages), per_file):
        path = folder / f"J001-0001-{n // per_file:05d}.pdf"
        write_pdf(path, pages[n : n + per_file])
        paths.append(path)
    return paths


def cpu_ms_a_page(
    read: Callable[[Path], list[str]], paths: list[Path], rounds: int
) -> tuple[float, list[str]]:
    """The fastest round's CPU milliseconds a page, and the pages' text."""
    best, texts = float("inf"), []
    for _ in range(rounds):
        started = time.process_time()
        texts = [text for path in paths for text in read(path)]
        best = min(best, time.process_time() - started)
    return 1000 * best / max(len(texts), 1), texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--pages", type=int, default=5, help="pages per file")
    parser.add_argument("--page-chars", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args(argv)

    from analyzers.normalize import normalize
    from indexer.pdf_text import pdfium_pages, pypdf_pages

    work = Path(tempfile.mkdtemp(prefix="lantai-bench-pdf-"))
    try:
        pages = build_pages(args.corpus, args.files * args.pages, args.page_chars)
        paths = write_pdfs(work, pages, args.pages)
        pdfium_pages(paths[0]), pypdf_pages(paths[0])  # load both libraries before timing
        pdfium_ms, by_pdfium = cpu_ms_a_page(pdfium_pages, paths, args.rounds)
        pypdf_ms, by_pypdf = cpu_ms_a_page(pypdf_pages, paths, args.rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def folded(text: str) -> str:
        return "".join(normalize(text).text.split())

    same = sum(folded(a) == folded(b) for a, b in zip(by_pdfium, by_pypdf, strict=True))
    host = machine()
    command = "`.venv/bin/python bench/pdf_text.py" + (" " + " ".join(argv or sys.argv[1:])).rstrip() + "`"
    text = f"""## PDF text extraction: PDFium vs pypdf (`bench/pdf_text.py`)

{date.today().isoformat()} · {host["nproc"]} cores ({host["cpu"]}), {host["memory"]}, Python {host["python"]}
· {command} · one process, CPU time (fastest of {args.rounds} rounds)

{args.files} PDFs × {args.pages} pages = {len(by_pdfium):,} pages of corpus text (about {args.page_chars}
characters a page, 40 a line, embedded CJK font), as `bench/ingest.py` writes them.

| extractor | CPU ms a page |
| --- | ---: |
| PDFium (`pypdfium2`), what ingest uses | {pdfium_ms:.2f} |
| pypdf (the fallback where PDFium cannot open a file) | {pypdf_ms:.2f} |

PDFium takes **{pypdf_ms / pdfium_ms:.1f}×** less CPU a page. Both give the same normalized
text (white space aside) on {same:,} of {len(by_pdfium):,} pages.
"""
    print(text)
    if not args.no_write:
        write_section(DOC, BEGIN, END, f"{BEGIN}\n{text.rstrip()}\n{END}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
