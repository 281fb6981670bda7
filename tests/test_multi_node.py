"""Several service nodes on one PostgreSQL catalog and one OpenSearch index: two real
``lantai serve`` processes agree at once on a decision saved through either of them; and a
PostgreSQL URL without its driver installed is refused with the extra to install."""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from config import load_settings
from tests.conftest import (
    cli_env,
    csrf_token,
    free_port,
    postgres_database,
    record,
    start_opensearch,
    write_jsonl,
)

LANTAI = str(Path(sys.executable).with_name("lantai"))
PASSWORD = "correct horse battery staple"


@contextmanager
def serve(env: dict[str, str], log: Path) -> Iterator[str]:
    """``lantai serve`` on a free port; yields its base URL and stops it after."""
    port = free_port()
    with open(log, "w") as out:
        process = subprocess.Popen(
            [LANTAI, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"lantai serve exited: {log.read_text()}"
            try:
                urllib.request.urlopen(base + "/api/v1/search?q=x", timeout=10).read()
                break
            except (urllib.error.URLError, OSError):
                assert time.monotonic() < deadline, f"lantai serve did not answer: {log.read_text()}"
                time.sleep(0.3)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def public_total(base: str, q: str) -> int:
    with urllib.request.urlopen(f"{base}/api/v1/search?q={urllib.parse.quote(q)}", timeout=30) as r:
        return json.load(r)["total"]


def signed_in(base: str, name: str) -> urllib.request.OpenerDirector:
    """A browser-like session of ``name`` on one node (cookie and CSRF token)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/login", timeout=30).read().decode("utf-8")
    form = urllib.parse.urlencode({"name": name, "password": PASSWORD, "csrf_token": csrf_token(page)})
    opener.open(base + "/login", data=form.encode(), timeout=30).read()
    return opener


def decide(session: urllib.request.OpenerDirector, base: str, record_id: str, decision: str) -> None:
    page = session.open(base + "/staff/queue", timeout=30).read().decode("utf-8")
    form = urllib.parse.urlencode(
        {
            "id": record_id,
            "decision": decision,
            "reason": "联合审核",
            "next_review": "2030-01-01",
            "csrf_token": csrf_token(page),
        }
    )
    session.open(base + "/staff/decisions", data=form.encode(), timeout=30).read()


def test_two_nodes_on_one_catalog_and_index_agree_at_once(tmp_path, postgres_server):
    database = f"nodes{uuid.uuid4().hex[:12]}"
    catalog = postgres_database(postgres_server, database)
    shared = dict(
        LANTAI_BACKEND="opensearch",
        LANTAI_OPENSEARCH_URL=start_opensearch(),
        LANTAI_INDEX=f"nodes{uuid.uuid4().hex[:8]}",
        LANTAI_INGEST_ENTITIES="false",
        LANTAI_SECRET_KEY="one secret for every node",
        LANTAI_PASSWORD=PASSWORD,
    )
    rows = write_jsonl(
        tmp_path / "rows.jsonl",
        [
            record("J1-1", "关于宝鸡解放的报告", access="unreviewed", date="1949-07-14"),
            record("J1-2", "关于兴修水利的报告", access="open"),
        ],
    )
    try:
        for node in ("one", "two"):  # each node has its own data dir; they share the rest
            (tmp_path / node).mkdir()
        first, second = (
            cli_env(load_settings(env={}, data_dir=str(tmp_path / node), database_url=catalog), **shared)
            for node in ("one", "two")
        )
        for command in (
            ["ingest", str(rows), "--quiet"],
            ["user", "add", "shen", "--role", "reviewer", "--archive", "test-city"],
        ):
            done = subprocess.run([LANTAI, *command], env=first, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
        with serve(first, tmp_path / "one.log") as one, serve(second, tmp_path / "two.log") as two:
            closed = "/api/v1/records/test-city/J1-1"
            assert (status_of(one + closed), status_of(two + closed)) == (404, 404)
            assert (public_total(one, "宝鸡"), public_total(two, "宝鸡")) == (0, 0)

            decide(signed_in(one, "shen"), one, "test-city/J1-1", "open")
            assert (status_of(one + closed), status_of(two + closed)) == (200, 200)
            assert (public_total(one, "宝鸡"), public_total(two, "宝鸡")) == (1, 1)

            decide(signed_in(two, "shen"), two, "test-city/J1-1", "controlled")
            assert (status_of(one + closed), status_of(two + closed)) == (404, 404)
            assert (public_total(one, "宝鸡"), public_total(two, "宝鸡")) == (0, 0)
    finally:
        postgres_database(postgres_server, database, drop=True)


def test_a_postgresql_url_without_its_driver_names_the_extra(tmp_path):
    env = cli_env(
        load_settings(env={}, data_dir=str(tmp_path), database_url="postgresql://lantai@127.0.0.1/x")
    )
    without_driver = (
        "import sys; sys.modules['psycopg'] = None; from app.cli import main; "
        "sys.exit(main(['search', '宝鸡']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", without_driver], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "pip install 'lantai[postgres]'" in done.stderr and "database_url" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("url", ["postgresql://u@h/db", "postgres://u@h/db"])
def test_postgresql_urls_use_the_installed_driver(url):
    from config import load_settings

    assert load_settings(env={}, database_url=url).catalog_url == "postgresql+psycopg://u@h/db"
