"""The delivery of the ingest benchmarks (``bench/ingest.py``, ``bench/pdf_text.py``): page
texts from the shared corpus, and a catalog CSV with page files named by 档号 (text files,
and a share of PDFs with a text layer in an embedded CJK font).
"""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.fonts import cjk_font

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
FILES = ("peoples-daily-ner/example.dev", "msra-ner/msra_test_bio.txt")


def sentences(corpus: Path) -> list[str]:
    """Sentences of the corpus files: one character per line (then its tag), blank line between."""
    out: list[str] = []
    for name in FILES:
        current: list[str] = []
        with (corpus / name).open(encoding="utf-8") as stream:
            for line in stream:
                token = line.split()
                if not token:
                    if current:
                        out.append("".join(current))
                        current = []
                    continue
                current.append(token[0])
        if current:
            out.append("".join(current))
    return out


def build_pages(corpus: Path, count: int, page_chars: int) -> list[str]:
    """``count`` pages of about ``page_chars`` characters; each pass over the corpus starts
    at a different sentence, so pages repeat rarely."""
    sents = sentences(corpus)
    pages: list[str] = []
    position = 0
    passes = 0
    current: list[str] = []
    size = 0
    while len(pages) < count:
        sentence = sents[position]
        current.append(sentence)
        size += len(sentence)
        if size >= page_chars:
            pages.append("".join(current))
            current, size = [], 0
        position += 1
        if position == len(sents):
            passes += 1
            position = (passes * 7919) % len(sents)
    return pages


def code(n: int) -> str:
    """The 档号 of the n-th record of a delivery."""
    return f"J001-{n // 1000 + 1:04d}-{n:05d}"


def write_pdf(path: Path, texts: list[str]) -> None:
    """A PDF with a text layer, one page per text, 40 characters a line (font ``cjk``,
    registered by :func:`write_delivery`)."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    for text in texts:
        pdf.setFont("cjk", 10)
        y = 800
        for start in range(0, len(text), 40):
            pdf.drawString(40, y, text[start : start + 40])
            y -= 14
        pdf.showPage()
    pdf.save()


def write_delivery(
    root: Path, pages: list[str], records: int, per_record: int, pdf_share: float
) -> tuple[dict, list[str]]:
    """The catalog and page files; returns counts and sizes, and the records' titles."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("cjk", str(cjk_font()), subfontIndex=0))
    pdf_every = round(1 / pdf_share) if pdf_share > 0 else 0
    rows = ["馆藏单位,档号,题名,日期,开放状态"]
    stats = {"pdf_records": 0, "pdf_pages": 0, "txt_pages": 0, "file_bytes": 0}
    titles: list[str] = []
    for n in range(records):
        folder = root / f"box{n // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        texts = pages[n * per_record : (n + 1) * per_record]
        title = f"第{n}号档案：{texts[0][:12].replace(',', '，')}"
        titles.append(title)
        rows.append(f"bench-city,{code(n)},{title},{1949 + n % 50},开放")
        if pdf_every and n % pdf_every == 0:
            path = folder / f"{code(n)}.pdf"
            write_pdf(path, texts)
            stats["pdf_records"] += 1
            stats["pdf_pages"] += len(texts)
            stats["file_bytes"] += path.stat().st_size
        else:
            for p, text in enumerate(texts, start=1):
                path = folder / f"{code(n)}_{p:03d}.txt"
                path.write_text(text, encoding="utf-8")
                stats["file_bytes"] += len(text.encode("utf-8"))
            stats["txt_pages"] += len(texts)
    (root / "目录.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return stats, titles
