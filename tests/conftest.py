"""Shared fixtures: a fresh data dir, a runtime on it, a Flask test client."""

from __future__ import annotations

import email
import json
import re
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterable
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient

from app import create_app
from app.runtime import Lantai, open_lantai
from config import Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


CATALOGS = ("sqlite", "postgresql")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "both_catalogs: run the module's tests on a SQLite and on a PostgreSQL catalog"
    )


def pytest_generate_tests(metafunc):
    """Tests of modules marked ``both_catalogs`` run once per catalog store."""
    if "catalog_url" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_catalogs"):
        metafunc.parametrize("catalog_url", CATALOGS, indirect=True)


def started_url(script: str, run: Callable[[], subprocess.CompletedProcess]) -> str:
    """The URL that ``scripts/SCRIPT start`` (called by ``run``) prints last; when the server
    cannot be started the test fails with the script's own words: it is never skipped."""
    try:
        started = run()
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.fail(f"scripts/{script} start could not run: {exc}", pytrace=False)
    lines = started.stdout.strip().splitlines()
    if started.returncode != 0 or not lines:
        pytest.fail(
            f"scripts/{script} start failed (exit {started.returncode}):\n{started.stderr.strip()[-3000:]}",
            pytrace=False,
        )
    return lines[-1].strip()


def postgres_script(command: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``scripts/postgres start|stop|status`` (the project's way to run PostgreSQL)."""
    return subprocess.run(
        [str(REPO / "scripts" / "postgres"), command],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """URL of the project's PostgreSQL server (``scripts/postgres start``), once per session."""
    return started_url("postgres", lambda: postgres_script("start"))


def postgres_database(server: str, name: str, drop: bool = False) -> str:
    """Create (or drop) database ``name`` on ``server``; returns its URL."""
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def catalog_url(request) -> str:
    """The catalog's URL: ``""`` (a SQLite file in the data dir) unless the module is marked
    ``both_catalogs``, whose tests also run on a fresh database of the project's PostgreSQL,
    dropped after the test."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield ""
        return
    server = request.getfixturevalue("postgres_server")
    name = f"t{uuid.uuid4().hex[:16]}"
    yield postgres_database(server, name)
    postgres_database(server, name, drop=True)


@pytest.fixture
def settings(tmp_path: Path, catalog_url: str) -> Settings:
    """Settings on an empty data dir with the embedded backend.

    Entity extraction (on by default, ``ingest_entities``) is off here, as most tests do
    not look at entities and the model is slow; tests of entities use
    :func:`default_settings`.
    """
    return load_settings(
        env={},
        data_dir=str(tmp_path / "data"),
        backend="sqlite",
        ingest_entities=False,
        database_url=catalog_url,
    )


@pytest.fixture
def default_settings(tmp_path: Path, catalog_url: str) -> Settings:
    """Settings as an installation gets them (entities extracted at ingest), on an empty
    data dir with the embedded backend."""
    return load_settings(env={}, data_dir=str(tmp_path / "data"), backend="sqlite", database_url=catalog_url)


@pytest.fixture
def lantai(settings: Settings) -> Lantai:
    """A runtime (catalog + index) on a fresh data dir."""
    runtime = open_lantai(settings)
    yield runtime
    runtime.close()


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment for a ``lantai`` command on the catalog and data dir of ``settings``
    (no other ``LANTAI_*`` variable of this process leaks in)."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTAI_")}
    env["LANTAI_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["LANTAI_DATABASE_URL"] = settings.database_url
    env.update(extra)
    return env


def free_port(candidates: Iterable[int] = (0,)) -> int:
    """A local TCP port no process listens on: one the system picks, or the first free one of
    ``candidates``; the test fails when none is free."""
    for port in candidates:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind theirs
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    pytest.fail(f"no free local port among {candidates}", pytrace=False)


def csrf_token(page: str) -> str:
    """The CSRF token of the (first) form on an HTML page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def csrf(client, url: str = "/login") -> str:
    """The CSRF token a Flask test client's session gets on page ``url``."""
    return csrf_token(client.get(url).get_data(as_text=True))


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    """Write rows as a JSON lines file and return its path."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def add_workspace_users(lantai: Lantai, password: str) -> None:
    """Two researchers (``res1``, ``res2``) and an admin of every archive (``boss``), the
    accounts of the workspace tests."""
    lantai.users.add("res1", "researcher", password)
    lantai.users.add("res2", "researcher", password)
    lantai.users.add("boss", "admin", password, ("*",), clearance=True)


def record(code: str, title: str, **fields) -> dict:
    """An input row for archive ``test-city`` with sensible defaults (open, unclassified)."""
    row = {
        "archive": "test-city",
        "archive_code": code,
        "title": title,
        "date": "1950-03-01",
        "record_type": "文书",
        "access": "open",
        "classification": "无",
    }
    row.update(fields)
    return row


class BufferedClient(FlaskClient):
    """A test client that reads each answer whole and closes its body (a sent file, say)."""

    def open(self, *args, buffered: bool = True, **kwargs):  # type: ignore[override]
        """As :meth:`FlaskClient.open`, buffered unless told otherwise."""
        return super().open(*args, buffered=buffered, **kwargs)


def buffered_client(app) -> BufferedClient:
    """A :class:`BufferedClient` of ``app``."""
    app.test_client_class = BufferedClient
    return app.test_client()


@pytest.fixture
def client(settings: Settings):
    """A Flask test client on a fresh data dir."""
    app = create_app(settings)
    app.config.update(TESTING=True)
    return buffered_client(app)


def answer_without_path(response, path: str) -> tuple[int, bytes, dict]:
    """Status, body and headers of a response with its own request path blanked out.

    Pages may link to themselves (e.g. a language switch); two 404s are alike when
    they differ in nothing else.
    """
    body = response.data.replace(path.encode("utf-8"), b"PATH")
    headers = {k: v for k, v in response.headers.items() if k != "Content-Length"}
    return response.status_code, body, headers


def tokens_in_a_fresh_process(settings: Settings, text: str) -> list[str]:
    """How a new process, having opened the catalog of ``settings``, segments ``text`` for a
    query (learned words come from the catalog, not from this process's memory)."""
    code = (
        "import json; from app.runtime import open_lantai; from config import load_settings;"
        "from analyzers.segment import query_tokens;"
        f"open_lantai(load_settings(env={{}}, data_dir={str(settings.data_dir)!r}, "
        f"database_url={settings.database_url!r}));"
        f"print(json.dumps(query_tokens({text!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


OPENSEARCH_SCRIPT = REPO / "scripts" / "opensearch"


def opensearch_script(
    command: str, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run ``scripts/opensearch start|stop|status`` (the project's way to run a node)."""
    return subprocess.run(
        [str(OPENSEARCH_SCRIPT), command],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def start_opensearch(env: dict[str, str] | None = None) -> str:
    """Start a real OpenSearch node (or find it running) and return its URL."""
    return started_url("opensearch", lambda: opensearch_script("start", 900, env))


# -- a real SMTP server (aiosmtpd), for mail the service sends -----------------------------


class Inbox:
    """An SMTP handler keeping what it receives; refuses recipients named in ``refuse``."""

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.received: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp_server():
    """Start a real SMTP server; yields ``(url, inbox, controller)``, stopped after the test."""
    servers = []

    def start(refuse: tuple[str, ...] = (), **options):
        inbox = Inbox(refuse)
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
        controller.start()
        servers.append(controller)
        return f"smtp://127.0.0.1:{controller.port}", inbox

    yield start
    for controller in servers:
        controller.stop()
