"""The ``lantai`` command as scripts use it: real processes, real files, a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import free_port, record, write_jsonl
from tests.fixtures.ingest import make

LANTAI = str(Path(sys.executable).with_name("lantai"))


def lantai(
    *args: str, data_dir: Path, stdin: str | None = None, **settings: str
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTAI_")}
    env["LANTAI_DATA_DIR"] = str(data_dir)
    env.update({f"LANTAI_{k.upper()}": v for k, v in settings.items()})
    return subprocess.run([LANTAI, *args], env=env, capture_output=True, text=True, input=stdin, timeout=300)


def test_ingest_then_search_json(tmp_path):
    data = tmp_path / "data"
    path = write_jsonl(
        tmp_path / "rows.jsonl",
        [
            record("J001-001-0001", "宝鸡市关于土地改革的通知", text="寶雞土地改革"),
            record("J001-001-0002", "关于赵秘云的审查", access="unreviewed", text="土地改革"),
        ],
    )
    done = lantai("ingest", str(path), "--json", data_dir=data, ingest_entities="false")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["added"], summary["failed"]) == (2, 0)

    public = json.loads(lantai("search", "土地改革", "--json", data_dir=data).stdout)
    assert [h["archive_code"] for h in public["hits"]] == ["J001-001-0001"]
    assert public["total"] == 1 and "<mark>" in public["hits"][0]["snippet"]
    staff = json.loads(lantai("search", "土地改革", "--as", "staff", "--json", data_dir=data).stdout)
    assert staff["total"] == 2
    assert public["did_you_mean"] is None
    slip = json.loads(lantai("search", "宝机", "--json", data_dir=data).stdout)
    assert (slip["total"], slip["did_you_mean"]) == (0, {"query": "宝鸡", "total": 1})
    assert "did you mean: 宝鸡 (1 found)" in lantai("search", "宝机", data_dir=data).stdout


def test_ingest_json_summary_counts_pages_and_names_each_bad_file(tmp_path):
    delivery = tmp_path / "in"
    delivery.mkdir()
    (delivery / "J1-1_001.txt").write_text("第一页：土地改革。", encoding="utf-8")
    (delivery / "J1-1_002.txt").write_text("第二页：兴修水利。", encoding="utf-8")
    (delivery / "J1-2.txt").write_text("□□□□□□□□□□▯▯▯▯�����土", encoding="utf-8")  # OCR debris
    make.corrupt_pdf(delivery / "J1-3.pdf")
    done = lantai(
        "ingest",
        str(delivery),
        "--json",
        "--quiet",
        "--archive",
        "fx-county",
        data_dir=tmp_path / "data",
        ingest_entities="false",
    )
    assert done.returncode == 1  # a file failed
    summary = json.loads(done.stdout)
    # Three files named by 档号 and no catalog: three records, one of them for the unreadable PDF.
    assert (summary["added"], summary["updated"], summary["unchanged"], summary["failed"]) == (3, 0, 0, 1)
    assert (summary["pages"], summary["low_quality_pages"]) == (3, 1)
    [error] = summary["errors"]
    assert Path(error["file"]).name == "J1-3.pdf" and "corrupt PDF" in error["reason"]
    again = json.loads(
        lantai(
            "ingest",
            str(delivery),
            "--json",
            "--quiet",
            "--archive",
            "fx-county",
            data_dir=tmp_path / "data",
            ingest_entities="false",
        ).stdout
    )
    assert (again["added"], again["updated"], again["failed"]) == (0, 0, 1)


def test_ingest_reports_bad_rows_on_stderr_and_fails(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("档号,题名\n,无档号\nJ1-1,有档号\n", encoding="utf-8")
    done = lantai(
        "ingest",
        str(path),
        "--archive",
        "fx-county",
        "--json",
        data_dir=tmp_path / "d",
        ingest_entities="false",
    )
    assert done.returncode == 1
    assert f"{path}:2: field 'archive_code'" in done.stderr
    assert json.loads(done.stdout)["added"] == 1


def test_ingest_extracts_entities_unless_told_not_to(tmp_path):
    data = tmp_path / "data"
    path = write_jsonl(
        tmp_path / "rows.jsonl",
        [
            record("J001-001-0001", "群众来信摘编", text="來信人梁淑貞反映其父歷史問題，梁淑貞要求複查。"),
            record("J001-001-0002", "关于会议的记录", text="毛澤東在延安召開會議。"),
        ],
    )

    def persons() -> dict:
        return json.loads(lantai("search", "", "--json", data_dir=data).stdout)["facets"]["person"]

    off = lantai("ingest", str(path), "--no-entities", "--json", data_dir=data)
    assert off.returncode == 0, off.stderr
    assert (json.loads(off.stdout)["added"], persons()) == (2, {})
    setting_off = lantai("ingest", str(path), "--json", data_dir=data, ingest_entities="false")
    assert json.loads(setting_off.stdout)["unchanged"] == 2 and persons() == {}

    on = lantai("ingest", str(path), "--json", data_dir=data)  # the default: entities on
    assert on.returncode == 0, on.stderr
    summary = json.loads(on.stdout)
    assert (summary["unchanged"], summary["entities_added"], summary["updated"]) == (0, 2, 0)
    assert "2 given entities" in on.stderr
    assert persons() == {"梁淑贞": 1, "毛泽东": 1}
    forced = lantai("ingest", str(path), "--entities", "--json", data_dir=data, ingest_entities="false")
    assert json.loads(forced.stdout)["unchanged"] == 2


def test_ingest_names_a_missing_path(tmp_path):
    done = lantai("ingest", str(tmp_path / "nowhere.jsonl"), data_dir=tmp_path / "d")
    assert done.returncode == 1 and "nowhere.jsonl: no such file or folder" in done.stderr


def test_analyze_json(tmp_path):
    done = lantai("analyze", "--json", "中國(guó)檔案館", data_dir=tmp_path)
    result = json.loads(done.stdout)
    assert result["normalized"] == "中国档案馆"
    assert set(result) >= {"normalized", "tokens", "entities", "quality"}


def test_analyze_jsonl_keeps_order(tmp_path):
    done = lantai("analyze", "--jsonl", data_dir=tmp_path, stdin="檔案\n寶雞\n")
    assert [json.loads(line)["normalized"] for line in done.stdout.splitlines()] == ["档案", "宝鸡"]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.stderr.read()}")
        try:
            urllib.request.urlopen(url, timeout=10).close()
            return
        except OSError:  # refused, reset, or slow to answer while it starts (URLError too)
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.fixture
def demo_server(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTAI_")}
    env["LANTAI_DATA_DIR"] = str(tmp_path / "unused")
    with subprocess.Popen(
        [LANTAI, "demo", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(base + "/", process, seconds=240)  # it ingests the samples (entities) first
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_demo_serves_the_samples_with_gunicorn(demo_server):
    with urllib.request.urlopen(demo_server + "/api/v1/search?q=" + quote("红色档案")) as response:
        data = json.load(response)
    assert data["total"] > 0
    assert {h["archive"] for h in data["hits"]} <= {"baoji-city", "fengxiang-county"}
    with urllib.request.urlopen(demo_server + "/search?q=" + quote("土地改革")) as response:
        page = response.read().decode("utf-8")
    assert "<mark>" in page and "档号" in page
    with urllib.request.urlopen(demo_server + "/api/v1/search?q=" + quote("宝鸡")) as response:
        facets = json.load(response)["facets"]
    assert all(facets[name] for name in ("person", "place", "org")), facets  # issue #8
