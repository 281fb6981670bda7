"""OpenSearch against a real node: deep pages, the reindex alias switch, and failures
(slow, down, restarted) during which the catalog stays whole.

This module starts its own node (``scripts/opensearch`` on a separate port, with its data
in a temporary folder), so pausing, stopping and restarting it never disturbs the node the
contract suite uses. The kill/restart happens once, in the last test.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import create_app, lantai_of
from app.runtime import open_lantai
from catalog.policy import PUBLIC
from config import Settings, load_settings
from indexer.ingest import reindex
from search import opensearch_backend
from search.base import SORTS, BackendUnavailable
from search.params import parse_request
from tests.conftest import free_port, opensearch_script, record, start_opensearch, write_jsonl

LANTAI = str(Path(sys.executable).with_name("lantai"))
PORTS = range(9250, 9270)  # a free one of these, unless LANTAI_TEST_OPENSEARCH_FAILURE_PORT


def node_port() -> str:
    """A port for this module's node that no other process (another test run) listens on."""
    if os.environ.get("LANTAI_TEST_OPENSEARCH_FAILURE_PORT"):
        return os.environ["LANTAI_TEST_OPENSEARCH_FAILURE_PORT"]
    return str(free_port(PORTS))


class Node:
    """A node of its own for this module, driven through ``scripts/opensearch``."""

    def __init__(self, port: str, data: Path) -> None:
        self.port = port
        self.env = {**os.environ, "LANTAI_OPENSEARCH_PORT": port, "LANTAI_OPENSEARCH_DATA": str(data)}
        self.url = f"http://127.0.0.1:{port}"

    def _run(self, command: str, timeout: float) -> subprocess.CompletedProcess:
        return opensearch_script(command, timeout, self.env)

    def start(self) -> None:
        """Start the node and wait until it is healthy; fail the test with the script's words."""
        self.url = start_opensearch(self.env)

    def stop(self) -> None:
        """Stop the node (SIGTERM, then SIGKILL); fine when it is not running."""
        done = self._run("stop", 120)
        assert done.returncode == 0, done.stderr

    def pid(self) -> int:
        """Process id of the running node, from ``scripts/opensearch status``."""
        status = self._run("status", 60).stdout
        match = re.search(r"pid=(\d+)", status)
        assert match, status
        return int(match.group(1))


@pytest.fixture(scope="module")
def node(tmp_path_factory) -> Iterator[Node]:
    """This module's node, stopped when the module is done."""
    node = Node(node_port(), tmp_path_factory.mktemp("opensearch-data"))
    node.start()
    try:
        yield node
    finally:
        node.stop()


def settings_for(node: Node, tmp_path: Path, timeout: float = 2.0) -> Settings:
    """Settings on a fresh data dir and a fresh index prefix on ``node``."""
    return load_settings(
        env={},
        data_dir=str(tmp_path / "data"),
        backend="opensearch",
        opensearch_url=node.url,
        index=f"t{uuid.uuid4().hex}",
        search_timeout=timeout,
    )


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    """Run ``lantai`` with ``settings`` given as environment variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTAI_")}
    env.update(
        LANTAI_DATA_DIR=str(settings.data_dir),
        LANTAI_BACKEND=settings.backend,
        LANTAI_OPENSEARCH_URL=settings.opensearch_url,
        LANTAI_INDEX=settings.index,
        LANTAI_SEARCH_TIMEOUT=str(settings.search_timeout),
    )
    return subprocess.run(
        [LANTAI, *args], env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )


def rows(prefix: str, count: int) -> list[dict]:
    return [
        record(f"{prefix}-{n:04d}", f"关于第{n}批土地改革工作的报告", text=f"寶雞縣第{n}區土地改革工作。")
        for n in range(1, count + 1)
    ]


def cleanup(lantai) -> None:
    """Delete the test's indices (when the node answers) and close the runtime."""
    try:
        lantai.backend.drop()
    except BackendUnavailable:
        pass
    finally:
        lantai.close()


def assert_unavailable(response, started: float, timeout: float) -> None:
    """A 503 within the timeout, with a message and no stack trace."""
    elapsed = time.monotonic() - started
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body
    assert elapsed < timeout + 1.5, f"answered after {elapsed:.1f}s"
    assert "Traceback" not in body and "opensearchpy" not in body and 'File "' not in body


def test_deep_pages_walk_with_search_after(node, tmp_path, monkeypatch):
    lantai = open_lantai(settings_for(node, tmp_path))
    try:
        dates = ["1950-03-01", "1950-03", "1950", "", "1951-12-31"]
        path = write_jsonl(
            tmp_path / "a.jsonl",
            [
                record(
                    f"D-{n:03d}",
                    f"关于第{n}批土地改革的报告",
                    date=dates[n % 5],
                    text="土地改革" * (1 + n % 4),
                    access="catalog_only" if n % 6 == 0 else "open",
                )
                for n in range(1, 41)
            ],
        )
        assert lantai.ingester.ingest([path]).not_indexed == 0
        for sort in SORTS:

            def page(number: int, size: int, sort: str = sort) -> dict:
                request = parse_request(
                    {"q": "土地改革", "sort": sort, "size": str(size), "page": str(number)}, lantai.settings
                )
                return lantai.search.search(request, PUBLIC)

            whole = page(1, 40)
            assert whole["total"] == 40
            monkeypatch.setattr(opensearch_backend, "MAX_WINDOW", 7)  # pages past 7 walk
            pages = [page(n, 5) for n in range(1, 10)]
            monkeypatch.undo()
            assert [h["id"] for p in pages for h in p["hits"]] == [h["id"] for h in whole["hits"]]
            assert [h["visibility"] for p in pages for h in p["hits"]] == [
                h["visibility"] for h in whole["hits"]
            ]
            assert all(p["total"] == 40 and p["facets"] == whole["facets"] for p in pages)
            assert pages[-1]["hits"] == []
    finally:
        cleanup(lantai)


def test_a_node_slower_than_the_timeout_answers_503(node, tmp_path):
    settings = settings_for(node, tmp_path, timeout=1.0)
    app = create_app(settings)
    client = app.test_client()
    lantai = lantai_of(app)
    try:
        report = lantai.ingester.ingest([write_jsonl(tmp_path / "a.jsonl", rows("S", 3))])
        assert (report.added, report.not_indexed) == (3, 0), report.errors
        assert client.get("/api/v1/search?q=土地改革").get_json()["total"] == 3
        pid = node.pid()
        os.kill(pid, signal.SIGSTOP)  # the node accepts connections but never answers
        try:
            started = time.monotonic()
            response = client.get("/api/v1/search?q=土地改革")
            assert_unavailable(response, started, settings.search_timeout)
            assert "unavailable" in response.get_json()["error"]
            started = time.monotonic()
            assert_unavailable(client.get("/search?q=土地改革"), started, settings.search_timeout)
        finally:
            os.kill(pid, signal.SIGCONT)
        assert client.get("/api/v1/search?q=土地改革").get_json()["total"] == 3
    finally:
        cleanup(lantai)


def test_reindex_switches_the_alias_while_searches_keep_answering(node, tmp_path):
    settings = settings_for(node, tmp_path, timeout=5.0)
    app = create_app(settings)
    lantai = lantai_of(app)
    backend = lantai.backend
    try:
        report = lantai.ingester.ingest([write_jsonl(tmp_path / "a.jsonl", rows("R", 400))])
        assert (report.added, report.not_indexed) == (400, 0), report.errors
        before = set(backend.client.indices.get_alias(name=settings.index))
        answers: list[object] = []
        stop = threading.Event()

        def search_meanwhile() -> None:
            request = parse_request({"q": "土地改革", "size": "5"}, settings)
            while not stop.is_set() and len(answers) < 5000:
                try:
                    answers.append(lantai.search.search(request, PUBLIC)["total"])
                except Exception as exc:  # noqa: BLE001 - any failure is the finding
                    answers.append(exc)

        thread = threading.Thread(target=search_meanwhile)
        thread.start()
        try:
            assert reindex(lantai.store, backend) == 400
            time.sleep(0.2)
        finally:
            stop.set()
            thread.join(60)
        assert answers and all(a == 400 for a in answers), [a for a in answers if a != 400][:3]
        after = set(backend.client.indices.get_alias(name=settings.index))
        assert len(after) == 1 and not after & before
        assert not backend.client.indices.exists(index=",".join(before))
        assert backend.ids() == {f"test-city/R-{n:04d}" for n in range(1, 401)}
    finally:
        cleanup(lantai)


def test_node_down_then_ingest_keeps_the_catalog_and_reindex_repairs(node, tmp_path):
    settings = settings_for(node, tmp_path)
    app = create_app(settings)
    client = app.test_client()
    lantai = lantai_of(app)
    try:
        report = lantai.ingester.ingest([write_jsonl(tmp_path / "a.jsonl", rows("A", 2))])
        assert (report.added, report.not_indexed) == (2, 0), report.errors
        assert client.get("/api/v1/search?q=土地改革").get_json()["total"] == 2

        node.stop()
        started = time.monotonic()
        response = client.get("/api/v1/search?q=土地改革")
        assert_unavailable(response, started, settings.search_timeout)
        assert response.get_json() == {"error": "search is temporarily unavailable; please try again shortly"}
        started = time.monotonic()
        assert_unavailable(client.get("/search?q=土地改革"), started, settings.search_timeout)
        started = time.monotonic()
        assert_unavailable(client.get("/api/v1/suggest?q=关于"), started, settings.search_timeout)

        # Ingest while the node is down: stored in the catalog, reported as not indexed.
        done = cli(settings, "ingest", "--json", str(write_jsonl(tmp_path / "b.jsonl", rows("B", 3))))
        assert done.returncode == 1, done.stderr
        summary = json.loads(done.stdout)
        assert (summary["added"], summary["failed"], summary["not_indexed"]) == (3, 0, 3)
        assert "reindex" in summary["errors"][0]["message"]
        assert "Traceback" not in done.stderr
        assert lantai.store.count() == 5

        done = cli(settings, "reindex")  # cannot repair yet: says so, changes nothing
        assert done.returncode == 1
        assert "did not answer" in done.stderr and "Traceback" not in done.stderr

        node.start()
        done = cli(settings, "reindex")
        assert done.returncode == 0, done.stderr
        assert "5 records indexed" in done.stderr
        data = client.get("/api/v1/search?q=土地改革&size=10").get_json()
        assert data["total"] == 5
        assert {h["archive_code"] for h in data["hits"]} >= {"B-0001", "B-0002", "B-0003"}
        assert len(lantai.backend.client.indices.get_alias(name=settings.index)) == 1
    finally:
        cleanup(lantai)
