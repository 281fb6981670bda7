"""Browser tests: a real ``lantai serve`` (gunicorn) over the sample records, driven by
Debian's Chromium in headless mode through Playwright.

Playwright's own browser downloads are never used (``playwright install`` is not run):
Chromium is ``/usr/bin/chromium`` (``scripts/ensure-packages browser`` installs it; override the
path with ``LANTAI_CHROMIUM``). When it cannot be started the tests fail with the reason;
they are never skipped. Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

from app.runtime import open_lantai
from catalog.policy import public_visibility
from config import load_settings
from tests.conftest import REPO, SAMPLES, free_port

CHROMIUM = os.environ.get("LANTAI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts" / "browser"
LANTAI = str(Path(sys.executable).with_name("lantai"))
SAMPLE_FILES = sorted(
    p for p in SAMPLES.iterdir() if p.suffix in (".jsonl", ".csv") and not p.name.startswith("bad-")
)


@dataclass
class Site:
    """The running server and what the tests know about its records."""

    base: str
    closed_titles: list[str]
    data_dir: Path
    log: Path

    def url(self, path: str) -> str:
        return self.base + path


def _closed_titles(data_dir: Path) -> list[str]:
    """Titles of sample records the public may not see (status not open/catalog_only, or
    classified), leaving out any that also occurs in what a visible record shows."""
    runtime = open_lantai(load_settings(env={}, data_dir=str(data_dir), backend="sqlite"))
    try:
        records = list(runtime.store.iter_records())
    finally:
        runtime.close()
    closed = [r for r in records if public_visibility(r.access, r.classification) == "none"]
    shown = "\n".join(
        f"{r.title}\n{r.description}\n{r.text}\n{' '.join(r.subjects)}"
        for r in records
        if public_visibility(r.access, r.classification) != "none"
    )
    titles = [r.title for r in closed if r.title not in shown]
    assert len(titles) >= 40, "the samples should have many closed records"
    return titles


@contextmanager
def serving(data_dir: Path, inputs: list[Path]) -> Iterator[tuple[str, Path]]:
    """``lantai ingest`` some inputs into ``data_dir/data``, then ``lantai serve`` it on a free
    port; yields the base URL and the server's log, and stops the server after."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTAI_")}
    env.update(LANTAI_DATA_DIR=str(data_dir / "data"), LANTAI_BACKEND="sqlite")
    done = subprocess.run(
        [LANTAI, "ingest", *map(str, inputs)], env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr
    port = free_port()
    log = data_dir / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [LANTAI, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise AssertionError(f"lantai serve exited: {log.read_text()}")
            try:
                urllib.request.urlopen(base + "/", timeout=10).read()
                break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise AssertionError(f"lantai serve did not answer: {log.read_text()}") from None
                time.sleep(0.3)
        yield base, log
    finally:
        # gunicorn's master stops its workers on SIGTERM; the group is the one we started.
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Site:
    """``lantai ingest`` the samples into a fresh data dir, then ``lantai serve`` it on a free port."""
    data_dir = tmp_path_factory.mktemp("browser-site")
    with serving(data_dir, SAMPLE_FILES) as (base, log):
        closed = _closed_titles(data_dir / "data")
        yield Site(base=base, closed_titles=closed, data_dir=data_dir, log=log)


def start_chromium(playwright, **options) -> BrowserContext:
    """Debian's Chromium, headless, in a fresh user data dir; fails with the reason."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: run scripts/ensure-packages browser "
            "(apt-get install chromium)",
            pytrace=False,
        )
    profile = tempfile.mkdtemp(prefix="lantai-chromium-")
    atexit.register(shutil.rmtree, profile, ignore_errors=True)  # after the browser has closed
    try:
        return playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, locale="zh-CN", **options
        )
    except Exception as error:  # any failure to start is the reason to report
        pytest.fail(f"Chromium ({CHROMIUM}) could not be started: {error}", pytrace=False)


@pytest.fixture(scope="session")
def playwright_driver():
    with sync_playwright() as playwright:
        yield playwright


@dataclass
class Visits:
    """Everything an anonymous visitor's browser was shown, to check for closed titles."""

    site: Site
    pages: list[tuple[str, str]] = field(default_factory=list)
    urls: set[str] = field(default_factory=set)

    def snapshot(self, page: Page) -> str:
        """Keep the current DOM (including what scripts added) and return it."""
        html = page.content()
        self.pages.append((page.url, html))
        return html

    def assert_no_closed_titles(self) -> None:
        """No closed title in any DOM seen, nor in any answer the server sent the browser."""
        bodies = list(self.pages)
        for url in sorted(self.urls):
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    bodies.append((url, response.read().decode("utf-8", "replace")))
            except urllib.error.HTTPError as error:
                bodies.append((url, error.read().decode("utf-8", "replace")))
        assert bodies
        for url, body in bodies:
            leaked = [t for t in self.site.closed_titles if t in body]
            assert not leaked, f"closed record titles shown at {url}: {leaked}"


def _new_page(context: BrowserContext, site: Site, visits: Visits) -> Page:
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(15_000)
    page.on(
        "request",
        lambda r: visits.urls.add(r.url) if r.url.startswith(site.base) and "/static/" not in r.url else None,
    )
    return page


@pytest.fixture
def visits(site) -> Visits:
    return Visits(site)


@pytest.fixture
def page(playwright_driver, site, visits):
    """A desktop-sized page in a fresh Chromium profile."""
    context = start_chromium(
        playwright_driver,
        viewport={"width": 1280, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    try:
        yield _new_page(context, site, visits)
    finally:
        context.close()


@pytest.fixture
def phone(playwright_driver, site, visits):
    """A 360 × 740 phone-sized page with touch, in a fresh Chromium profile."""
    context = start_chromium(
        playwright_driver,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        yield _new_page(context, site, visits)
    finally:
        context.close()


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
