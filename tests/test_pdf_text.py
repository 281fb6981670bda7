"""The text layer of PDFs: PDFium reads it, pypdf where PDFium cannot, with the same text."""

from __future__ import annotations

import pytest

from analyzers.normalize import normalize
from indexer.files import read_pdf
from indexer.page_types import FileOptions
from indexer.pdf_text import pdf_pages, pdfium_pages, pypdf_pages
from tests.fixtures.ingest import make

CJK_PAGES = {
    "simplified": ["宝鸡市人民政府关于土地改革的通知，一九五〇年三月十四日。", "第二页：兴修水利。"],
    "traditional": ["寶雞市人民政府關於土地改革的通知。", "鳳翔縣興修水利的報告，共三頁。"],
    "mixed": ["档号 J001-001-0001：1949年7月14日，宝鸡解放（PLA 1st Field Army）。"],
    "long lines": ["陕西省档案馆藏中共宝鸡地委关于开展减租减息运动的指示及各县执行情况的报告" * 3],
}


@pytest.mark.parametrize("name", sorted(CJK_PAGES))
def test_pdfium_and_pypdf_give_the_same_normalized_text(tmp_path, name):
    path = make.text_pdf(tmp_path / "J1.pdf", CJK_PAGES[name])
    by_pdfium, by_pypdf = pdfium_pages(path), pypdf_pages(path)
    assert len(by_pdfium) == len(by_pypdf) == len(CJK_PAGES[name])
    assert [normalize(t).text for t in by_pdfium] == [normalize(t).text for t in by_pypdf]
    assert all("\r" not in t for t in by_pdfium)  # PDFium's \r\n line ends are made \n
    expected = normalize(CJK_PAGES[name][0]).text.replace(" ", "")
    assert normalize(by_pdfium[0]).text.replace(" ", "").replace("\n", "") == expected


def test_ingest_reads_pdfs_with_pdfium(tmp_path):
    path = make.text_pdf(tmp_path / "J2.pdf", CJK_PAGES["traditional"])
    assert pdf_pages(path) == (pdfium_pages(path), "pdfium")
    read = read_pdf(path, FileOptions(ocr=False))
    assert [p.number for p in read.pages] == [1, 2] and "鳳翔縣" in read.pages[1].text
    assert read.needs_ocr == [] and {p.method for p in read.pages} == {"pdf"}


def test_a_pdf_pdfium_refuses_is_read_by_pypdf(tmp_path):
    # A document system that writes a 2 KiB banner before the header: PDFium looks for
    # ``%PDF`` in the first 1 KiB only, pypdf finds the objects anyway.
    whole = make.text_pdf(tmp_path / "whole.pdf", CJK_PAGES["simplified"])
    path = tmp_path / "J3.pdf"
    path.write_bytes(b"%" + b"x" * 2047 + b"\n" + whole.read_bytes())
    with pytest.raises(Exception, match="PDFium"):
        pdfium_pages(path)
    texts, reader = pdf_pages(path)
    assert reader == "pypdf" and "土地改革" in texts[0] and "兴修水利" in texts[1]
    read = read_pdf(path, FileOptions(ocr=False))
    assert "土地改革" in read.pages[0].text


def test_a_pdf_font_is_parsed_once_per_file_with_the_same_text(tmp_path, monkeypatch):
    from pypdf import PdfReader
    from pypdf.generic import _font

    path = make.text_pdf(
        tmp_path / "J5-1.pdf", ["第一页：土地改革。", "第二页：兴修水利。", "第三页：扫盲。"]
    )
    plain = [(page.extract_text() or "").rstrip() for page in PdfReader(path).pages]
    parsed = []
    real = _font.get_encoding
    monkeypatch.setattr(_font, "get_encoding", lambda font: parsed.append(font) or real(font))
    assert pypdf_pages(path) == plain and "扫盲" in plain[2]
    fonts = len(parsed)
    assert 0 < fonts < len(plain)  # not once a page
    parsed.clear()
    assert [(page.extract_text() or "").rstrip() for page in PdfReader(path).pages] == plain
    assert len(parsed) == fonts * len(plain)  # pypdf alone (outside ingest) is unchanged
