"""Serving and querying for the search benchmark: ``lantai serve`` on a free port, and
bounded load from concurrent clients (``drive``), with the latencies kept per query.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from config import Settings


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes ``lantai`` load ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANTAI_")}
    env.update(
        LANTAI_DATA_DIR=str(settings.data_dir),
        LANTAI_BACKEND=settings.backend,
        LANTAI_OPENSEARCH_URL=settings.opensearch_url,
        LANTAI_INDEX=settings.index,
        LANTAI_SEARCH_TIMEOUT=str(settings.search_timeout),
        LANTAI_SEARCH_CACHE_SIZE=str(settings.search_cache_size),
    )
    return env


class Server:
    """``lantai serve`` (gunicorn) on a free loopback port."""

    def __init__(self, settings: Settings, workers: int, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        lantai = str(Path(sys.executable).with_name("lantai"))
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [lantai, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)],
            env=settings_env(settings),
            stdout=self.log,
            stderr=self.log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"lantai serve exited with {self.proc.returncode}; see {log}")
            try:
                with urllib.request.urlopen(self.base + "/api/v1/search?q=", timeout=5):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"lantai serve did not answer within 120 s; see {log}")

    def stop(self) -> None:
        """Stop gunicorn and its workers."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


@dataclass
class Load:
    """Latencies (seconds, with the index of their query) and failures of one load run."""

    timed: list[tuple[int, float]]
    errors: int
    seconds: float

    @property
    def latencies(self) -> list[float]:
        """Every answered request's latency."""
        return [t for _, t in self.timed]

    def percentile(self, p: float, only: set[int] | None = None) -> float:
        """The ``p``-th percentile latency in seconds (nearest rank), of the queries in
        ``only`` when given."""
        return percentile([t for i, t in self.timed if only is None or i in only], p)

    @property
    def rate(self) -> float:
        """Answered requests per second."""
        return len(self.timed) / self.seconds if self.seconds else 0.0


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank); NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def get(url: str) -> tuple[int, dict | None, float]:
    """GET a JSON URL: status (0 when unreachable), body, seconds taken."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            data = json.loads(response.read())
            status = response.status
    except urllib.error.HTTPError as error:
        status, data = error.code, None
    except (urllib.error.URLError, OSError):
        status, data = 0, None
    return status, data, time.perf_counter() - started


def drive(run: Callable[[int], None], clients: int, count: int, seconds: float) -> float:
    """Call ``run(n)`` for n = 0, 1, ... from ``clients`` threads, at most ``count`` calls
    and ``seconds`` seconds (a call under way is finished); the seconds it took."""
    lock = threading.Lock()
    counter = iter(range(count))
    deadline = time.monotonic() + seconds

    def work() -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            run(n)

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(work) for _ in range(clients)]:
            future.result()
    return time.monotonic() - started


def run_load(
    base: str,
    queries: list[dict[str, str]],
    clients: int,
    count: int,
    seconds: float,
    answers: dict[int, tuple] | None = None,
) -> Load:
    """Send queries (cycling through the set) from ``clients`` threads, at most ``count``
    requests and ``seconds`` seconds; record each answer's total and ids in ``answers``."""
    lock = threading.Lock()
    timed: list[tuple[int, float]] = []
    errors = 0

    def send(n: int) -> None:
        nonlocal errors
        i = n % len(queries)
        status, data, took = get(f"{base}/api/v1/search?{urllib.parse.urlencode(queries[i])}")
        with lock:
            if status != 200 or data is None:
                errors += 1
                return
            timed.append((i, took))
            if answers is not None and i not in answers:
                answers[i] = (
                    data["total"],
                    [h["id"] for h in data["hits"]],
                    data.get("total_is_exact", True),
                )

    return Load(timed, errors, drive(send, clients, count, seconds))
