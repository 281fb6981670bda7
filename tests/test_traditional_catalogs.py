"""Traditional-script catalogues (繁体目录): Big5 CSV and XLSX with traditional headers and
values ingest like simplified ones; what is still not understood is reported by file, row
and field."""

from __future__ import annotations

from pathlib import Path

from catalog.policy import PUBLIC
from indexer.page_types import FileOptions
from search.params import parse_request

SIMPLIFIED = [
    [
        "馆藏单位",
        "档号",
        "全宗号",
        "题名",
        "责任者",
        "日期",
        "类别",
        "开放类别",
        "密级",
        "保管期限",
        "开放状态",
        "主题词",
    ],
    [
        "s-city",
        "J1-1-1",
        "J1",
        "宝鸡市军管会关于接管的布告",
        "宝鸡市军管会",
        "1949年7月",
        "红色档案",
        "经济",
        "无",
        "长期",
        "开放",
        "接管；布告",
    ],
    [
        "s-city",
        "J1-1-2",
        "J1",
        "凤翔县土地改革工作总结",
        "凤翔县人民政府",
        "1951",
        "文书",
        "经济",
        "非密",
        "永久",
        "目录开放",
        "土地改革",
    ],
    [
        "s-city",
        "J1-1-3",
        "J1",
        "关于粮食征购的请示",
        "宝鸡专署",
        "1953",
        "文书",
        "经济",
        "秘密",
        "30年",
        "控制",
        "",
    ],
]
TRADITIONAL = [
    [
        "館藏單位",
        "檔號",
        "全宗號",
        "題名",
        "責任者",
        "日期",
        "類別",
        "開放類別",
        "密級",
        "保管期限",
        "開放狀態",
        "主題詞",
    ],
    [
        "t-city",
        "J1-1-1",
        "J1",
        "寶雞市軍管會關於接管的佈告",
        "寶雞市軍管會",
        "1949年7月",
        "紅色檔案",
        "經濟",
        "無",
        "長期",
        "開放",
        "接管；佈告",
    ],
    [
        "t-city",
        "J1-1-2",
        "J1",
        "鳳翔縣土地改革工作總結",
        "鳳翔縣人民政府",
        "1951",
        "文書",
        "經濟",
        "非密",
        "永久",
        "目錄開放",
        "土地改革",
    ],
    [
        "t-city",
        "J1-1-3",
        "J1",
        "關於糧食徵購的請示",
        "寶雞專署",
        "1953",
        "文書",
        "經濟",
        "秘密",
        "30年",
        "控制",
        "",
    ],
]
CONTROLLED = (
    "archive_code",
    "fonds",
    "date",
    "record_type",
    "category",
    "classification",
    "retention",
    "access",
)


def ingest(lantai, *paths):
    return lantai.ingester.ingest([Path(p) for p in paths], workers=1, options=FileOptions(ocr=False))


def write_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    path.write_bytes(("\r\n".join(",".join(row) for row in rows) + "\r\n").encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    book.close()
    return path


def stored(lantai, archive: str) -> list[tuple]:
    records = [lantai.store.get(archive, f"J1-1-{n}") for n in (1, 2, 3)]
    return [tuple(getattr(r, name) for name in CONTROLLED) for r in records]


def test_a_big5_csv_with_traditional_headers_ingests_like_the_simplified_one(lantai, tmp_path):
    big5 = write_csv(tmp_path / "目錄.csv", TRADITIONAL, "big5")
    utf8 = write_csv(tmp_path / "目录.csv", SIMPLIFIED, "utf-8")
    report = ingest(lantai, big5, utf8)
    assert report.failed == 0 and not report.errors, report.errors
    assert stored(lantai, "t-city") == stored(lantai, "s-city")
    assert stored(lantai, "t-city")[0][3:] == ("红色档案", "经济", "none", "长期", "open")
    first = lantai.store.get("t-city", "J1-1-1")
    assert first.title == "寶雞市軍管會關於接管的佈告"  # the title keeps its script
    assert first.creator == "寶雞市軍管會" and first.subjects == ("接管", "佈告")
    assert [lantai.store.get("t-city", f"J1-1-{n}").access for n in (1, 2, 3)] == [
        "open",
        "catalog_only",
        "controlled",
    ]
    answer = lantai.search.search(parse_request({"q": "宝鸡 接管"}, lantai.settings), PUBLIC)
    assert {hit["id"] for hit in answer["hits"]} == {"t-city/J1-1-1", "s-city/J1-1-1"}
    assert answer["facets"]["record_type"] == {"红色档案": 2}  # one value in both scripts
    closed = lantai.search.search(parse_request({"q": "粮食征购"}, lantai.settings), PUBLIC)
    assert closed["total"] == 0


def test_an_xlsx_with_traditional_headers_ingests_like_the_simplified_one(lantai, tmp_path):
    report = ingest(
        lantai, write_xlsx(tmp_path / "t.xlsx", TRADITIONAL), write_xlsx(tmp_path / "s.xlsx", SIMPLIFIED)
    )
    assert report.failed == 0 and not report.errors, report.errors
    assert stored(lantai, "t-city") == stored(lantai, "s-city")


def test_what_is_still_unknown_is_reported_by_file_row_and_field(lantai, tmp_path):
    rows = [
        TRADITIONAL[0],
        ["t-city", "J2-1", "J2", "寶雞縣志稿", "", "1950", "", "", "無", "", "開發", ""],
        ["t-city", "J2-2", "J2", "岐山縣志稿", "", "1950", "", "", "極密", "", "開放", ""],
        ["t-city", "J2-3", "J2", "鳳縣志稿", "", "1950", "", "", "無", "很長", "開放", ""],
        ["t-city", "J2-4", "J2", "麟遊縣志稿", "", "1950", "", "", "無", "", "開放", ""],
    ]
    renamed = [["館藏單位", "檔號", "標題", "開放狀態"], ["t-city", "J3-1", "扶風縣志稿", "開放"]]
    report = ingest(
        lantai, write_csv(tmp_path / "a.csv", rows, "big5"), write_csv(tmp_path / "b.csv", renamed, "big5")
    )
    problems = {(Path(e.file).name, e.line, e.field): e.message for e in report.errors}
    assert set(problems) == {
        ("a.csv", 2, "access"),
        ("a.csv", 3, "classification"),
        ("a.csv", 4, "retention"),
        ("b.csv", 2, "title"),
    }
    assert "'開發'" in problems["a.csv", 2, "access"] and "開放" in problems["a.csv", 2, "access"]
    assert "'極密'" in problems["a.csv", 3, "classification"]
    assert "'很長'" in problems["a.csv", 4, "retention"]
    assert "columns not understood: 標題" in problems["b.csv", 2, "title"]
    assert str(report.errors[0]).startswith(str(tmp_path / "a.csv") + ":2: field 'access'")
    assert lantai.store.get("t-city", "J2-4").access == "open"
