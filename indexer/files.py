"""Readers of page files (页面文件): PDF, plain text, hOCR, ALTO XML and page images.

Each reader turns one file into its pages, :class:`PageText` with the page number inside
the file (from 1), the text as found, and the OCR word confidence when the file carries one
(hOCR, ALTO, Tesseract). A file that cannot be read raises :class:`indexer.readers.ReadError`
with a reason people can act on. Pages without text (scans) are OCR'd with Tesseract when
it is installed (:mod:`indexer.ocr`); otherwise they are returned empty and flagged
``needs_ocr``.

Readers stream: a text file larger than the configured cap is refused before it is read,
XML is parsed incrementally and processed elements are dropped.
"""

from __future__ import annotations

import html
import logging
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import IO

from analyzers.normalize import is_cjk
from indexer.readers import ReadError, decode_bytes

PDF_SUFFIXES = (".pdf",)
TEXT_SUFFIXES = (".txt",)
HOCR_SUFFIXES = (".hocr", ".html", ".htm")
ALTO_SUFFIXES = (".xml",)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".pnm", ".jp2", ".webp")
PAGE_SUFFIXES = PDF_SUFFIXES + TEXT_SUFFIXES + HOCR_SUFFIXES + ALTO_SUFFIXES + IMAGE_SUFFIXES

DEFAULT_MAX_TEXT_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_PDF_BYTES = 1024 * 1024 * 1024
_XML_CHUNK = 1024 * 1024

logging.getLogger("pypdf").setLevel(logging.ERROR)  # broken files are reported, not logged


@dataclass(frozen=True)
class PageText:
    """One page of a file: number inside the file (from 1), text, OCR word confidence (0..1)."""

    number: int
    text: str
    confidence: float | None = None
    method: str = "text"  # text, pdf, ocr, hocr, alto


@dataclass
class FileOptions:
    """How page files are read: OCR on or off, size caps, Tesseract languages."""

    ocr: bool = True
    max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES
    max_pdf_bytes: int = DEFAULT_MAX_PDF_BYTES
    ocr_languages: str = "chi_sim+chi_tra"
    ocr_timeout: float = 300.0


@dataclass
class FileRead:
    """What reading one page file gave: its pages, and which of them still need OCR."""

    pages: list[PageText]
    needs_ocr: list[int] = field(default_factory=list)
    ocr_reason: str = ""


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


# --------------------------------------------------------------------------- word joining


def join_words(words: list[str]) -> str:
    """Join OCR words of one line: no space between CJK neighbours, one space otherwise.

    >>> join_words(["宝鸡", "市", "Red", "Army", "1949", "年"])
    '宝鸡市 Red Army 1949 年'
    """
    out: list[str] = []
    for word in words:
        word = word.strip()
        if not word:
            continue
        if out and not (is_cjk(out[-1][-1]) and is_cjk(word[0])):
            out.append(" ")
        out.append(word)
    return "".join(out)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


# --------------------------------------------------------------------------- hOCR

_WCONF = re.compile(r"x_wconf\s+(-?\d+(?:\.\d+)?)")
_PPAGENO = re.compile(r"ppageno\s+(\d+)")


class _PageCollector:
    """Builds pages from a stream of hOCR events (page, line, word)."""

    def __init__(self) -> None:
        self.pages: list[PageText] = []
        self._lines: list[str] = []
        self._words: list[str] = []
        self._confidences: list[float] = []
        self._open = False

    def page(self) -> None:
        self.end_page()
        self._open = True

    def line(self) -> None:
        if self._words:
            self._lines.append(join_words(self._words))
        self._words = []

    def word(self, text: str, confidence: float | None) -> None:
        if not self._open:
            self.page()
        if text.strip():
            self._words.append(text)
            if confidence is not None:
                self._confidences.append(max(0.0, min(1.0, confidence)))

    def end_page(self) -> None:
        if not self._open:
            return
        self.line()
        number = len(self.pages) + 1
        self.pages.append(PageText(number, "\n".join(self._lines), _mean(self._confidences), method="hocr"))
        self._lines, self._confidences, self._open = [], [], False


def _classes(value: str | None) -> set[str]:
    return set((value or "").split())


def _word_confidence(title: str | None) -> float | None:
    match = _WCONF.search(title or "")
    return float(match.group(1)) / 100 if match else None


def _is_xml(head: bytes) -> bool:
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<?xml") or b'xmlns="http://www.w3.org/1999/xhtml"' in head[:2048]


def _refuse_entities(head: bytes) -> None:
    if b"<!ENTITY" in head:
        raise ReadError("XML with entity declarations is refused")


def _iterparse(stream: IO[bytes], head: bytes) -> Iterator[tuple[str, ET.Element]]:
    """``(event, element)`` of an XML stream (``head`` is its already-read start)."""
    parser: ET.XMLPullParser = ET.XMLPullParser(events=("start", "end"))
    chunk = head
    try:
        while chunk:
            parser.feed(chunk)
            yield from parser.read_events()  # type: ignore[misc]  # only start/end asked
            chunk = stream.read(_XML_CHUNK)
        parser.close()
        yield from parser.read_events()  # type: ignore[misc]
    except ET.ParseError as exc:
        raise ReadError(f"truncated or malformed XML: {exc}") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_hocr(stream: IO[bytes]) -> list[PageText]:
    """Pages of an hOCR file (Tesseract's HTML): ``ocr_page``, ``ocr_line``, ``ocrx_word``.

    XHTML is parsed strictly (a truncated file is an error); old-style HTML leniently.
    A word's ``x_wconf`` (0-100) gives the page's mean word confidence.
    """
    head = stream.read(_XML_CHUNK)
    _refuse_entities(head)
    collector = _PageCollector()
    if _is_xml(head):
        saw_page = False
        for event, element in _iterparse(stream, head):
            classes = _classes(element.get("class"))
            if event == "start":
                if "ocr_page" in classes:
                    collector.page()
                    saw_page = True
                elif classes & {"ocr_line", "ocrx_line", "ocr_header", "ocr_caption", "ocr_textfloat"}:
                    collector.line()
                continue
            if "ocrx_word" in classes:
                collector.word("".join(element.itertext()), _word_confidence(element.get("title")))
            elif classes & {"ocr_line", "ocrx_line", "ocr_header", "ocr_caption", "ocr_textfloat", "ocr_par"}:
                collector.line()
            elif "ocr_page" in classes:
                collector.end_page()
                element.clear()
        if not saw_page:
            raise ReadError("no ocr_page in this hOCR file")
    else:
        parser = _HocrHtml(collector)
        data = head
        while data:
            parser.feed(data.decode("utf-8", errors="replace"))
            data = stream.read(_XML_CHUNK)
        parser.close()
        if not parser.saw_page:
            raise ReadError("not hOCR: no ocr_page element")
        if not parser.closed:
            raise ReadError("truncated hOCR: the document does not end")
    collector.end_page()
    return collector.pages


class _HocrHtml(HTMLParser):
    """Lenient hOCR reading for HTML that is not XML."""

    def __init__(self, collector: _PageCollector) -> None:
        super().__init__(convert_charrefs=True)
        self.collector = collector
        self.stack: list[set[str]] = []
        self.word: list[str] | None = None
        self.confidence: float | None = None
        self.saw_page = False
        self.closed = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = _classes(values.get("class"))
        if tag in ("br", "img", "meta", "link", "input", "hr"):
            return
        self.stack.append(classes)
        if "ocr_page" in classes:
            self.collector.page()
            self.saw_page = True
        elif "ocr_line" in classes or "ocrx_line" in classes:
            self.collector.line()
        elif "ocrx_word" in classes:
            self.word, self.confidence = [], _word_confidence(values.get("title"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "html":
            self.closed = True
        if not self.stack or tag in ("br", "img", "meta", "link", "input", "hr"):
            return
        classes = self.stack.pop()
        if "ocrx_word" in classes and self.word is not None:
            self.collector.word(html.unescape("".join(self.word)), self.confidence)
            self.word = None
        elif "ocr_line" in classes or "ocrx_line" in classes:
            self.collector.line()
        elif "ocr_page" in classes:
            self.collector.end_page()

    def handle_data(self, data: str) -> None:
        if self.word is not None:
            self.word.append(data)


# --------------------------------------------------------------------------- ALTO


def parse_alto(stream: IO[bytes]) -> list[PageText]:
    """Pages of an ALTO XML file: ``Page`` > ``TextLine`` > ``String@CONTENT``.

    ``String@WC`` (word confidence, 0..1) gives each page's mean confidence; a
    hyphenated word (``HYP``) is joined with the start of the next line.
    """
    head = stream.read(_XML_CHUNK)
    _refuse_entities(head)
    pages: list[PageText] = []
    lines: list[str] = []
    words: list[str] = []
    confidences: list[float] = []
    root_seen = False
    for event, element in _iterparse(stream, head):
        tag = _local(element.tag)
        if not root_seen:
            if tag.lower() != "alto":
                raise ReadError(f"not ALTO XML (root element is <{tag}>)")
            root_seen = True
            continue
        if event == "start":
            if tag == "Page":
                lines, words, confidences = [], [], []
            continue
        if tag == "String":
            content = element.get("CONTENT") or ""
            words.append(content)
            wc = element.get("WC")
            if wc:
                try:
                    confidences.append(max(0.0, min(1.0, float(wc))))
                except ValueError:
                    pass
        elif tag == "HYP" and words:
            words[-1] = words[-1] + "\u00ad"  # soft hyphen: joined with the next line below
        elif tag == "TextLine":
            lines.append(join_words(words))
            words = []
        elif tag == "Page":
            text = "\n".join(lines).replace("\u00ad\n", "")
            pages.append(PageText(len(pages) + 1, text, _mean(confidences), method="alto"))
            element.clear()
    if not pages:
        raise ReadError("no Page in this ALTO file")
    return pages


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
