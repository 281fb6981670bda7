"""Readers of OCR layout files (版面文件): hOCR (XHTML or tag-soup HTML) and ALTO XML.

Each gives the pages of one file with the words of each line joined and the mean OCR word
confidence of the page. XML is parsed incrementally and processed elements are dropped;
entity declarations are refused.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import IO

from analyzers.normalize import is_cjk
from indexer.page_types import PageText
from indexer.readers import ReadError

XML_CHUNK = 1024 * 1024


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
            chunk = stream.read(XML_CHUNK)
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
    head = stream.read(XML_CHUNK)
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
            data = stream.read(XML_CHUNK)
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
    head = stream.read(XML_CHUNK)
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
