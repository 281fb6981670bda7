"""Readers of page files (页面文件): PDF, plain text, hOCR, ALTO XML and page images.

Each reader turns one file into its pages, :class:`PageText` with the page number inside
the file (from 1), the text as found, and the OCR word confidence when the file carries one
(hOCR, ALTO, Tesseract). hOCR and ALTO are read by :mod:`indexer.layout_files`, the
types are in :mod:`indexer.page_types`. A file that cannot be read raises :class:`indexer.readers.ReadError`
with a reason people can act on. Pages without text (scans) are OCR'd with Tesseract when
it is installed (:mod:`indexer.ocr`); otherwise they are returned empty and flagged
``needs_ocr``.

Readers stream: a text file larger than the configured cap is refused before it is read.
"""

from __future__ import annotations

import os
from pathlib import Path

from indexer.layout_files import parse_alto, parse_hocr
from indexer.page_types import FileOptions, FileRead, PageText
from indexer.pdf_text import pdf_pages
from indexer.readers import ReadError, decode_bytes

PDF_SUFFIXES = (".pdf",)
TEXT_SUFFIXES = (".txt",)
HOCR_SUFFIXES = (".hocr", ".html", ".htm")
ALTO_SUFFIXES = (".xml",)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".pnm", ".jp2", ".webp")
PAGE_SUFFIXES = PDF_SUFFIXES + TEXT_SUFFIXES + HOCR_SUFFIXES + ALTO_SUFFIXES + IMAGE_SUFFIXES


def page_kind(path: Path | str) -> str | None:
    """``pdf``, ``text``, ``hocr``, ``alto`` or ``image`` for a page file; None otherwise.

    >>> page_kind("/in/J1-1-1.TIF"), page_kind(Path("J1-1-1_002.txt")), page_kind("说明.doc")
    ('image', 'text', None)
    """
    suffix = os.path.splitext(path)[1].lower()
    for kind, suffixes in (
        ("pdf", PDF_SUFFIXES),
        ("text", TEXT_SUFFIXES),
        ("hocr", HOCR_SUFFIXES),
        ("alto", ALTO_SUFFIXES),
        ("image", IMAGE_SUFFIXES),
    ):
        if suffix in suffixes:
            return kind
    return None


def check_size(path: Path, size: int, options: FileOptions) -> None:
    """Refuse, before reading it, a text file or PDF larger than its cap."""
    kind = page_kind(path)
    if kind == "text" and size > options.max_text_bytes:
        raise ReadError(
            f"text file of {size:,} bytes is larger than the limit of "
            f"{options.max_text_bytes:,} bytes; refused (split it, or raise --max-text-mb)"
        )
    if kind == "pdf" and size > options.max_pdf_bytes:
        raise ReadError(
            f"PDF of {size:,} bytes is larger than the limit of {options.max_pdf_bytes:,} bytes; refused"
        )


def read_page_file(path: Path, options: FileOptions, data: bytes | None = None) -> FileRead:
    """Pages of one page file; raises ReadError (with the reason) for a file that is bad.

    ``data``: the content of a text file, when the caller has read it already.
    """
    kind = page_kind(path)
    if kind == "pdf":
        return read_pdf(path, options)
    if kind == "text":
        if data is not None:
            return FileRead(text_pages(data))
        return FileRead(read_text_pages(path, options.max_text_bytes))
    if kind == "hocr":
        with path.open("rb") as stream:
            return FileRead(parse_hocr(stream))
    if kind == "alto":
        with path.open("rb") as stream:
            return FileRead(parse_alto(stream))
    if kind == "image":
        return read_image(path, options)
    raise ReadError("unsupported file type")


# --------------------------------------------------------------------------- plain text


def read_text_pages(path: Path, max_bytes: int) -> list[PageText]:
    """Pages of a plain text file: split at form feeds (``\\f``), as pdftotext writes them.

    A file larger than ``max_bytes`` is refused without being read.
    """
    check_size(path, path.stat().st_size, FileOptions(max_text_bytes=max_bytes))
    return text_pages(read_capped(path, max_bytes))


def read_capped(path: Path, max_bytes: int) -> bytes:
    """The bytes of a text file, refused when it is larger than ``max_bytes``."""
    with path.open("rb") as stream:
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew while we looked
        raise ReadError(f"text file is larger than the limit of {max_bytes:,} bytes; refused")
    return data


def text_pages(data: bytes) -> list[PageText]:
    """Pages of a plain text file's bytes (see :func:`read_text_pages`)."""
    text = decode_bytes(data)
    parts = text.split("\f")
    if len(parts) > 1 and not parts[-1].strip():
        parts.pop()
    return [PageText(n, part) for n, part in enumerate(parts, start=1)]


# --------------------------------------------------------------------------- PDF


def read_pdf(path: Path, options: FileOptions) -> FileRead:
    """Pages of a PDF: its text layer (PDFium, else pypdf), or OCR for pages without one."""
    check_size(path, path.stat().st_size, options)
    texts, _reader = pdf_pages(path)
    if not texts:
        raise ReadError("corrupt PDF: it has no pages")
    pages = [PageText(number, text, None, method="pdf") for number, text in enumerate(texts, start=1)]
    blank = [p.number for p in pages if not _has_text(p.text)]
    if not blank:
        return FileRead(pages)
    from indexer import ocr

    reason = ocr.unavailable(options)
    if reason:
        return FileRead(pages, needs_ocr=blank, ocr_reason=reason)
    done = ocr.ocr_pdf_pages(path, blank, options)
    return FileRead([done.get(p.number, p) for p in pages])


def _has_text(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


# --------------------------------------------------------------------------- images


def read_image(path: Path, options: FileOptions) -> FileRead:
    """Pages of a scanned image (a multi-page TIFF gives several) by Tesseract OCR."""
    from indexer import ocr

    reason = ocr.unavailable(options)
    if reason:
        return FileRead([PageText(1, "", None, method="ocr")], needs_ocr=[1], ocr_reason=reason)
    return FileRead(ocr.ocr_image(path, options))
