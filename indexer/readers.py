"""Readers of catalog exports: JSON lines, CSV and XLSX, one module-level function per format.

Each reader yields ``(line, row)`` pairs, where ``row`` is a dict of raw values or a
:class:`RowProblem` for a line that cannot be read; a file that cannot be read at all
raises :class:`ReadError`.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024


class ReadError(ValueError):
    """A whole file cannot be read."""


@dataclass(frozen=True)
class RowProblem:
    """One line of a file that could not be read."""

    message: str


Rows = Iterator[tuple[int, "dict[str, Any] | RowProblem"]]


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030", "big5"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadError("not UTF-8, GB18030 or Big5 text")


def read_jsonl(path: Path) -> Rows:
    """Rows of a JSON lines file (one object per line; blank lines skipped)."""
    for number, line in enumerate(_decode(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, RowProblem(f"not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(value, dict):
            yield number, RowProblem(f"expected a JSON object, got {type(value).__name__}")
            continue
        yield number, value


def read_csv(path: Path) -> Rows:
    """Rows of a CSV file with a header line (English or Chinese field names)."""
    reader = csv.reader(io.StringIO(_decode(path), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise ReadError(f"unreadable CSV header: {exc}") from None
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, RowProblem(f"unreadable CSV: {exc}")
            continue
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            yield reader.line_num, RowProblem(
                f"{len(values)} columns, but the header has {len(header)}")
            continue
        yield reader.line_num, dict(zip(header, values, strict=False))


def read_xlsx(path: Path) -> Rows:
    """Rows of the first sheet of an XLSX workbook; line numbers are sheet row numbers."""
    try:
        with zipfile.ZipFile(path) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ReadError("not an XLSX workbook (bad zip)") from None
    if size > MAX_XLSX_UNCOMPRESSED:
        raise ReadError(f"unpacks to {size} bytes, more than {MAX_XLSX_UNCOMPRESSED}; refused")
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise ReadError(f"unreadable XLSX: {exc}") from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        for number, values in enumerate(rows, start=2):
            if not any(v not in (None, "") for v in values):
                continue
            yield number, dict(zip(header, values, strict=False))
    finally:
        workbook.close()


READERS: dict[str, Callable[[Path], Rows]] = {
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
    ".csv": read_csv,
    ".xlsx": read_xlsx,
}


def reader_for(path: Path) -> Callable[[Path], Rows] | None:
    """The reader for a file's format, or None for formats this module does not read."""
    return READERS.get(path.suffix.lower())
