"""The text layer of a PDF (PDF 文字层), read by PDFium, or by pypdf where PDFium cannot.

PDFium (``pypdfium2``, also used to draw page images) reads a page's text several times
faster than pypdf (see ``docs/benchmarks.md``). It refuses some files that pypdf still
reads (a header after more than 1 KiB of leading bytes, as some document systems write)
and pypdf gives the reasons people can act on for files that neither reads (encrypted,
truncated), so :func:`pdf_pages` falls back to pypdf whenever PDFium fails on a file.

PDFium is not thread-safe: every call into it in this process holds :data:`PDFIUM_LOCK`
(the page images of :mod:`app.originals` take the same lock).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer.readers import ReadError

#: Held around every use of PDFium in this process (it is not thread-safe).
PDFIUM_LOCK = threading.RLock()

logging.getLogger("pypdf").setLevel(logging.ERROR)  # broken files are reported, not logged

# PDFium ends lines with \r\n, and marks a hyphen it thinks soft with U+0002 or U+FFFE.
_PDFIUM_DEBRIS = re.compile("\r\n?|[\x00\x02\ufffe\uffff]")


def pdf_pages(path: Path) -> tuple[list[str], str]:
    """The text of each page of a PDF, and which reader gave it (``pdfium`` or ``pypdf``).

    Raises :class:`ReadError` for a file neither reads (with pypdf's reason). Trailing
    white space of each page is dropped.
    """
    try:
        pages = pdfium_pages(path)
    except Exception:  # noqa: BLE001 - any PDFium failure: pypdf reads it or says why not
        pages = []
    if pages:
        return pages, "pdfium"
    return pypdf_pages(path), "pypdf"


def clean_pdfium_text(text: str) -> str:
    """PDFium's page text with its line ends as ``\\n`` and its soft-hyphen marks dropped.

    >>> clean_pdfium_text("宝鸡市人民\\r\\n政府\\x02\\r\\n")
    '宝鸡市人民\\n政府\\n'
    """
    return _PDFIUM_DEBRIS.sub(lambda m: "\n" if m.group().startswith("\r") else "", text)


def pdfium_pages(path: Path) -> list[str]:
    """The text of each page by PDFium; raises whatever PDFium raises for a bad file."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(str(path))
        try:
            pages = []
            for index in range(len(pdf)):
                page = pdf[index]
                try:
                    textpage = page.get_textpage()
                    try:
                        text = textpage.get_text_range()
                    finally:
                        textpage.close()
                finally:
                    page.close()
                pages.append(clean_pdfium_text(text).rstrip())
            return pages
        finally:
            pdf.close()


def pypdf_pages(path: Path) -> list[str]:
    """The text of each page by pypdf; raises :class:`ReadError` saying why a file is bad."""
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
        with _fonts_parsed_once():
            return [(page.extract_text() or "").rstrip() for page in reader.pages]
    except ReadError:
        raise
    except FileNotDecryptedError:
        raise ReadError("encrypted PDF: a password is needed to read it") from None
    except (PdfReadError, PdfStreamError) as exc:
        raise ReadError(f"corrupt PDF: {exc}") from None
    except Exception as exc:  # pypdf raises many kinds for broken files
        raise ReadError(f"corrupt PDF: {type(exc).__name__}: {exc}") from None


_font_cache = threading.local()  # .parsed: {id(font dict): (font dict, Font)} while one PDF is read


@contextmanager
def _fonts_parsed_once() -> Iterator[None]:
    """While one PDF is read by pypdf (in this thread): parse each font once, not once a page.

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
