"""What reading a page file (页面文件) gives: its pages (:class:`PageText`), which of them
still need OCR (:class:`FileRead`), and how files are read (:class:`FileOptions`)."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_MAX_TEXT_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_PDF_BYTES = 1024 * 1024 * 1024


@dataclass(frozen=True)
class PageText:
    """One page of a file: number inside the file (from 1), text, OCR word confidence (0..1)."""

    number: int
    text: str
    confidence: float | None = None
    method: str = "text"  # text, pdf, ocr, hocr, alto
    boxes: str = ""  # word boxes (版面坐标) as analyzers.page_boxes.layout_json stores them
    image: str = ""  # hOCR/ALTO: the scan the layout file names for this page, as written
    frame: int = 0  # ... and which of its frames (a multi-page TIFF), from 0


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
