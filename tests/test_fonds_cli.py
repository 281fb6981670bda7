"""``lantai fonds``: fonds descriptions (全宗介绍) imported from CSV and listed, and the
``archive_code_patterns`` setting refusing a bad pattern at start-up."""

from __future__ import annotations

import json

from tests.test_cli import lantai

FONDS_CSV = (
    "馆藏单位,全宗号,全宗名称,起止年代,全宗介绍\n"
    "baoji-city,J001,宝鸡市人民政府,1949-1966,市政府及其工作部门的文件。\n"
    ",J002,宝鸡市农业局,1950-1980,\n"
)


def test_fonds_descriptions_are_imported_listed_and_replaced(tmp_path):
    data = tmp_path / "data"
    path = tmp_path / "fonds.csv"
    path.write_text(FONDS_CSV, encoding="utf-8")
    done = lantai("fonds", "import", str(path), "--archive", "fx-county", "--by", "admin1", data_dir=data)
    assert done.returncode == 0, done.stderr
    assert "2 fonds described" in done.stderr
    path.write_text("fonds,name\nJ002,凤翔县农业局\n", encoding="utf-8")
    lantai("fonds", "import", str(path), "--archive", "fx-county", "--by", "admin1", data_dir=data)
    listed = json.loads(lantai("fonds", "list", "--archive", "fx-county", "--json", data_dir=data).stdout)
    assert listed == [
        {"archive": "fx-county", "fonds": "J002", "name": "凤翔县农业局", "years": "", "description": ""}
    ]
    listed = json.loads(lantai("fonds", "list", "--archive", "baoji-city", "--json", data_dir=data).stdout)
    assert listed[0]["description"] == "市政府及其工作部门的文件。"
    audit = lantai("audit", "list", "--action-kind", "fonds.import", data_dir=data)
    assert audit.stdout.count("fonds.import") == 2, audit.stderr


def test_a_fonds_file_with_a_row_missing_its_name_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "fonds.csv"
    path.write_text("全宗号,全宗名称\nJ001,宝鸡市人民政府\nJ002,\n", encoding="utf-8")
    done = lantai("fonds", "import", str(path), "--archive", "a", "--by", "admin1", data_dir=tmp_path / "d")
    assert done.returncode == 2
    assert "fonds.csv: line 3: name (全宗名称) is empty" in done.stderr
    assert (
        json.loads(lantai("fonds", "list", "--archive", "a", "--json", data_dir=tmp_path / "d").stdout) == []
    )


def test_a_bad_archive_code_pattern_stops_start_up_with_its_reason(tmp_path):
    bad = lantai(
        "search",
        "土地",
        data_dir=tmp_path / "data",
        archive_code_patterns=json.dumps({"baoji-city": "(?P<fonds>J\\d+"}),
    )
    assert bad.returncode == 2
    assert "setting 'archive_code_patterns': 'baoji-city':" in bad.stderr
    assert "is not a regular expression" in bad.stderr
    no_fonds = lantai(
        "search", "土地", data_dir=tmp_path / "data", archive_code_patterns='{"*": "(?P<file>.+)"}'
    )
    assert "has no (?P<fonds>...) group" in no_fonds.stderr
