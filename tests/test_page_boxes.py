"""Hits on the page image (页面命中): word boxes kept from Tesseract's hOCR and from ALTO, the
query's matches boxed character by character, ``GET /api/v1/records/<id>/pages/<n>/boxes``
and the boxes drawn over the page image on the record page; none of it where the page image
itself may not be shown."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from analyzers.page_boxes import match_boxes
from app import lantai_of
from indexer.layout_files import parse_alto, parse_hocr
from indexer.page_types import FileOptions
from tests.conftest import record
from tests.fixtures.fonts import cjk_font
from tests.fixtures.ingest import make
from tests.test_ingest_files import tesseract  # noqa: F401 - a fixture
from tests.test_record_pages import ingest

ALTO = Path(__file__).parent / "fixtures" / "layout" / "baoji-1949.alto.xml"
NOTICE = ["宝鸡市人民政府关于土地改革的通知", "凤翔县兴修水利的报告"]
FARMERS = ["寶雞縣農民協會成立大會"]
SIZE = 40  # the font size make.page_image draws with: line n at (SIZE, SIZE + n * 2 * SIZE)


def boxes_url(record_id: str, page: int | str, q: str) -> str:
    return f"/api/v1/records/{record_id}/pages/{page}/boxes?q={q}"


def drawn(lines: list[str], line: int, word: str) -> tuple[float, float, float, float]:
    """Where ``word`` was drawn on a page of ``lines`` (its first occurrence on ``line``), in
    fractions of the page: the ink box Pillow gives for it, as make.page_image draws."""
    font = ImageFont.truetype(str(cjk_font()), SIZE)
    width, height = max(len(x) for x in lines) * SIZE + 2 * SIZE, (len(lines) + 1) * SIZE * 2
    text = lines[line]
    left = SIZE + font.getlength(text[: text.index(word)])
    draw = ImageDraw.Draw(make.page_image(lines))
    x0, y0, x1, y1 = draw.textbbox((left, SIZE + line * 2 * SIZE), word, font=font)
    return x0 / width, y0 / height, x1 / width, y1 / height


def assert_over(box: dict, ink: tuple[float, float, float, float], lines: list[str]) -> None:
    """``box`` covers ``ink`` to within half a character on every side."""
    width, height = max(len(x) for x in lines) * SIZE + 2 * SIZE, (len(lines) + 1) * SIZE * 2
    slack_x, slack_y = SIZE / 2 / width, SIZE / 2 / height
    edges = (box["x"], box["y"], box["x"] + box["w"], box["y"] + box["h"])
    for got, want, slack in zip(edges, ink, (slack_x, slack_y, slack_x, slack_y), strict=True):
        assert abs(got - want) <= slack, (edges, ink)


@pytest.fixture
def scans(client, tmp_path, tesseract):  # noqa: F811
    """Scans OCR'd by Tesseract: an open notice, an open traditional-script page, and the
    notice again as a closed (未审核) and as a catalog-only (目录开放) record."""
    root = tmp_path / "in"
    root.mkdir()
    for code in ("J7-1", "J9-1", "J9-3"):
        make.image_file(root / f"{code}.png", NOTICE)
    make.image_file(root / "J7-2.png", FARMERS)
    rows = [
        record("J7-1", "关于土地改革的通知", files=["J7-1.png"]),
        record("J7-2", "农民协会成立大会", files=["J7-2.png"]),
        record("J9-1", "未审核的通知", access="unreviewed", files=["J9-1.png"]),
        record("J9-3", "目录开放的通知", access="catalog_only", files=["J9-3.png"]),
    ]
    ingest(client, root, rows, options=FileOptions())
    return root, rows


def test_tesseract_boxes_lie_over_the_words_as_drawn(client, scans):
    answer = client.get(boxes_url("test-city/J7-1", 1, "土地改革"))
    assert answer.status_code == 200
    assert answer.json["unit"] == "fraction" and answer.json["query"] == "土地改革"
    [box] = answer.json["boxes"]
    assert_over(box, drawn(NOTICE, 0, "土地改革"), NOTICE)

    # A simplified query on a traditional page: the characters 農民協會, not the whole line.
    [box] = client.get(boxes_url("test-city/J7-2", 1, "农民协会")).json["boxes"]
    assert_over(box, drawn(FARMERS, 0, "農民協會"), FARMERS)
    assert box["w"] < 0.5

    # Two terms on two lines: a box on each; a term not on the page: none.
    two = client.get(boxes_url("test-city/J7-1", 1, "土地改革 水利")).json["boxes"]
    assert len(two) == 2
    assert_over(two[1], drawn(NOTICE, 1, "水利"), NOTICE)
    assert client.get(boxes_url("test-city/J7-1", 1, "粮食")).json["boxes"] == []
    assert client.get(boxes_url("test-city/J7-1", 1, "")).json["boxes"] == []


def test_the_record_page_draws_the_boxes_over_the_image_when_reached_with_a_query(client, scans):
    page = client.get("/records/test-city/J7-1?q=土地改革").get_data(as_text=True)
    [box] = client.get(boxes_url("test-city/J7-1", 1, "土地改革")).json["boxes"]
    assert 'class="page-hits"' in page and "style=" not in page.split('class="page-hits"')[1][:400]
    assert f'<rect x="{box["x"]}" y="{box["y"]}" width="{box["w"]}" height="{box["h"]}"/>' in page
    assert 'class="page-hits"' not in client.get("/records/test-city/J7-1").get_data(as_text=True)
    assert 'class="page-hits"' not in client.get("/records/test-city/J7-1?q=粮食").get_data(as_text=True)


@pytest.mark.both_catalogs
def test_boxes_are_kept_when_a_record_is_ingested_again_and_the_index_rebuilt(client, scans, request):
    request.addfinalizer(lantai_of(client.application).close)  # its catalog connections too
    root, rows = scans
    before = client.get(boxes_url("test-city/J7-1", 1, "水利")).json["boxes"]
    assert len(before) == 1
    rows[0]["title"] = "关于土地改革的通知（更正）"  # the row changed, its scan did not: not OCR'd again
    report = ingest(client, root, rows, options=FileOptions(ocr=False))
    assert report.updated == 1 and report.needs_ocr == 0
    assert client.get(boxes_url("test-city/J7-1", 1, "水利")).json["boxes"] == before
    lantai_of(client.application).reindex()
    assert client.get(boxes_url("test-city/J7-1", 1, "水利")).json["boxes"] == before


def test_a_scan_stored_on_its_side_is_read_and_boxed_as_its_image_is_shown(client, tmp_path, tesseract):  # noqa: F811
    root = tmp_path / "in"
    root.mkdir()
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90° clockwise from the stored pixels, as cameras write it
    make.page_image(NOTICE).transpose(Image.Transpose.ROTATE_90).save(
        root / "J7-5.jpg", exif=exif, quality=95
    )
    ingest(client, root, [record("J7-5", "转置的扫描件", files=["J7-5.jpg"])], options=FileOptions())
    assert "土地改革" in client.get("/api/v1/records/test-city/J7-5").json["text"]
    with Image.open(io.BytesIO(client.get("/records/test-city/J7-5/pages/1.png").data)) as shown:
        assert shown.width > shown.height  # upright, as the page was drawn
    [box] = client.get(boxes_url("test-city/J7-5", 1, "土地改革")).json["boxes"]
    assert_over(box, drawn(NOTICE, 0, "土地改革"), NOTICE)


def test_boxes_answer_exactly_like_a_missing_record_where_the_image_may_not_be_shown(client, scans):
    missing = client.get(boxes_url("test-city/NOPE-1", 1, "土地改革"))
    assert missing.status_code == 404
    for url in (
        boxes_url("test-city/J9-1", 1, "土地改革"),  # closed (未审核): its boxes are stored all the same
        boxes_url("test-city/J9-3", 1, "土地改革"),  # catalog only (目录开放): the text is not public
        boxes_url("test-city/J7-1", 2, "土地改革"),  # no such page
        boxes_url("other-city/J7-1", 1, "土地改革"),
    ):
        answer = client.get(url)
        assert (answer.status_code, answer.data) == (404, missing.data), url
    closed = lantai_of(client.application).store.page_layouts("test-city", "J9-1", [1])
    assert "土地" in closed[1]  # stored, and still not served


def test_bad_page_or_query_is_400_naming_it(client):
    for page in ("x", "0", "1.5", "١"):
        answer = client.get(boxes_url("test-city/J7-1", page, "土地"))
        assert answer.status_code == 400 and answer.json["parameter"] == "page", page
    answer = client.get(boxes_url("test-city/J7-1", 1, "土" * 501))
    assert answer.status_code == 400 and answer.json["parameter"] == "q"


def test_a_page_without_word_boxes_answers_an_empty_list(client, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    make.text_pdf(root / "J1-1.pdf", ["土地改革工作总结"])  # a text layer: no boxes
    ingest(client, root, [record("J1-1", "土地改革工作总结", files=["J1-1.pdf"])])
    answer = client.get(boxes_url("test-city/J1-1", 1, "土地改革"))
    assert answer.status_code == 200 and answer.json["boxes"] == []


def test_alto_keeps_glyph_word_and_vertical_line_boxes():
    with ALTO.open("rb") as stream:
        [page] = parse_alto(stream)
    assert page.text == "寶雞縣農會\n一九四九年七月十四日\n土地改革文件"
    layout = json.loads(page.boxes)
    assert layout["size"] == [1000, 1400] and len(layout["lines"]) == 3
    # Each character's own Glyph box: 雞 and 縣 are 40 and 50 pixels wide, not an even third.
    assert match_boxes(page.boxes, ["鸡县"]) == [{"x": 0.16, "y": 0.0714, "w": 0.09, "h": 0.0357}]
    assert match_boxes(page.boxes, ["农会"]) == [{"x": 0.3, "y": 0.0714, "w": 0.2, "h": 0.0357}]
    # Words without glyphs: the CJK line divided evenly, 50 pixels a character.
    assert match_boxes(page.boxes, ["七月"]) == [{"x": 0.35, "y": 0.1429, "w": 0.1, "h": 0.0357}]
    # 竖排: a line written top to bottom is divided top to bottom.
    assert match_boxes(page.boxes, ["土地改革"]) == [{"x": 0.9, "y": 0.0714, "w": 0.05, "h": 0.1429}]


def test_an_hocr_file_tesseract_wrote_keeps_its_text_and_word_boxes(tmp_path, tesseract):  # noqa: F811
    make.image_file(tmp_path / "scan.png", NOTICE)
    done = subprocess.run(
        ["tesseract", "scan.png", "scan", "-l", "chi_sim+chi_tra", "-c", "hocr_char_boxes=1", "hocr"],
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    assert done.returncode == 0, done.stderr
    xhtml = (tmp_path / "scan.hocr").read_text(encoding="utf-8")
    assert "ocrx_cinfo" in xhtml  # a box per character, which the reader ignores (too loose)
    # The same file as tag-soup HTML (no XML declaration, no namespace) is read the same way.
    html = xhtml.split("?>", 1)[1].replace(' xmlns="http://www.w3.org/1999/xhtml"', "")
    for text in (xhtml, html):
        [page] = parse_hocr(io.BytesIO(text.encode("utf-8")))
        assert page.text == "\n".join(NOTICE)  # no layout whitespace between characters
        [box] = match_boxes(page.boxes, ["鳳翔縣"])
        assert_over(box, drawn(NOTICE, 1, "凤翔县"), NOTICE)


def test_hocr_keeps_page_line_and_word_boxes(tmp_path):
    path = tmp_path / "a.hocr"
    path.write_text(
        '<html xmlns="http://www.w3.org/1999/xhtml"><body>'
        "<div class='ocr_page' title='image \"p1.png\"; bbox 0 0 800 1000; ppageno 0'>"
        "<span class='ocr_line' title='bbox 100 100 500 140'>"
        "<span class='ocrx_word' title='bbox 100 100 300 140; x_wconf 95'>宝鸡市人</span>"
        "<span class='ocrx_word' title='bbox 300 100 500 140; x_wconf 91'>民政府</span>"
        "</span></div></body></html>",
        encoding="utf-8",
    )
    with path.open("rb") as stream:
        [page] = parse_hocr(stream)
    assert page.text == "宝鸡市人民政府"
    # The line holds 7 characters in 400 pixels; 鸡市 is the 2nd and 3rd of them.
    [box] = match_boxes(page.boxes, ["雞市"])
    assert box == {
        "x": round(100 / 800 + 400 / 7 / 800, 4),
        "y": 0.1,
        "w": round(2 * 400 / 7 / 800, 4),
        "h": 0.04,
    }
