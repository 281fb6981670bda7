"""The catalog has one front door: outside ``catalog/``, no module touches the SQLAlchemy
engine, a table or a private name of the catalog; they call the store's methods.

Every ``.py`` file of the repository outside ``catalog/`` and ``tests/`` is read with
``ast``; a back door is named as ``file:line: what``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Folders not walked: the catalog itself, the tests, and what is not the project's code.
SKIPPED = {"catalog", "tests", "build", "data", "var", "test-artifacts", "node_modules"}


def python_files() -> Iterator[str]:
    """Paths (relative, with ``/``) of the project's Python files outside the catalog."""
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in SKIPPED or any(
            p.startswith(".") or p == "__pycache__" or p.endswith(".egg-info") for p in parts[:-1]
        ):
            continue
        yield "/".join(parts)


def _catalog_module(name: str | None) -> bool:
    return name is not None and (name == "catalog" or name.startswith("catalog."))


def _hidden(name: str) -> bool:
    """A name of the catalog no other layer may use: private, or a table."""
    return name.startswith("_") or name.endswith("_table")


def _root(node: ast.expr) -> str | None:
    """The name a dotted expression starts from (``catalog`` in ``catalog.store._record``)."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def back_doors(source: str, filename: str = "<source>") -> list[str]:
    """``file:line: what`` for each use of the engine, sqlalchemy, a catalog table or a
    private catalog name in ``source``."""
    tree = ast.parse(source, filename=filename)
    found: list[tuple[int, str]] = []
    catalog_aliases: set[str] = set()  # names bound to a catalog module
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sqlalchemy":
                    found.append((node.lineno, f"imports {alias.name}"))
                elif alias.name == "catalog.schema":
                    found.append((node.lineno, "imports the catalog's tables (catalog.schema)"))
                elif _catalog_module(alias.name):
                    catalog_aliases.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            module = node.module or ""
            if module.split(".")[0] == "sqlalchemy":
                found.append((node.lineno, f"imports from {module}"))
            elif module == "catalog.schema":
                found.append((node.lineno, "imports the catalog's tables (catalog.schema)"))
            elif _catalog_module(module):
                for alias in node.names:
                    if alias.name == "schema":
                        found.append((node.lineno, "imports the catalog's tables (catalog.schema)"))
                    elif _hidden(alias.name):
                        found.append((node.lineno, f"imports {alias.name} from {module}"))
                    elif module == "catalog":
                        catalog_aliases.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr == "engine":
                found.append((node.lineno, "uses .engine"))
            elif _hidden(node.attr) and _root(node) in catalog_aliases:
                found.append((node.lineno, f"uses {ast.unparse(node)}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value == "engine"
        ):
            found.append((node.lineno, "uses getattr(..., 'engine')"))
    return [f"{filename}:{line}: {what}" for line, what in sorted(set(found))]


def _back_doors_of(relative: str) -> list[str]:
    return back_doors((ROOT / relative).read_text(encoding="utf-8"), relative)


def test_no_module_outside_the_catalog_uses_its_engine_tables_or_private_names():
    found = [door for relative in python_files() for door in _back_doors_of(relative)]
    assert not found, (
        "code outside catalog/ reaches past the store; add a CatalogStore "
        "method (catalog/queries.py) instead:\n" + "\n".join(found)
    )


def test_the_walk_reads_the_layers_above_the_catalog_and_not_the_catalog():
    files = set(python_files())
    assert {
        "app/cli.py",
        "app/runtime.py",
        "app/staff.py",
        "search/service.py",
        "search/pages.py",
        "indexer/ingest.py",
        "indexer/plan.py",
        "indexer/write.py",
        "bench/bulk.py",
    } <= files
    assert not any(f.startswith(("catalog/", "tests/", ".venv/")) for f in files)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "store = open_store()\nwith store.engine.connect() as conn:\n    pass\n",
            ["<source>:2: uses .engine"],
        ),
        ("x = 1\nfrom sqlalchemy import select\n", ["<source>:2: imports from sqlalchemy"]),
        ("import sqlalchemy.engine\n", ["<source>:1: imports sqlalchemy.engine"]),
        (
            "from catalog.store import CatalogStore, _record\n",
            ["<source>:1: imports _record from catalog.store"],
        ),
        (
            "from catalog.store import records_table\n",
            ["<source>:1: imports records_table from catalog.store"],
        ),
        (
            "from catalog.schema import metadata\n",
            ["<source>:1: imports the catalog's tables (catalog.schema)"],
        ),
        ("from catalog import schema\n", ["<source>:1: imports the catalog's tables (catalog.schema)"]),
        ("from catalog import pages as p\n\nrows = p.pages_table\n", ["<source>:3: uses p.pages_table"]),
        ("import catalog.store as cs\nrecord = cs._record(row)\n", ["<source>:2: uses cs._record"]),
        (
            "import catalog.store\nrows = catalog.store.records_table\n",
            ["<source>:2: uses catalog.store.records_table"],
        ),
        ("engine = getattr(lantai.store, 'engine')\n", ["<source>:1: uses getattr(..., 'engine')"]),
    ],
)
def test_the_check_finds_each_kind_of_back_door(source, expected):
    assert back_doors(source) == expected


def test_the_check_passes_code_that_uses_the_front_door():
    source = (
        "from catalog.store import CatalogStore\nfrom catalog import policy\n\n"
        "store = CatalogStore(url)\npages = store.pages_of('a', 'J1-1')\n"
        "shown = policy.view_of(audience, record)\nengine = 'jieba'\n"
    )
    assert back_doors(source) == []


def test_no_product_module_reads_a_test_setting():
    """Test seams are callbacks passed in (indexer.write.IngestHooks), never read from the
    environment by the product."""
    found = [
        f"{relative}:{node.lineno}: {node.value}"
        for relative in python_files()
        if not relative.startswith(("bench/", "config/"))
        for node in ast.walk(ast.parse((ROOT / relative).read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("LANTAI_TEST")
    ]
    assert not found, "\n".join(found)
