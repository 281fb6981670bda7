"""Discovery (清点), the first stage of ingest: which input files a run has.

The files and folders given are walked (sorted, hidden names skipped) into catalog exports
(JSON lines, CSV, XLSX) and page files, with the 档号 a page file's name gives
(``J001-001-0001.pdf``, ``J001-001-0001_003.txt`` for page 3).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from indexer.files import page_kind
from indexer.inventory import Inventory
from indexer.layout_images import named_images, resolve_image

CATALOG_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".xlsx")

_NAMED = re.compile(r"^(?P<code>[A-Za-z0-9][A-Za-z0-9._·-]*?)(?:_(?P<page>\d{1,5}))?$")


@dataclass
class Discovery:
    """The input files of a run: catalog exports, and the page files in an :class:`Inventory`
    on disk (with size, mtime and the 档号 their names give)."""

    roots: list[str] = field(default_factory=list)
    catalogs: list[str] = field(default_factory=list)
    inventory: Inventory = field(default_factory=Inventory)
    unsupported: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def gone(self, path: str) -> bool:
        """True for a file under the given roots that this run did not find (deleted)."""
        return any(under(path, root) for root in self.roots) and path not in self.inventory

    def close(self) -> None:
        """Throw the inventory away (at the end of the run)."""
        self.inventory.close()


def under(path: str, root: str) -> bool:
    """True when ``path`` is ``root`` or below it."""
    return path == root or path.startswith(root.rstrip("/") + "/")


def named_code(path: str) -> tuple[str, int] | None:
    """The 档号 and first page number a file name gives, or None when it names no 档号.

    >>> named_code("/in/J001-001-0001_003.txt"), named_code("/in/J001-001-0001.pdf")
    (('J001-001-0001', 3), ('J001-001-0001', 1))
    >>> named_code("/in/说明.txt") is None, named_code("/in/readme.txt") is None
    (True, True)
    """
    stem = os.path.basename(path)
    for suffix in (".hocr.html", ".hocr.htm", ".alto.xml"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    else:
        stem = os.path.splitext(stem)[0]
    match = _NAMED.match(stem)
    if not match or not any(c.isdigit() for c in match.group("code")):
        return None
    page = int(match.group("page")) if match.group("page") else 1
    return match.group("code"), max(page, 1)


def _classify(path: str, found: Discovery, stat: os.stat_result) -> None:
    suffix = os.path.splitext(path)[1].lower()
    if suffix in CATALOG_SUFFIXES:
        found.catalogs.append(path)
    elif kind := page_kind(path):
        found.inventory.add_page(path, stat.st_size, stat.st_mtime_ns, kind, named_code(path))
    else:
        found.unsupported.append(path)


def discover_inputs(paths: Iterable[Path]) -> Discovery:
    """Walk files and folders (sorted, hidden names skipped) into a :class:`Discovery`."""
    found = Discovery()
    for given in paths:
        root = os.path.abspath(given)
        found.roots.append(root)
        if os.path.isdir(root):
            for folder, dirs, names in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if name.startswith("."):
                        continue
                    path = os.path.join(folder, name)
                    try:
                        stat = os.stat(path)
                    except OSError:
                        continue
                    suffix = os.path.splitext(name)[1].lower()
                    if suffix in CATALOG_SUFFIXES or page_kind(name):
                        _classify(path, found, stat)
        elif os.path.exists(root):
            _classify(root, found, os.stat(root))
        else:
            found.missing.append(str(given))
    found.inventory.close_discovery()
    _leave_out_scans(found)
    return found


def _leave_out_scans(found: Discovery) -> None:
    """Scans named by an hOCR or ALTO file of the run are that file's page images, not page
    files of their own: they are not attached by their names (a catalog row may still list
    one), so they are neither OCR'd again nor a clash with the layout file's pages."""
    inventory = found.inventory
    if not inventory.image_pages:
        return
    for path in inventory.layout_files():
        root = next((r for r in found.roots if under(path, r)), "")
        for name in named_images(path):
            scan, _reason = resolve_image(path, name, root if root != path else os.path.dirname(root))
            if scan is not None:
                inventory.mark_scan(scan, path)
