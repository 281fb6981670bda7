"""Ingest: good rows are stored, bad rows are reported by file, line and field."""

import json

import pytest

from catalog.policy import PUBLIC
from search.params import parse_request
from tests.conftest import record, write_jsonl

pytestmark = pytest.mark.both_catalogs  # the catalog on SQLite and on PostgreSQL


def search(lantai, q, audience=PUBLIC):
    return lantai.search.search(parse_request({"q": q}, lantai.settings), audience)


def test_jsonl_rows_are_stored_and_searchable(lantai, tmp_path):
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            record("J001-001-0001", "宝鸡市人民政府关于土地改革的通知", text="全市土地改革工作全面展开。"),
            record("J001-001-0002", "关于修建水库的报告"),
        ],
    )
    report = lantai.ingester.ingest([path])
    assert (report.added, report.failed, report.errors) == (2, 0, [])
    assert lantai.store.count() == 2
    assert [h["id"] for h in search(lantai, "土地改革")["hits"]] == ["test-city/J001-001-0001"]


def test_a_bad_row_is_named_and_the_good_rows_are_stored(lantai, tmp_path):
    path = tmp_path / "county.csv"
    path.write_text(
        "馆藏单位,档号,题名,日期,开放状态\n"
        "fx-county,J1-1-1,关于春耕生产的通知,1951年3月,开放\n"
        "fx-county,,没有档号的文件,1951,开放\n"
        "fx-county,J1-1-3,日期错误的文件,1951-13-40,开放\n"
        "fx-county,J1-1-4,关于兴修水利的报告,1952,开放\n",
        encoding="utf-8",
    )
    report = lantai.ingester.ingest([path])
    assert report.added == 2
    assert report.failed == 2
    located = [(p.file, p.line, p.field) for p in report.errors]
    assert located == [(str(path), 3, "archive_code"), (str(path), 4, "date")]
    assert "1951-13-40" not in str(report.errors[0]) and "month 13" in str(report.errors[1])


def test_broken_json_lines_do_not_stop_the_file(lantai, tmp_path):
    path = tmp_path / "mixed.jsonl"
    good = json.dumps(record("J9-1", "关于扫盲运动的总结"), ensure_ascii=False)
    path.write_text(good + "\n{not json\n[1, 2]\n", encoding="utf-8")
    report = lantai.ingester.ingest([path])
    assert report.added == 1
    assert [(p.line, p.field) for p in report.errors] == [(2, None), (3, None)]


def test_one_broken_file_does_not_stop_the_batch(lantai, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"this is not a workbook")
    good = write_jsonl(tmp_path / "good.jsonl", [record("J2-1", "关于扫盲运动的总结")])
    report = lantai.ingester.ingest([broken, good])
    assert report.added == 1
    assert report.errors[0].file == str(broken)
    assert "XLSX" in report.errors[0].message


def test_nothing_stored_is_lost_when_a_bad_version_arrives(lantai, tmp_path):
    write_jsonl(tmp_path / "v1.jsonl", [record("J3-1", "关于合作社的报告", text="初级社")])
    lantai.ingester.ingest([tmp_path / "v1.jsonl"])
    write_jsonl(tmp_path / "v2.jsonl", [record("J3-1", "", text="被截断的新版本")])
    report = lantai.ingester.ingest([tmp_path / "v2.jsonl"])
    assert report.failed == 1
    kept = lantai.store.get("test-city", "J3-1")
    assert kept.title == "关于合作社的报告" and kept.text == "初级社"


def test_reingest_of_the_same_rows_changes_nothing(lantai, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [record("J4-1", "关于民兵训练的通知")])
    lantai.ingester.ingest([path])
    again = lantai.ingester.ingest([path])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)


def test_changed_rows_are_updated_in_catalog_and_index(lantai, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [record("J5-1", "关于民兵训练的通知")])
    lantai.ingester.ingest([path])
    write_jsonl(path, [record("J5-1", "关于民兵整训的通知", access="unreviewed")])
    report = lantai.ingester.ingest([path])
    assert report.updated == 1
    assert search(lantai, "民兵")["total"] == 0


def test_a_duplicate_code_in_one_file_is_reported(lantai, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [record("J6-1", "甲"), record("J6-1", "乙")])
    report = lantai.ingester.ingest([path])
    assert report.added == 1
    assert (report.errors[0].line, report.errors[0].field) == (2, "archive_code")


def test_index_failure_keeps_the_catalog_and_reindex_repairs(lantai, tmp_path, monkeypatch):
    from indexer.ingest import reindex

    def down(_docs):
        raise ConnectionError("index is down")

    monkeypatch.setattr(lantai.backend, "index", down)
    path = write_jsonl(tmp_path / "a.jsonl", [record("J7-1", "关于扫盲运动的总结")])
    report = lantai.ingester.ingest([path])
    assert report.not_indexed == 1 and lantai.store.count() == 1
    monkeypatch.undo()
    assert search(lantai, "扫盲")["total"] == 0
    assert reindex(lantai.store, lantai.backend) == 1
    assert search(lantai, "扫盲")["total"] == 1
