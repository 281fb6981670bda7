"""The scans hOCR and ALTO files name (版面文件的图像): kept at ingest as the page images of the
pages read from the layout file, served (and the query's matches boxed over them) exactly
where any page image is, and a warning, not a failure, when the named scan is not there."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from PIL import Image, ImageDraw, ImageFont

from app import lantai_of
from catalog.policy import PUBLIC
from indexer.layout_images import named_images, resolve_image
from tests.conftest import record
from tests.fixtures.fonts import cjk_font
from tests.fixtures.ingest import make
from tests.test_ingest_files import tesseract  # noqa: F401 - a fixture
from tests.test_page_boxes import FARMERS, NOTICE, SIZE, assert_over, boxes_url, drawn
from tests.test_record_pages import ingest


def alto_of(lines: list[str], image: str, scale: float = 1) -> str:
    """An ALTO file for a page of ``lines`` drawn as make.page_image draws them: a String per
    line with the ink box Pillow gives for it, in pixels of the page times ``scale`` (a
    layout made at another resolution than the scan), naming ``image`` as its scan."""
    font = ImageFont.truetype(str(cjk_font()), SIZE)
    draw = ImageDraw.Draw(make.page_image(lines))
    page = make.page_image(lines).size
    body = []
    for n, line in enumerate(lines):
        x0, y0, x1, y1 = (v * scale for v in draw.textbbox((SIZE, SIZE + n * 2 * SIZE), line, font=font))
        box = f'HPOS="{x0}" VPOS="{y0}" WIDTH="{x1 - x0}" HEIGHT="{y1 - y0}"'
        body.append(f'<TextLine {box}><String CONTENT="{escape(line)}" {box} WC="0.95"/></TextLine>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">'
        f"<Description><sourceImageInformation><fileName>{escape(image)}</fileName>"
        "</sourceImageInformation></Description><Layout>"
        f'<Page ID="P1" WIDTH="{page[0] * scale}" HEIGHT="{page[1] * scale}"><PrintSpace><TextBlock>'
        + "".join(body)
        + "</TextBlock></PrintSpace></Page></Layout></alto>\n"
    )


def tesseract_hocr(folder: Path, name: str) -> Path:
    """Tesseract's hOCR of the scan ``name`` in ``folder``: it names the scan as it was given."""
    done = subprocess.run(
        ["tesseract", name, Path(name).stem, "-l", "chi_sim+chi_tra", "hocr"],
        cwd=folder,
        capture_output=True,
        timeout=300,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    assert done.returncode == 0, done.stderr
    return folder / f"{Path(name).stem}.hocr"


@pytest.fixture(scope="module")
def delivery(tmp_path_factory, tesseract):  # noqa: F811
    """A vendor's delivery: Tesseract's hOCR beside its scan, ALTO files naming scans in a
    folder of their own (one at the scan's pixel size, one at twice it), and copies of the
    hOCR pair for a closed (未审核) and a catalog-only (目录开放) record."""
    root = tmp_path_factory.mktemp("delivery")
    make.image_file(root / "J5-1.png", NOTICE)
    hocr = tesseract_hocr(root, "J5-1.png").read_text(encoding="utf-8")
    (root / "scans").mkdir()
    for code in ("J5-2", "J5-3"):
        make.image_file(root / "scans" / f"{code}.png", NOTICE)
    (root / "J5-2.alto.xml").write_text(alto_of(NOTICE, "scans/J5-2.png"), encoding="utf-8")
    (root / "J5-3.alto.xml").write_text(alto_of(NOTICE, "scans/J5-3.png", scale=2), encoding="utf-8")
    for code in ("J9-5", "J9-6"):
        make.image_file(root / f"{code}.png", NOTICE)
        (root / f"{code}.hocr").write_text(hocr.replace("J5-1.png", f"{code}.png"), encoding="utf-8")
    rows = [
        record("J5-1", "土地改革的通知（hOCR）", files=["J5-1.hocr"]),
        record("J5-2", "土地改革的通知（ALTO）", files=["J5-2.alto.xml"]),
        record("J5-3", "土地改革的通知（ALTO，两倍大小）", files=["J5-3.alto.xml"]),
        record("J9-5", "未审核的通知", access="unreviewed", files=["J9-5.hocr"]),
        record("J9-6", "目录开放的通知", access="catalog_only", files=["J9-6.hocr"]),
    ]
    return root, rows


@pytest.fixture
def ingested(client, delivery):
    root, rows = delivery
    return ingest(client, root, rows)


def test_the_scan_a_layout_file_names_is_its_page_image_with_the_matches_boxed_over_it(client, ingested):
    assert ingested.needs_ocr == 0 and not ingested.errors  # the scans were not read as pages
    for code in ("J5-1", "J5-2"):
        answer = client.get(f"/records/test-city/{code}/pages/1.png")
        assert answer.status_code == 200, code
        with Image.open(io.BytesIO(answer.data)) as shown:
            assert shown.size == make.page_image(NOTICE).size  # the scan itself, at its size
        record = client.get(f"/api/v1/records/test-city/{code}").json
        assert record["text"].startswith(NOTICE[0])  # the text is the layout file's
        [box] = client.get(boxes_url(f"test-city/{code}", 1, "土地改革")).json["boxes"]
        # Boxes are fractions of the layout's page, here the scan's pixel size: over the words.
        assert_over(box, drawn(NOTICE, 0, "土地改革"), NOTICE)
        page = client.get(f"/records/test-city/{code}?q=土地改革").get_data(as_text=True)
        assert f"/records/test-city/{code}/pages/1.png" in page
        assert f'<rect x="{box["x"]}" y="{box["y"]}" width="{box["w"]}" height="{box["h"]}"/>' in page


def test_boxes_are_fractions_of_the_layouts_page_so_a_layout_at_another_size_still_fits(client, ingested):
    # J5-3's layout is in pixels twice the scan's: the same fractions, so the same boxes.
    same = client.get(boxes_url("test-city/J5-2", 1, "水利")).json["boxes"]
    assert same and client.get(boxes_url("test-city/J5-3", 1, "水利")).json["boxes"] == same
    assert client.get("/records/test-city/J5-3/pages/1.png").status_code == 200


def test_the_scan_is_served_under_the_same_decision_as_any_page_image(client, delivery, ingested):
    missing = client.get("/records/test-city/NOPE-1/pages/1.png")
    assert missing.status_code == 404
    for url in (
        "/records/test-city/J9-5/pages/1.png",  # closed (未审核)
        "/records/test-city/J9-6/pages/1.png",  # catalog only (目录开放)
        "/records/test-city/J5-1/pages/2.png",  # no such page
    ):
        answer = client.get(url)
        assert (answer.status_code, answer.data) == (404, missing.data), url
    # The scan is also the record's original to download; the hOCR file is not a page image.
    root, _rows = delivery
    files = lantai_of(client.application).search.originals("test-city/J5-1", PUBLIC)["files"]
    assert [Path(f["path"]).name for f in files] == ["J5-1.hocr", "J5-1.png"]
    assert client.get("/records/test-city/J5-1/files/1").status_code == 404
    assert client.get("/records/test-city/J5-1/files/2").data == (root / "J5-1.png").read_bytes()
    assert client.get("/records/test-city/J9-5/files/2").status_code == 404


def test_each_page_of_a_multi_page_hocr_shows_its_frame_of_the_tiff_it_names(client, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    first, second = make.page_image(NOTICE), make.page_image(FARMERS)
    first.save(root / "J5-7.tif", save_all=True, append_images=[second])
    (root / "J5-7.hocr").write_text(
        "<html><body>"
        + "".join(
            f"<div class='ocr_page' title='image \"J5-7.tif\"; bbox 0 0 {w} {h}; ppageno {n}'>"
            f"<span class='ocr_line' title='bbox 40 40 {w - 40} 80'>"
            f"<span class='ocrx_word' title='bbox 40 40 {w - 40} 80'>{lines[0]}</span></span></div>"
            for n, ((w, h), lines) in enumerate([(first.size, NOTICE), (second.size, FARMERS)])
        )
        + "</body></html>",
        encoding="utf-8",
    )
    report = ingest(client, root, [record("J5-7", "两页的扫描件", files=["J5-7.hocr"])])
    assert not report.errors and report.needs_ocr == 0
    for number, frame in ((1, first), (2, second)):
        answer = client.get(f"/records/test-city/J5-7/pages/{number}.png")
        with Image.open(io.BytesIO(answer.data)) as shown:
            assert shown.size == frame.size, number


def test_a_layout_file_read_again_shows_the_scan_it_names_now(client, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    make.image_file(root / "scan-a.png", NOTICE)
    layout = root / "J6-4.alto.xml"
    layout.write_text(alto_of(NOTICE, "scan-a.png"), encoding="utf-8")
    rows = [record("J6-4", "重新交付的版面文件", files=["J6-4.alto.xml"])]
    ingest(client, root, rows)
    assert ingest(client, root, rows).unchanged == 1  # kept as it was

    def shown() -> tuple[int, int]:
        with Image.open(io.BytesIO(client.get("/records/test-city/J6-4/pages/1.png").data)) as image:
            return image.size

    assert shown() == make.page_image(NOTICE).size
    layout.write_text(alto_of(FARMERS, "scan-b.png"), encoding="utf-8")  # a new delivery
    make.image_file(root / "scan-b.png", FARMERS)
    (root / "scan-a.png").unlink()
    assert ingest(client, root, rows).updated == 1
    assert shown() == make.page_image(FARMERS).size
    files = lantai_of(client.application).search.originals("test-city/J6-4", PUBLIC)["files"]
    assert [Path(f["path"]).name for f in files] == ["J6-4.alto.xml", "scan-b.png"]  # scan-a forgotten


def test_a_scan_changed_since_ingest_is_not_served(client, delivery, ingested):
    root, _rows = delivery
    scan = root / "scans" / "J5-3.png"
    before = scan.read_bytes()
    try:
        make.image_file(scan, ["另一张扫描件"])
        assert client.get("/records/test-city/J5-3/pages/1.png").status_code == 410
    finally:
        scan.write_bytes(before)


def test_a_scan_not_of_the_layouts_shape_is_served_with_a_warning(client, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    page = make.page_image(NOTICE)
    page.crop((0, 0, page.width // 2, page.height)).save(root / "J6-3.png")  # cropped since the OCR
    (root / "J6-3.alto.xml").write_text(alto_of(NOTICE, "J6-3.png"), encoding="utf-8")
    report = ingest(client, root, [record("J6-3", "裁切过的扫描件", files=["J6-3.alto.xml"])])
    [warning] = [p.message for p in report.errors]
    assert "'J6-3.png'" in warning and "not the shape of its page" in warning
    assert client.get("/records/test-city/J6-3/pages/1.png").status_code == 200


def test_a_missing_or_outside_scan_is_a_warning_and_the_page_keeps_its_text_and_boxes(client, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    make.image_file(tmp_path / "outside.png", NOTICE)  # beside the delivery, not in it
    (root / "J6-1.alto.xml").write_text(alto_of(NOTICE, "J6-1.tif"), encoding="utf-8")
    (root / "J6-2.alto.xml").write_text(alto_of(NOTICE, "../outside.png"), encoding="utf-8")
    rows = [
        record("J6-1", "扫描件缺失", files=["J6-1.alto.xml"]),
        record("J6-2", "越界", files=["J6-2.alto.xml"]),
    ]
    report = ingest(client, root, rows)
    assert report.failed == 0 and report.added == 2
    warnings = {Path(p.file).name: p.message for p in report.errors}
    assert "'J6-1.tif'" in warnings["J6-1.alto.xml"] and "not there" in warnings["J6-1.alto.xml"]
    assert "'../outside.png'" in warnings["J6-2.alto.xml"] and "outside" in warnings["J6-2.alto.xml"]
    for code in ("J6-1", "J6-2"):
        assert client.get(f"/records/test-city/{code}/pages/1.png").status_code == 404
        assert NOTICE[1] in client.get(f"/api/v1/records/test-city/{code}").json["text"]
        assert "水利" in lantai_of(client.application).store.page_layouts("test-city", code, [1])[1]
        # No page image: no boxes to draw over one, answered as for a missing record.
        assert client.get(boxes_url(f"test-city/{code}", 1, "水利")).status_code == 404
        assert f"/records/test-city/{code}/pages/1.png" not in client.get(f"/records/test-city/{code}").text


def test_names_are_read_relative_to_the_layout_file_and_kept_inside_the_delivery(tmp_path):
    (tmp_path / "in" / "a").mkdir(parents=True)
    make.image_file(tmp_path / "in" / "a" / "p1.png", NOTICE)
    layout = str(tmp_path / "in" / "a" / "p1.hocr")
    assert resolve_image(layout, "p1.png", str(tmp_path / "in"))[0] == str(tmp_path / "in" / "a" / "p1.png")
    # An absolute name (where the OCR ran) is looked for by its base name beside the file.
    assert resolve_image(layout, "/scratch/vendor/p1.png", str(tmp_path / "in"))[0] is not None
    assert resolve_image(layout, "p1.png", str(tmp_path / "in" / "b"))[0] is None  # outside
    assert resolve_image(layout, "p1.hocr", str(tmp_path / "in"))[0] is None  # not a scan
    Path(layout).write_text(
        "<div class='ocr_page' title='image \"p1.png\"; bbox 0 0 9 9'></div>"
        "<div class='ocr_page' title='image &quot;p2.png&quot;; bbox 0 0 9 9'></div>",
        encoding="utf-8",
    )
    assert named_images(layout) == ["p1.png", "p2.png"]  # quoted either way, as HTML allows
