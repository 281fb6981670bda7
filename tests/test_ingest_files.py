"""Ingest of OCR'd files and catalog exports: readers, linking, pages, incremental runs, sync,
bad files, OCR and page-level hits. Every file here is a real one, made by the test."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from catalog.pages import pages_of
from catalog.policy import PUBLIC, operator_audience
from indexer import units
from indexer.layout_files import parse_alto, parse_hocr
from indexer.page_types import FileOptions
from indexer.readers import ReadError, decode_bytes
from search.params import parse_request
from tests.conftest import REPO
from tests.fixtures.ingest import make

STAFF = operator_audience("staff")
NO_OCR = FileOptions(ocr=False)


def search(lantai, q, audience=PUBLIC):
    return lantai.search.search(parse_request({"q": q}, lantai.settings), audience)


def ingest(lantai, *paths, **options):
    options.setdefault("workers", 1)
    options.setdefault("options", NO_OCR)
    return lantai.ingester.ingest([Path(p) for p in paths], **options)


def page_texts(lantai, code, archive="baoji-city"):
    return {p.number: p.text for p in pages_of(lantai.store.engine, archive, code)}


def consistent(lantai) -> set[str]:
    """Catalog and index hold the same records; returns their ids."""
    ids = lantai.store.ids()
    assert lantai.backend.ids() == ids
    return ids


@pytest.fixture
def holdings(tmp_path) -> Path:
    """A folder as an archive delivers it: a catalog export with a 文件 column, scans, OCR output."""
    root = tmp_path / "in"
    (root / "scans").mkdir(parents=True)
    (root / "catalog.csv").write_text(
        "馆藏单位,档号,题名,日期,开放状态,文件\n"
        "baoji-city,J001-001-0001,关于土地改革的通知,1950年3月,开放,scans/notice.pdf;scans/annex.txt\n"
        "baoji-city,J001-001-0002,关于修建水库的报告,1951,开放,\n"
        "baoji-city,J001-001-0003,农民协会的OCR稿,1952,开放,\n"
        "baoji-city,J001-001-0004,关于扫盲运动的总结,1953,目录开放,\n",
        encoding="utf-8",
    )
    make.text_pdf(
        root / "scans" / "notice.pdf",
        ["第一页：宝鸡市人民政府通知。", "第二页：全市土地改革工作全面展开。", "第三页：此致。"],
    )
    (root / "scans" / "annex.txt").write_bytes("附件：各县成立农民协会的名单。".encode("gb18030"))
    (root / "J001-001-0002_002.txt").write_bytes("寶雞縣修建水庫的報告。".encode("big5"))
    (root / "J001-001-0002_001.txt").write_text("水利工程第一页", encoding="utf-8")
    make.hocr(
        root / "J001-001-0003.hocr",
        [
            [[("农民", 95), ("协会", 91)], [("成立", 93), ("大会", 90)]],
            [[("模糊", 30), ("字迹", 25)]],
        ],
    )
    make.alto(root / "J001-001-0004.xml", [[[("扫盲", 0.9), ("运动", 0.95)], [("识字班", 0.9)]]])
    (root / "J009-009-0009.txt").write_text("没有目录的文件：延安来信。", encoding="utf-8")
    return root


def test_a_delivery_becomes_records_with_numbered_pages(lantai, holdings):
    report = ingest(lantai, holdings)
    assert report.failed == 0, report.errors
    assert (report.added, report.updated, report.unchanged) == (5, 0, 0)
    assert page_texts(lantai, "J001-001-0001") == {
        1: "第一页：宝鸡市人民政府通知。",
        2: "第二页：全市土地改革工作全面展开。",
        3: "第三页：此致。",
        4: "附件：各县成立农民协会的名单。",
    }  # listed files in order; GB18030 detected
    assert page_texts(lantai, "J001-001-0002") == {1: "水利工程第一页", 2: "寶雞縣修建水庫的報告。"}
    record = lantai.store.get("baoji-city", "J001-001-0001")
    assert record.text.startswith("第一页：宝鸡市人民政府通知。") and "农民协会" in record.text
    assert report.pages == 4 + 2 + 2 + 1 + 1
    orphan = lantai.store.get("baoji-city", "J009-009-0009")
    assert (orphan.title, orphan.access) == ("J009-009-0009", "unreviewed")
    assert report.orphans == [
        {"id": "baoji-city/J009-009-0009", "files": [str(holdings / "J009-009-0009.txt")]}
    ]
    assert consistent(lantai) == {f"baoji-city/J001-001-000{n}" for n in range(1, 5)} | {
        "baoji-city/J009-009-0009"
    }


def test_page_numbers_in_file_names_and_clashes(lantai, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "J5-1_003.txt").write_text("第三页", encoding="utf-8")
    (root / "J5-1_001.txt").write_text("第一页\f第二页", encoding="utf-8")
    (root / "J5-1_002.txt").write_text("又一个第二页", encoding="utf-8")
    report = ingest(lantai, root, archive="fx-county")
    assert page_texts(lantai, "J5-1", "fx-county") == {1: "第一页", 2: "第二页", 3: "第三页"}
    assert [e.file for e in report.errors] == [str(root / "J5-1_002.txt")]
    assert "page 2 of fx-county/J5-1 is also given by" in report.errors[0].message


def test_one_record_from_several_places_in_one_run(lantai, tmp_path):
    root = tmp_path / "in"
    for folder in ("a", "b", "scans"):
        (root / folder).mkdir(parents=True)
    (root / "a" / "rows.jsonl").write_text('{"archive_code": "J4-1", "title": "甲"}\n', encoding="utf-8")
    (root / "b" / "rows.jsonl").write_text('{"archive_code": "J4-1", "title": "乙"}\n', encoding="utf-8")
    (root / "scans" / "J4-1_002.txt").write_text("第二页在另一个文件夹", encoding="utf-8")
    report = ingest(lantai, root, archive="test-city")
    assert [(Path(e.file).parent.name, e.line, e.field) for e in report.errors] == [("b", 1, "archive_code")]
    assert lantai.store.get("test-city", "J4-1").title == "甲"
    assert page_texts(lantai, "J4-1", "test-city") == {2: "第二页在另一个文件夹"}
    again = ingest(lantai, root, archive="test-city")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)
    consistent(lantai)


def test_ocr_confidence_feeds_page_quality(lantai, holdings):
    report = ingest(lantai, holdings)
    pages = pages_of(lantai.store.engine, "baoji-city", "J001-001-0003")
    assert [p.text for p in pages] == ["农民协会\n成立大会", "模糊字迹"]
    assert pages[0].confidence == pytest.approx(0.9225) and not pages[0].low_quality
    assert pages[1].quality == pytest.approx(0.275) and pages[1].low_quality
    assert report.low_quality_pages == 1
    alto_pages = pages_of(lantai.store.engine, "baoji-city", "J001-001-0004")
    assert alto_pages[0].text == "扫盲运动\n识字班" and alto_pages[0].method == "alto"


def test_hocr_and_alto_readers(tmp_path):
    words = [[[("Red", 90), ("Army", 80), ("长征", 70)]]]
    with make.hocr(tmp_path / "a.hocr", words).open("rb") as stream:
        pages = parse_hocr(stream)
    assert (pages[0].text, pages[0].confidence) == ("Red Army 长征", 0.8)
    with make.alto(tmp_path / "a.xml", [[[("inter-", 0.5)], [("national", 1.0)]]]).open("rb") as stream:
        alto = parse_alto(stream)
    assert (alto[0].text, alto[0].confidence) == ("international", 0.75)


def test_text_encodings_are_detected():
    text = "宝鸡市档案馆关于征集红色档案的通知"
    traditional = "寶雞市檔案館關於徵集紅色檔案的通知"
    assert decode_bytes(text.encode("utf-8")) == text
    assert decode_bytes(text.encode("gbk")) == text
    assert decode_bytes(text.encode("gb18030")) == text
    assert decode_bytes(traditional.encode("big5")) == traditional
    assert decode_bytes(traditional.encode("gb18030")) == traditional
    assert decode_bytes(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    with pytest.raises(ReadError, match="encoding"):
        decode_bytes(b"abc\x81\x20def\xff")


def test_xlsx_catalog_with_chinese_headers_and_files(lantai, tmp_path):
    from openpyxl import Workbook

    root = tmp_path / "in"
    root.mkdir()
    (root / "p1.txt").write_text("合作社第一页", encoding="utf-8")
    (root / "p2.txt").write_text("合作社第二页，互助组。", encoding="utf-8")
    book = Workbook()
    sheet = book.active
    sheet.append(["馆藏单位", "档号", "题名", "开放状态", "文件"])
    sheet.append(["fx-county", "J2-1-1", "关于合作社的报告", "开放", "p1.txt；p2.txt"])
    book.save(root / "目录.xlsx")
    report = ingest(lantai, root)
    assert report.failed == 0, report.errors
    assert page_texts(lantai, "J2-1-1", "fx-county") == {1: "合作社第一页", 2: "合作社第二页，互助组。"}
    hit = search(lantai, "互助组")["hits"][0]
    assert (hit["id"], hit["pages"]) == ("fx-county/J2-1-1", [2])


def test_rerun_reads_nothing_changed_and_a_change_is_reindexed(lantai, holdings, monkeypatch):
    first_started = time.monotonic()
    ingest(lantai, holdings)
    first = time.monotonic() - first_started
    reads = []
    real = units.read_page_file
    monkeypatch.setattr(
        units, "read_page_file", lambda path, options, **kw: reads.append(path) or real(path, options, **kw)
    )
    again_started = time.monotonic()
    again = ingest(lantai, holdings)
    again_time = time.monotonic() - again_started
    assert (again.added, again.updated, again.unchanged, again.pages) == (0, 0, 5, 0)
    assert reads == [] and again_time < first / 2

    annex = holdings / "scans" / "annex.txt"
    os.utime(annex, ns=(time.time_ns(), time.time_ns() + 10**9))  # touched, not changed
    touched = ingest(lantai, holdings)
    assert (touched.updated, touched.unchanged) == (0, 5) and reads == []  # same hash: reused
    reads.clear()
    annex.write_bytes("附件：互助组名单已更正。".encode("gb18030"))
    changed = ingest(lantai, holdings)
    assert (changed.updated, changed.unchanged) == (1, 4)
    assert [Path(p).name for p in reads] == ["annex.txt"]  # the PDF was not read again
    assert page_texts(lantai, "J001-001-0001")[4] == "附件：互助组名单已更正。"
    assert [h["pages"] for h in search(lantai, "互助组")["hits"]] == [[4]]
    assert search(lantai, "名单 NOT 互助组")["total"] == 0
    consistent(lantai)


def test_a_record_stored_but_not_indexed_is_indexed_next_time(lantai, holdings, monkeypatch):
    def down(_docs):
        raise ConnectionError("index is down")

    monkeypatch.setattr(lantai.backend, "index", down)
    report = ingest(lantai, holdings)
    assert report.not_indexed == 5 and lantai.store.count() == 5
    monkeypatch.undo()
    again = ingest(lantai, holdings)
    assert (again.reindexed, again.unchanged, again.not_indexed) == (5, 5, 0)
    consistent(lantai)


def test_sync_removes_records_whose_sources_are_gone(lantai, holdings):
    ingest(lantai, holdings)
    (holdings / "J009-009-0009.txt").unlink()  # the only file of a file-born record
    (holdings / "J001-001-0002_002.txt").unlink()  # one page file of a record
    (holdings / "J001-001-0004.xml").unlink()  # a record deleted from the catalog, with its scan
    catalog = holdings / "catalog.csv"
    catalog.write_text(
        "".join(
            line
            for line in catalog.read_text(encoding="utf-8").splitlines(True)
            if "J001-001-0004" not in line
        ),
        encoding="utf-8",
    )
    plain = ingest(lantai, holdings)  # without --sync nothing goes
    assert plain.removed == [] and lantai.store.count() == 5
    listed = ingest(lantai, holdings, sync=True, dry_run=True)
    assert listed.removed == ["baoji-city/J001-001-0004", "baoji-city/J009-009-0009"]
    assert listed.detached == [str(holdings / "J001-001-0002_002.txt")]
    assert lantai.store.count() == 5
    synced = ingest(lantai, holdings, sync=True)
    assert synced.removed == listed.removed
    assert consistent(lantai) == {f"baoji-city/J001-001-000{n}" for n in range(1, 4)}
    assert page_texts(lantai, "J001-001-0002") == {1: "水利工程第一页"}
    assert "寶雞縣" not in lantai.store.get("baoji-city", "J001-001-0002").text
    assert ingest(lantai, holdings, sync=True).removed == []


def test_bad_files_are_reported_and_the_rest_goes_on(lantai, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    make.corrupt_pdf(root / "J7-1.pdf")
    make.encrypted_pdf(root / "J7-2.pdf")
    (root / "J7-3.txt").write_bytes(b"\x81\x20\xff\xfe\x00\x81" * 10)
    make.hocr(root / "J7-4.hocr", [[[("完整", 90)]]])
    (root / "J7-4.hocr").write_bytes((root / "J7-4.hocr").read_bytes()[:-40])  # truncated
    make.alto(root / "J7-5.xml", [[[("完整", 0.9)]]])
    (root / "J7-5.xml").write_bytes((root / "J7-5.xml").read_bytes()[:-30])
    make.sparse_file(root / "J7-6.txt")  # 1 GiB
    make.zip_bomb_xlsx(root / "bomb.xlsx")
    (root / "J7-9.txt").write_text("好文件：土地改革。", encoding="utf-8")
    started = time.monotonic()
    report = ingest(lantai, root, archive="fx-county")
    assert time.monotonic() - started < 20
    reasons = {Path(e.file).name: e.message for e in report.errors}
    assert "corrupt PDF" in reasons["J7-1.pdf"]
    assert "encrypted PDF" in reasons["J7-2.pdf"] and "password" in reasons["J7-2.pdf"]
    assert "encoding" in reasons["J7-3.txt"]
    assert "truncated or malformed XML" in reasons["J7-4.hocr"]
    assert "truncated or malformed XML" in reasons["J7-5.xml"]
    assert "1,073,741,824 bytes is larger than the limit" in reasons["J7-6.txt"]
    assert "unpacks to" in reasons["bomb.xlsx"] and "refused" in reasons["bomb.xlsx"]
    assert report.failed == 7
    assert page_texts(lantai, "J7-9", "fx-county") == {1: "好文件：土地改革。"}
    again = ingest(lantai, root, archive="fx-county")  # still reported, nothing rewritten
    assert again.failed == 7 and again.updated == 0
    consistent(lantai)


def test_scans_need_ocr_without_tesseract(lantai, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    make.scanned_pdf(root / "J8-1.pdf", [["宝鸡市土地改革"], ["第二页"]])
    make.image_file(root / "J8-2.png", ["凤翔县水利"])
    report = ingest(lantai, root, archive="fx-county", options=FileOptions(ocr=False))
    assert report.needs_ocr == 3 and report.failed == 0
    assert sorted(Path(p).name for p in report.needs_ocr_files) == ["J8-1.pdf", "J8-2.png"]
    pages = pages_of(lantai.store.engine, "fx-county", "J8-1")
    assert [(p.number, p.text, p.method) for p in pages] == [(1, "", "needs_ocr"), (2, "", "needs_ocr")]
    assert ingest(lantai, root, archive="fx-county", options=FileOptions(ocr=False)).needs_ocr == 3


@pytest.fixture(scope="session")
def tesseract():
    """Tesseract with the Chinese models, installed by scripts/ensure-packages when missing."""
    done = subprocess.run(
        [str(REPO / "scripts" / "ensure-packages"), "ocr"],
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0 or not shutil.which("tesseract"):
        pytest.fail(f"scripts/ensure-packages ocr failed:\n{done.stderr[-2000:]}", pytrace=False)


def test_scans_are_ocrd_with_tesseract(lantai, tmp_path, tesseract):
    root = tmp_path / "in"
    root.mkdir()
    make.scanned_pdf(root / "J8-1.pdf", [["宝鸡市人民政府关于土地改革的通知"], ["凤翔县兴修水利的报告"]])
    make.image_file(root / "J8-2.png", ["寶雞縣農民協會成立大會"])
    before = ingest(lantai, root, archive="fx-county", options=FileOptions(ocr=False))
    assert before.needs_ocr == 3
    report = ingest(lantai, root, archive="fx-county", options=FileOptions())  # now it can
    assert (report.needs_ocr, report.updated, report.failed) == (0, 2, 0), report.errors
    pages = pages_of(lantai.store.engine, "fx-county", "J8-1")
    assert "土地改革" in pages[0].text and "水利" in pages[1].text
    assert all(p.method == "ocr" and 0.5 < p.confidence <= 1 for p in pages)
    assert "農民協會" in page_texts(lantai, "J8-2", "fx-county")[1]
    hits = search(lantai, "农民协会 OR 水利", STAFF)["hits"]  # traditional OCR, simplified query
    assert {h["id"]: h["pages"] for h in hits} == {"fx-county/J8-1": [2], "fx-county/J8-2": [1]}


def test_hits_and_record_pages_show_where_the_terms_are(lantai, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "catalog.jsonl").write_text(
        '{"archive": "baoji-city", "archive_code": "J3-1", "title": "关于土地改革的档案", "access": "open"}\n'
        '{"archive": "baoji-city", "archive_code": "J3-2", "title": "目录开放的档案", '
        '"access": "catalog_only", "description": "土地改革"}\n'
        '{"archive": "baoji-city", "archive_code": "J3-3", "title": "未审核的档案"}\n',
        encoding="utf-8",
    )
    (root / "J3-1.txt").write_text(
        "封面\f寶雞縣土地改革，聯繫電話13912345678。\f結束\f土地改革總結", encoding="utf-8"
    )
    (root / "J3-2.txt").write_text("土地改革的内容", encoding="utf-8")
    (root / "J3-3.txt").write_text("土地改革的内容", encoding="utf-8")
    ingest(lantai, root)
    public = {h["id"]: h["pages"] for h in search(lantai, "土地改革")["hits"]}
    assert public == {"baoji-city/J3-1": [2, 4], "baoji-city/J3-2": []}  # catalog-only: no pages
    staff = {h["id"]: h["pages"] for h in search(lantai, "土地改革", STAFF)["hits"]}
    assert staff["baoji-city/J3-3"] == [1]
    assert {h["id"]: h["pages"] for h in search(lantai, "13912345678 OR 结束")["hits"]} == {
        "baoji-city/J3-1": [3]
    }  # personal data never matches

    seen = lantai.search.pages("baoji-city/J3-1", PUBLIC, "土地改革 NOT 草案")
    assert (seen["count"], seen["first_match"], seen["matches"]) == (4, 2, [2, 4])
    assert seen["pages"][1]["text"] == "寶雞縣土地改革，聯繫電話***********。"
    assert "<mark>土地改革</mark>" in seen["pages"][1]["html"] and seen["pages"][1]["match"]
    own = lantai.search.pages("baoji-city/J3-1", STAFF, ["土地改革"])
    assert "13912345678" in own["pages"][1]["text"]
    assert lantai.search.pages("baoji-city/J3-3", PUBLIC, "土地改革") is None  # closed: as missing
    assert lantai.search.pages("baoji-city/nope", PUBLIC) is None
    catalog_only = lantai.search.pages("baoji-city/J3-2", PUBLIC, "土地改革")
    assert (catalog_only["visibility"], catalog_only["pages"], catalog_only["count"]) == ("catalog", [], 0)


def test_the_index_ingest_writes_is_the_one_reindex_builds(lantai, holdings):
    """Ingest segments in its workers and lends the tokens to the backend; the documents
    must come out exactly as when the backend segments them itself (lantai reindex)."""
    from indexer.ingest import reindex
    from search import sqlite_engine

    def snapshot():
        """Every token of the index (it keeps no copy of the texts), by record, column
        and position."""
        conn = sqlite_engine.connect(str(lantai.settings.index_path))
        try:
            conn.execute("CREATE VIRTUAL TABLE temp.tokens USING fts5vocab(main, fts, 'instance')")
            return conn.execute(
                "SELECT d.id, t.col, t.offset, t.term FROM temp.tokens t JOIN docs d ON d.rowid = t.doc "
                "WHERE t.col IN ('title', 'creator', 'meta', 'body', 'body_chars') ORDER BY 1, 2, 3"
            ).fetchall()
        finally:
            conn.close()

    ingest(lantai, holdings)
    ingested = snapshot()
    assert reindex(lantai.store, lantai.backend) == 5
    assert snapshot() == ingested and len({row[0] for row in ingested}) == 5


def test_entities_are_stored_and_text_ones_never_index_a_catalog_only_record(lantai, tmp_path):
    from catalog.records import Record
    from indexer.documents import index_doc

    root = tmp_path / "in"
    root.mkdir()
    (root / "J6-1.txt").write_text(
        "国家主席江泽民今天上午在北京人民大会堂会见了美国总统克林顿。", encoding="utf-8"
    )
    report = ingest(lantai, root, archive="test-city", entities=True)
    assert report.failed == 0
    stored = lantai.store.entities("test-city", "J6-1")
    assert set(stored) == {"catalog", "text"}
    assert all(set(part) <= {"person", "place", "org"} for part in stored.values())
    found = {"catalog": {"place": ["寶雞"]}, "text": {"person": ["李有财"], "org": ["宝鸡县人民政府"]}}
    shown = index_doc(Record("test-city", "J6-2", "题名", access="open"), found)
    hidden = index_doc(Record("test-city", "J6-3", "题名", access="catalog_only"), found)
    assert (shown.places, shown.persons, shown.orgs) == (("宝鸡",), ("李有财",), ("宝鸡县人民政府",))
    assert (hidden.places, hidden.persons, hidden.orgs) == (("宝鸡",), (), ())
