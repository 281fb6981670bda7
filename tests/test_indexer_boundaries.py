"""The indexer reaches the catalog through the store's operations only: no module of
``indexer/`` imports SQLAlchemy, uses a store's engine or imports the catalog's tables or
private helpers, and none reads a test setting from the environment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

INDEXER = Path(__file__).resolve().parent.parent / "indexer"


def back_doors(tree: ast.AST) -> list[str]:
    """What a module's syntax tree uses of the catalog's insides, as ``line: what``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names
                      if a.name.split(".")[0] == "sqlalchemy"]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.split(".")[0] == "sqlalchemy":
                found.append(f"{node.lineno}: from {module}")
            elif module.startswith("catalog"):
                found += [f"{node.lineno}: {a.name} from {module}" for a in node.names
                          if a.name.startswith("_") or a.name.endswith("_table")]
        elif isinstance(node, ast.Attribute) and node.attr == "engine":
            found.append(f"{node.lineno}: .engine")
    return found


def test_the_check_sees_each_kind_of_back_door():
    source = ("from sqlalchemy import select\nimport sqlalchemy.orm\n"
              "from catalog.store import _record, records_table\nstore.engine.connect()\n")
    assert [line.split(": ", 1)[1] for line in back_doors(ast.parse(source))] == [
        "from sqlalchemy", "import sqlalchemy.orm", "_record from catalog.store",
        "records_table from catalog.store", ".engine"]


@pytest.mark.parametrize("module", sorted(p.name for p in INDEXER.glob("*.py")))
def test_no_indexer_module_touches_the_catalogs_insides(module):
    path = INDEXER / module
    assert back_doors(ast.parse(path.read_text(encoding="utf-8"))) == [], path


@pytest.mark.parametrize("module", sorted(p.name for p in INDEXER.glob("*.py")))
def test_no_indexer_module_reads_a_test_setting(module):
    """Test seams are callbacks passed in (indexer.write.IngestHooks), never the environment."""
    names = [node.value for node in ast.walk(ast.parse((INDEXER / module).read_text(encoding="utf-8")))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and node.value.startswith("LANTAI_TEST")]
    assert names == []
