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

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer.layout_files import parse_alto, parse_hocr
from indexer.page_types import FileOptions, FileRead, PageText
from indexer.readers import ReadError, decode_bytes

PDF_SUFFIXES = (".pdf",)
TEXT_SUFFIXES = (".txt",)
HOCR_SUFFIXES = (".hocr", ".html", ".htm")
ALTO_SUFFIXES = (".xml",)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".pnm", ".jp2", ".webp")
PAGE_SUFFIXES = PDF_SUFFIXES + TEXT_SUFFIXES + HOCR_SUFFIXES + ALTO_SUFFIXES + IMAGE_SUFFIXES


logging.getLogger("pypdf").setLevel(logging.ERROR)  # broken files are reported, not logged


def page_kind(path: Path) -> str | None:
    """``pdf``, ``text``, ``hocr``, ``alto`` or ``image`` for a page file; None otherwise."""
    suffix = path.suffix.lower()
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
    """Pages of a PDF: its text layer, or OCR for pages without one."""
    check_size(path, path.stat().st_size, options)
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (FileNotDecryptedError, NotImplementedError, PdfReadError) as exc:
                raise ReadError(f"encrypted PDF that cannot be opened: {exc}") from None
            if not opened:
                raise ReadError("encrypted PDF: a password is needed to read it")
        count = len(reader.pages)
        pages: list[PageText] = []
        with _fonts_parsed_once():
            for number, page in enumerate(reader.pages, start=1):
                text = (page.extract_text() or "").rstrip()
                pages.append(PageText(number, text, None, method="pdf"))
    except ReadError:
        raise
    except FileNotDecryptedError:
        raise ReadError("encrypted PDF: a password is needed to read it") from None
    except (PdfReadError, PdfStreamError) as exc:
        raise ReadError(f"corrupt PDF: {exc}") from None
    except Exception as exc:  # pypdf raises many kinds for broken files
        raise ReadError(f"corrupt PDF: {type(exc).__name__}: {exc}") from None
    if count == 0:
        raise ReadError("corrupt PDF: it has no pages")
    blank = [p.number for p in pages if not _has_text(p.text)]
    if not blank:
        return FileRead(pages)
    from indexer import ocr

    reason = ocr.unavailable(options)
    if reason:
        return FileRead(pages, needs_ocr=blank, ocr_reason=reason)
    done = ocr.ocr_pdf_pages(path, blank, options)
    return FileRead([done.get(p.number, p) for p in pages])


_font_cache = threading.local()  # .parsed: {id(font dict): (font dict, Font)} while one PDF is read


@contextmanager
def _fonts_parsed_once() -> Iterator[None]:
    """While one PDF is read (in this thread): parse each font once, not once a page.

    pypdf builds a ``Font`` (with its ToUnicode character map) from the font dictionary
    on every page that uses it; a CJK font's map is large, and parsing it again for each
    page was a third of the extraction time. The reader hands back the same dictionary
    object for the same font, so the fonts are kept by that object for the length of one
    file. A pypdf without ``Font.from_font_resource`` is used as it is.
    """
    _install_font_cache()
    _font_cache.parsed = {}
    try:
        yield
    finally:
        _font_cache.parsed = None


def _install_font_cache() -> None:
    """Route ``Font.from_font_resource`` through :data:`_font_cache` (once per process)."""
    try:
        from pypdf.generic._font import Font
    except ImportError:
        return
    original = Font.__dict__.get("from_font_resource")
    if not isinstance(original, classmethod) or getattr(original.__func__, "lantai_cached", False):
        return
    build = original.__func__

    def from_font_resource(cls, pdf_font_dict):  # type: ignore[no-untyped-def]
        parsed = getattr(_font_cache, "parsed", None)
        if parsed is None:
            return build(cls, pdf_font_dict)
        known = parsed.get(id(pdf_font_dict))
        if known is None or known[0] is not pdf_font_dict:
            known = parsed[id(pdf_font_dict)] = (pdf_font_dict, build(cls, pdf_font_dict))
        return known[1]

    from_font_resource.lantai_cached = True  # type: ignore[attr-defined]
    Font.from_font_resource = classmethod(from_font_resource)  # type: ignore[method-assign,assignment]


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
