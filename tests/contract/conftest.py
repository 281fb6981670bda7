"""The contract suite runs unchanged against every search backend."""

from __future__ import annotations

import uuid

import pytest

from app.runtime import open_lantai
from config import load_settings
from tests.conftest import opensearch_script, record, start_opensearch, write_jsonl

BACKENDS = ["sqlite", "opensearch"]

CORPUS = [
    record(
        "J001-001-0001",
        "宝鸡市人民政府关于土地改革的通知",
        date="1950-03-01",
        text="全市土地改革工作全面展开，各县成立农民协会。",
        subjects=["土地改革"],
    ),
    record(
        "J001-001-0002",
        "寶雞市檔案館關於徵集紅色檔案的報告",
        date="1985-06",
        record_type="红色档案",
        text="徵集陝甘寧邊區時期的紅色檔案。",
    ),
    record("J001-001-0003", "关于建设数字档案馆的方案", date="2004", text="数字档案馆建设分三期。"),
    record("J001-001-0004", "关于兴修水利的报告", date="1958-11-20", text="冬季农田水利建设。"),
    record(
        "J001-001-0005",
        "关于土地改革复查的报告",
        date="1952-02-01",
        access="catalog_only",
        text="复查中发现地主隐匿财产。",
        description="土地改革复查工作情况",
    ),
    record(
        "J001-001-0006",
        "关于赵秘云同志问题的调查",
        date="1956",
        access="unreviewed",
        text="土地改革中赵秘云的材料。",
    ),
    record(
        "J001-001-0007",
        "关于土地改革中机要情况的通报",
        date="1951",
        classification="秘密",
        text="土地改革机要",
    ),
    record(
        "J002-001-0001",
        "凤翔县关于土地改革的总结",
        date="1951-12",
        archive="fx-county",
        text="凤翔县土地改革胜利结束。",
        record_type="红色档案",
    ),
    record(
        "J002-001-0002",
        "凤翔县扫盲运动总结",
        date="1953",
        archive="fx-county",
        access="controlled",
        text="扫盲运动土地改革",
    ),
]


@pytest.fixture(scope="session")
def opensearch_url():
    """URL of a real OpenSearch node from ``scripts/opensearch start``, once per session.

    The node is stopped at the end only when this session started it. When it cannot be
    started the tests fail with the script's message; they are never skipped.
    """
    was_running = opensearch_script("status", 60).returncode == 0
    yield start_opensearch()
    if not was_running:
        opensearch_script("stop", 120)


def ingested_runtime(request, tmp_path, rows: list[dict], **settings):
    """A runtime on ``request.param`` (a backend) with ``rows`` ingested, for a fixture to
    yield from. On OpenSearch it gets its own index prefix, and its indices are deleted after.
    """
    overrides = dict(settings)
    if request.param == "opensearch":
        overrides |= {
            "opensearch_url": request.getfixturevalue("opensearch_url"),
            "index": f"t{uuid.uuid4().hex}",
        }
    runtime = open_lantai(
        load_settings(env={}, data_dir=str(tmp_path / "data"), backend=request.param, **overrides)
    )
    try:
        report = runtime.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", rows)])
        assert report.failed == 0 and report.not_indexed == 0, report.errors
        yield runtime
    finally:
        if request.param == "opensearch":
            runtime.backend.drop()
        runtime.close()


@pytest.fixture(params=BACKENDS)
def lantai(request, tmp_path):
    """A runtime on ``request.param`` with the contract corpus ingested."""
    yield from ingested_runtime(request, tmp_path, CORPUS)
