"""Discovery (清点), the first stage of ingest: which input files a run has.

The files and folders given are walked (sorted, hidden names skipped) into catalog exports
(JSON lines, CSV, XLSX) and page files, with the 档号 a page file's name gives
(``J001-001-0001.pdf``, ``J001-001-0001_003.txt`` for page 3).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from indexer.files import page_kind
from indexer.layout_images import named_images, resolve_image

CATALOG_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".xlsx")

_NAMED = re.compile(r"^(?P<code>[A-Za-z0-9][A-Za-z0-9._·-]*?)(?:_(?P<page>\d{1,5}))?$")


@dataclass
class Discovery:
    """The input files of a run: catalog exports and page files (with size and mtime)."""

    roots: list[str] = field(default_factory=list)
    catalogs: list[str] = field(default_factory=list)
    pages: dict[str, tuple[int, int]] = field(default_factory=dict)
    named: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # code -> (path, start)
    unnamed: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    scans: dict[str, str] = field(default_factory=dict)  # scan named by a layout file -> that file

    def gone(self, path: str) -> bool:
        """True for a file under the given roots that this run did not find (deleted)."""
        return any(under(path, root) for root in self.roots) and path not in self.pages


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
    stem = Path(path).name
    for suffix in (".hocr.html", ".hocr.htm", ".alto.xml"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    else:
        stem = Path(path).stem
    match = _NAMED.match(stem)
    if not match or not any(c.isdigit() for c in match.group("code")):
        return None
    page = int(match.group("page")) if match.group("page") else 1
    return match.group("code"), max(page, 1)


def _classify(path: str, found: Discovery, stat: os.stat_result) -> None:
    suffix = os.path.splitext(path)[1].lower()
    if suffix in CATALOG_SUFFIXES:
        found.catalogs.append(path)
    elif page_kind(Path(path)):
        found.pages[path] = (stat.st_size, stat.st_mtime_ns)
        named = named_code(path)
        if named:
            found.named.setdefault(named[0], []).append((path, named[1]))
        else:
            found.unnamed.append(path)
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
                    if suffix in CATALOG_SUFFIXES or page_kind(Path(name)):
                        _classify(path, found, stat)
        elif os.path.exists(root):
            _classify(root, found, os.stat(root))
        else:
            found.missing.append(str(given))
    _leave_out_scans(found)
    return found


def _leave_out_scans(found: Discovery) -> None:
    """Scans named by an hOCR or ALTO file of the run are that file's page images, not page
    files of their own: they are not attached by their names (a catalog row may still list
    one), so they are neither OCR'd again nor a clash with the layout file's pages."""
    kinds = {path: page_kind(Path(path)) for path in found.pages}
    if "image" not in kinds.values():
        return
    for path, kind in kinds.items():
        if kind not in ("hocr", "alto"):
            continue
        root = next((r for r in found.roots if under(path, r)), "")
        for name in named_images(path):
            scan, _reason = resolve_image(path, name, root if root != path else os.path.dirname(root))
            if scan is not None and kinds.get(scan) == "image":
                found.scans[scan] = path
    if not found.scans:
        return
    found.unnamed = [p for p in found.unnamed if p not in found.scans]
    for code in list(found.named):
        found.named[code] = [(p, start) for p, start in found.named[code] if p not in found.scans]
        if not found.named[code]:
            del found.named[code]


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Input files: the files given, and the readable files under the folders given."""
    found = discover_inputs(paths)
    yield from (Path(p) for p in sorted([*found.catalogs, *found.pages, *found.unsupported]))
