"""Readers of catalog exports: JSON lines, CSV and XLSX, one module-level function per format.

Each reader yields ``(line, row)`` pairs, where ``row`` is a dict of raw values or a
:class:`RowProblem` for a line that cannot be read; a file that cannot be read at all
raises :class:`ReadError`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from analyzers.normalize import is_cjk

MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
SAMPLE_BYTES = 256 * 1024  # what encoding detection looks at
SCORE_CHARS = 8192  # characters scored to tell GB18030 from Big5


class ReadError(ValueError):
    """A whole file cannot be read."""


@dataclass(frozen=True)
class RowProblem:
    """One line of a file that could not be read."""

    message: str


Rows = Iterator[tuple[int, "dict[str, Any] | RowProblem"]]


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _common_share(text: str, encoding: str) -> float:
    """Share of the ideographs of ``text`` that are among the common ones of ``encoding``.

    Common means GB2312 level 1 (the 3,755 most used simplified characters) for GB
    encodings, and Big5's 常用字 range (5,401 characters) for Big5: text decoded with the
    wrong one of the two is full of rare characters, kana and symbols.
    """
    hanzi = total = 0
    for ch in text[:SCORE_CHARS]:
        code = ord(ch)
        if code < 0x80:
            continue
        total += 1
        if not is_cjk(ch):
            continue
        try:
            if encoding == "big5":
                raw = ch.encode("big5")
                hanzi += 0xA440 <= int.from_bytes(raw, "big") <= 0xC67E
            else:
                raw = ch.encode("gb2312")
                hanzi += 0xB0 <= raw[0] <= 0xD7
        except UnicodeEncodeError:
            continue
    return hanzi / total if total else 0.0


def detect_encoding(sample: bytes, complete: bool = True) -> str:
    """The encoding of Chinese text: UTF-8 (or a BOM), else GB18030/GBK or Big5 by content.

    ``complete`` says whether ``sample`` is the whole file (a multi-byte character cut off
    at the end of a partial sample is not an error).

    >>> detect_encoding("宝鸡市档案馆".encode("gbk")), detect_encoding("寶雞市檔案館".encode("big5"))
    ('gb18030', 'big5')
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    candidates = []
    for name in ("utf-8", "gb18030", "big5"):
        try:
            text = codecs.getincrementaldecoder(name)().decode(sample, final=complete)
        except UnicodeDecodeError:
            continue
        if name == "utf-8":
            return "utf-8"
        if "\x00" in text:
            continue
        candidates.append((_common_share(text, name), name == "gb18030", name))
    if not candidates:
        raise ReadError("not UTF-8, GB18030/GBK or Big5 text (wrong or mixed encoding)")
    return max(candidates)[2]


def decode_bytes(data: bytes) -> str:
    """Decode Chinese text in UTF-8, GB18030/GBK or Big5; ReadError when it is none of them."""
    encoding = detect_encoding(data[:SAMPLE_BYTES], complete=len(data) <= SAMPLE_BYTES)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"not valid {encoding} text: bad bytes at offset {exc.start} (wrong or mixed encoding)"
        ) from None


def open_text(path: Path) -> TextIO:
    """A file as a text stream, its encoding detected from its start (streams large files)."""
    stream = path.open("rb")
    try:
        sample = stream.read(SAMPLE_BYTES)
        encoding = detect_encoding(sample, complete=len(sample) < SAMPLE_BYTES)
        stream.seek(0)
    except BaseException:
        stream.close()
        raise
    return io.TextIOWrapper(stream, encoding=encoding, newline="")


def read_jsonl(path: Path) -> Rows:
    """Rows of a JSON lines file (one object per line; blank lines skipped)."""
    with open_text(path) as stream:
        yield from _jsonl_rows(stream, path)


def _jsonl_rows(stream: TextIO, path: Path) -> Rows:
    number = 0
    while True:
        try:
            line = stream.readline()
        except UnicodeDecodeError as exc:
            raise ReadError(
                f"after line {number}: not valid {stream.encoding} text (wrong or mixed encoding)"
            ) from exc
        if not line:
            return
        number += 1
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
    with open_text(path) as stream:
        yield from _csv_rows(stream)


def _csv_rows(stream: TextIO) -> Rows:
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise ReadError(f"unreadable CSV header: {exc}") from None
    except UnicodeDecodeError:
        raise ReadError(f"not valid {stream.encoding} text (wrong or mixed encoding)") from None
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, RowProblem(f"unreadable CSV: {exc}")
            continue
        except UnicodeDecodeError:
            raise ReadError(
                f"after line {reader.line_num}: not valid {stream.encoding} text (wrong or mixed encoding)"
            ) from None
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            yield reader.line_num, RowProblem(f"{len(values)} columns, but the header has {len(header)}")
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
