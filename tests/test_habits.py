"""The test suite's habits: every warning fails the test that causes it, except third-party
warnings named one by one in pyproject.toml (with a comment saying why)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import REPO

PYPROJECT = REPO / "pyproject.toml"
PROJECT = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
# Lantai's own packages (and its tests): a warning raised in them is ours to fix, never to ignore.
OURS = {
    *(name.rstrip("*") for name in PROJECT["tool"]["setuptools"]["packages"]["find"]["include"]),
    "tests",
    "bench",
    "scripts",
}
FILTERS = PROJECT["tool"]["pytest"]["ini_options"]["filterwarnings"]


def test_warnings_are_errors_first():
    assert FILTERS[0] == "error"


def test_every_exception_names_a_third_party_warning():
    for entry in FILTERS[1:]:
        action, message, category, module, *_ = [*entry.split(":"), "", "", "", ""]
        assert action == "ignore", entry
        assert category.strip(), f"{entry!r} names no warning class"
        assert module.strip() or message.strip(), f"{entry!r} names neither a module nor a message"
        if module.strip():
            top = module.strip().lstrip("^").split(".")[0].split("\\")[0]
            assert top not in OURS, f"{entry!r} ignores a warning of lantai's own code"
        else:
            assert not any(f"/{name}/" in message for name in OURS), entry


def test_every_exception_says_why():
    """Each ignore line of pyproject.toml comes right after a comment line."""
    lines = PYPROJECT.read_text(encoding="utf-8").splitlines()
    ignores = [n for n, line in enumerate(lines) if line.strip().startswith(('"ignore:', "'ignore:"))]
    assert len(ignores) == len(FILTERS) - 1
    for n in ignores:
        assert lines[n - 1].strip().startswith("#"), f"no comment above line {n + 1}: {lines[n]}"


LEAKY = """
import gc


def test_leaves_a_file_open():
    handle = open(__file__, encoding="utf-8")
    handle.read()
    del handle
    gc.collect()


def test_closes_its_file():
    with open(__file__, encoding="utf-8") as handle:
        handle.read()
"""


def run_pytest(tmp_path: Path, *config: str) -> subprocess.CompletedProcess:
    """pytest on a small test module in ``tmp_path`` (away from this suite's conftest)."""
    (tmp_path / "test_leaky.py").write_text(LEAKY, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *config,
            "--rootdir",
            str(tmp_path),
            "-p",
            "no:cacheprovider",
            "-q",
            "-rA",
            str(tmp_path / "test_leaky.py"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_leaked_file_fails_its_test_under_the_project_config(tmp_path):
    done = run_pytest(tmp_path, "-c", str(PYPROJECT))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED test_leaky.py::test_leaves_a_file_open" in done.stdout, done.stdout
    assert "PASSED test_leaky.py::test_closes_its_file" in done.stdout, done.stdout
    assert "ResourceWarning" in done.stdout


def test_without_the_setting_the_same_leak_passes(tmp_path):
    """The control: under pytest's defaults the leak is only a warning (so the failure above
    is the project's setting at work)."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    done = run_pytest(tmp_path, "-c", str(tmp_path / "pytest.ini"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def _make_rule(target: str) -> tuple[list[str], list[str]]:
    """A Makefile rule's prerequisites and its recipe lines."""
    lines = (REPO / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return lines[start].split(":", 1)[1].split(), recipe


def test_the_tests_run_after_the_linters_and_the_format_check():
    prerequisites, _ = _make_rule("test")
    assert "lint" in prerequisites
    _, recipe = _make_rule("lint")
    assert recipe == ["$(BIN)/ruff check .", "$(BIN)/ruff format --check .", "$(BIN)/mypy"]
    hooks = (REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    for command in ("ruff check", "ruff format --check", "mypy"):
        assert f".venv/bin/{command}" in hooks


def test_the_code_is_formatted():
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run([str(ruff), "format", "--check", "."], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
