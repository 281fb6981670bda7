"""The package surface: analyze(), the exports, the doctests, the generated division list."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

import analyzers

REPO = Path(__file__).resolve().parents[2]
MODULES = [
    "analyzers",
    "analyzers.normalize",
    "analyzers.segment",
    "analyzers.wordcut",
    "analyzers.query",
    "analyzers.highlight",
    "analyzers.pinyin",
    "analyzers._syllables",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module)
    assert result.failed == 0
    assert result.attempted > 0


def test_analyze() -> None:
    text = "寶雞市檔案局(館)關於土地改革(gǎi)的報告"
    result = analyzers.analyze(text)
    assert result == {
        "normalized": "宝鸡市档案局(馆)关于土地改革的报告",
        "tokens": result["tokens"],
        "entities": result["entities"],
        "quality": 1.0,
    }
    # 宝鸡 (its city, or its archives bureau as a place or an organisation: models differ)
    found = [e for e in result["entities"] if e["label"] in ("PLACE", "ORG") and "寶雞" in e["text"]]
    assert found and all(text[e["start"] : e["end"]] == e["text"] for e in found)
    assert all(e["normalized"] is None or e["normalized"].startswith("宝鸡") for e in found)
    assert {"宝鸡", "宝鸡市", "档案局", "馆", "土地改革", "报告"} <= set(result["tokens"])
    assert analyzers.analyze("館藏?cái)?shù)量")["quality"] < 1.0
    assert analyzers.analyze("") == {"normalized": "", "tokens": [], "entities": [], "quality": 1.0}


def test_exports() -> None:
    for name in analyzers.__all__:
        assert hasattr(analyzers, name), name
    assert analyzers.FIELDS == {"title", "code", "creator", "person", "place", "org", "year"}


def test_syllable_table_covers_pypinyin() -> None:
    from pypinyin.pinyin_dict import pinyin_dict

    from analyzers._syllables import SYLLABLES, strip_tones

    readings = {strip_tones(p) for value in pinyin_dict.values() for p in value.split(",")}
    assert readings <= SYLLABLES


def test_divisions_file_is_current() -> None:
    script = REPO / "scripts" / "build_divisions.py"
    proc = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_short_division_names() -> None:
    spec = importlib.util.spec_from_file_location("build_divisions", REPO / "scripts/build_divisions.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    nations = ["哈尼族", "哈尼", "彝族", "蒙古族", "蒙古", "藏族", "柯尔克孜", "鄂伦春"]
    assert module.short_name("宝鸡市", nations) == "宝鸡"
    assert module.short_name("红河哈尼族彝族自治州", nations) == "红河"
    assert module.short_name("内蒙古自治区", nations) == "内蒙古"
    assert module.short_name("鄂伦春自治旗", nations) == "鄂伦春"
    assert module.short_name("和县", nations) is None
    assert module.level("610300000000") == "prefecture"
    assert module.level("610322000000") == "county"
