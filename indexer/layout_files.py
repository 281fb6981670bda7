"""Readers of OCR layout files (版面文件): hOCR (XHTML or tag-soup HTML) and ALTO XML.

Each gives the pages of one file with the words of each line joined and the mean OCR word
confidence of the page. XML is parsed incrementally and processed elements are dropped;
entity declarations are refused.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import replace
from html.parser import HTMLParser
from typing import IO

from analyzers.normalize import is_cjk
from analyzers.page_boxes import layout_json
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
    """Builds pages from a stream of hOCR events (page, line, word), with their word boxes."""

    def __init__(self) -> None:
        self.pages: list[PageText] = []
        self._lines: list[str] = []
        self._words: list[str] = []
        self._confidences: list[float] = []
        self._open = False
        self._layout = _Layout()
        self._image: tuple[str, int] = ("", 0)

    def page(self, title: str | None = None) -> None:
        self.end_page()
        self._open = True
        self._layout = _Layout(_bbox(title))
        self._image = _page_image(title)

    def line(self, title: str | None = None) -> None:
        if self._words:
            self._lines.append(join_words(self._words))
        self._words = []
        self._layout.line(_bbox(title))

    def word(self, text: str, confidence: float | None, title: str | None = None) -> None:
        if not self._open:
            self.page()
        if text.strip():
            self._words.append(text)
            self._layout.word(text, _bbox(title))
            if confidence is not None:
                self._confidences.append(max(0.0, min(1.0, confidence)))

    def end_page(self) -> None:
        if not self._open:
            return
        self.line()
        number = len(self.pages) + 1
        text = "\n".join(self._lines)
        image, frame = self._image
        self.pages.append(
            PageText(
                number,
                text,
                _mean(self._confidences),
                method="hocr",
                boxes=self._layout.json(),
                image=image,
                frame=frame,
            )
        )
        self._lines, self._confidences, self._open = [], [], False


class _Layout:
    """The word boxes of one page, gathered line by line (see :mod:`analyzers.page_boxes`)."""

    def __init__(self, page: list[int] | None = None) -> None:
        self.size = (page[2], page[3]) if page else (0, 0)  # boxes are in the image's pixels
        self.lines: list[list] = []
        self._box: list[int] | None = None
        self._words: list[list] = []

    def line(self, box: list[int] | None = None) -> None:
        """End the current line; ``box`` is the next one's (None: the union of its words)."""
        if self._words:
            line_box = self._box or [
                min(w[0] for w in self._words),
                min(w[1] for w in self._words),
                max(w[2] for w in self._words),
                max(w[3] for w in self._words),
            ]
            self.lines.append([*line_box, self._words])
        self._box, self._words = box, []

    def word(self, text: str, box: list[int] | None, glyphs: list[list[int]] | None = None) -> None:
        """Add a word with its box (a word without one is not boxed)."""
        if box is not None:
            self._words.append([*box, text.strip(), glyphs] if glyphs else [*box, text.strip()])

    def json(self) -> str:
        """The page's layout as stored ("" when nothing on it was boxed)."""
        self.line()
        return layout_json(self.size, self.lines)


_BBOX = re.compile(r"bbox\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)")


def _bbox(title: str | None) -> list[int] | None:
    """The ``bbox x0 y0 x1 y1`` of an hOCR ``title`` (None when it has none or an empty one).

    >>> _bbox("bbox 43 45 677 82; baseline 0 -2"), _bbox("x_wconf 9")
    ([43, 45, 677, 82], None)
    """
    match = _BBOX.search(title or "")
    if not match:
        return None
    box = [int(v) for v in match.groups()]
    return box if box[2] > box[0] and box[3] > box[1] else None


_IMAGE = re.compile(r'image\s+"([^"]*)"')


def _page_image(title: str | None) -> tuple[str, int]:
    """The scan an hOCR ``ocr_page`` names (``image "…"``) and its frame (``ppageno``).

    >>> _page_image('image "scans/p1.tif"; bbox 0 0 800 1000; ppageno 2'), _page_image(None)
    (('scans/p1.tif', 2), ('', 0))
    """
    name = _IMAGE.search(title or "")
    number = _PPAGENO.search(title or "")
    return (html.unescape(name.group(1)).strip() if name else "", int(number.group(1)) if number else 0)


def _classes(value: str | None) -> set[str]:
    return set((value or "").split())


def _word_confidence(title: str | None) -> float | None:
    match = _WCONF.search(title or "")
    return float(match.group(1)) / 100 if match else None


def _word_text(pieces: Iterable[str]) -> str:
    """A word's text from the pieces of text inside its element, less the layout whitespace
    between its characters' elements (Tesseract's ``ocrx_cinfo``, with ``hocr_char_boxes``).

    >>> _word_text(["\\n  ", "宝", "\\n  ", "鸡", "\\n"])
    '宝鸡'
    """
    return "".join(piece.strip() for piece in pieces)


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
                    collector.page(element.get("title"))
                    saw_page = True
                elif classes & {"ocr_line", "ocrx_line", "ocr_header", "ocr_caption", "ocr_textfloat"}:
                    collector.line(element.get("title"))
                continue
            if "ocrx_word" in classes:
                title = element.get("title")
                collector.word(_word_text(element.itertext()), _word_confidence(title), title)
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
        self.title: str | None = None
        self.saw_page = False
        self.closed = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = _classes(values.get("class"))
        if tag in ("br", "img", "meta", "link", "input", "hr"):
            return
        self.stack.append(classes)
        if "ocr_page" in classes:
            self.collector.page(values.get("title"))
            self.saw_page = True
        elif "ocr_line" in classes or "ocrx_line" in classes:
            self.collector.line(values.get("title"))
        elif "ocrx_word" in classes:
            self.title = values.get("title")
            self.word, self.confidence = [], _word_confidence(self.title)

    def handle_endtag(self, tag: str) -> None:
        if tag == "html":
            self.closed = True
        if not self.stack or tag in ("br", "img", "meta", "link", "input", "hr"):
            return
        classes = self.stack.pop()
        if "ocrx_word" in classes and self.word is not None:
            self.collector.word(html.unescape(_word_text(self.word)), self.confidence, self.title)
            self.word = None
        elif "ocr_line" in classes or "ocrx_line" in classes:
            self.collector.line()
        elif "ocr_page" in classes:
            self.collector.end_page()

    def handle_data(self, data: str) -> None:
        if self.word is not None:
            self.word.append(data)


# --------------------------------------------------------------------------- ALTO


def _alto_box(element: ET.Element) -> list[int] | None:
    """``HPOS VPOS WIDTH HEIGHT`` of an ALTO element as ``[x0, y0, x1, y1]`` (None without)."""
    try:
        x, y = float(element.get("HPOS", "")), float(element.get("VPOS", ""))
        w, h = float(element.get("WIDTH", "")), float(element.get("HEIGHT", ""))
    except ValueError:
        return None
    return [round(x), round(y), round(x + w), round(y + h)] if w > 0 and h > 0 else None


def _page_frame(element: ET.Element) -> list[int] | None:
    """An ALTO ``Page``'s frame ``[0, 0, WIDTH, HEIGHT]`` (None without a size)."""
    try:
        w, h = float(element.get("WIDTH", "")), float(element.get("HEIGHT", ""))
    except ValueError:
        return None
    return [0, 0, round(w), round(h)] if w > 0 and h > 0 else None


def parse_alto(stream: IO[bytes]) -> list[PageText]:
    """Pages of an ALTO XML file: ``Page`` > ``TextLine`` > ``String@CONTENT``.

    ``String@WC`` (word confidence, 0..1) gives each page's mean confidence; a
    hyphenated word (``HYP``) is joined with the start of the next line. Boxes
    (``HPOS``, ``VPOS``, ``WIDTH``, ``HEIGHT``, in the unit of the ``Page``'s ``WIDTH`` and
    ``HEIGHT``) of lines, strings and their ``Glyph`` elements are kept as the page's layout.
    The scan named by ``sourceImageInformation/fileName`` is each page's ``image`` (page n
    its frame n - 1, as a multi-page TIFF holds them).
    """
    head = stream.read(XML_CHUNK)
    _refuse_entities(head)
    pages: list[PageText] = []
    lines: list[str] = []
    words: list[str] = []
    confidences: list[float] = []
    glyphs: list[list[int] | None] = []
    layout = _Layout()
    image = ""  # Description/sourceImageInformation/fileName: the scan of the file's pages
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
                size = _page_frame(element)
                layout = _Layout(size)
            elif tag == "TextLine":
                layout.line(_alto_box(element))
            elif tag == "String":
                glyphs = []
            continue
        if tag == "fileName" and not image:
            image = (element.text or "").strip()
        elif tag == "Glyph":
            glyphs.append(_alto_box(element))
        elif tag == "String":
            content = element.get("CONTENT") or ""
            words.append(content)
            whole = len(glyphs) == len(content.strip()) and all(glyphs)
            layout.word(content, _alto_box(element), glyphs if whole else None)  # type: ignore[arg-type]
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
            boxes = layout.json()
            number = len(pages) + 1
            page = PageText(number, text, _mean(confidences), method="alto", boxes=boxes)
            pages.append(replace(page, image=image, frame=number - 1) if image else page)
            element.clear()
    if not pages:
        raise ReadError("no Page in this ALTO file")
    return pages
