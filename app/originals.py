"""Originals of open records: page images rendered from the files ingest read, and the files.

Nothing here decides who may see what: the views ask :func:`catalog.policy.view_of`
first, with the facts :meth:`search.service.SearchService.originals` gives. This module
checks that a file is still the one ingest read (its sha256, remembered per process by
size, modification time and inode so an unchanged file is hashed once), renders one page
to PNG (pypdfium2 for a PDF, Pillow for a scan), and caches the PNG under the data dir,
keyed by the file's hash and the page, so repeated views cost a file read.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import tempfile
from collections import OrderedDict
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from catalog.policy import ORIGINAL_SHOWN
from indexer.files import IMAGE_SUFFIXES, PDF_SUFFIXES
from indexer.pdf_text import PDFIUM_LOCK

#: Width in pixels of a page image: readable on a desktop screen, light enough for a phone.
PAGE_WIDTH = 1000
#: A page is never drawn taller than this (a long strip, a scroll), whatever its width.
MAX_HEIGHT = 4000
CACHE_FOLDER = "page-images"

_verified: OrderedDict[tuple, bool] = OrderedDict()
_VERIFIED_MAX = 4096
_lock = PDFIUM_LOCK  # pdfium is not thread-safe (ingest holds it too); the memo is shared
#: File states (ingest's) whose pages were read, or are still waiting for OCR: either way
#: ingest hashed the file and numbered its pages.
READ_STATES = ("ok", "needs_ocr")


class FileChanged(Exception):
    """The original file is gone, unreadable, or no longer what ingest read."""


def original_kind(path: str) -> str | None:
    """``pdf`` or ``image`` for a file whose pages can be shown as images; None otherwise
    (text, hOCR, ALTO: their page image, if any, is the scan the layout file names, which
    ingest keeps as a file of its own)."""
    suffix = Path(path).suffix.lower()
    if suffix in PDF_SUFFIXES:
        return "pdf"
    if suffix in IMAGE_SUFFIXES:
        return "image"
    return None


def servable(file: Mapping) -> bool:
    """True for a file ingest read without trouble and whose pages can be shown as images."""
    return (
        file.get("status") in READ_STATES
        and bool(file.get("pages"))
        and bool(file.get("sha256"))
        and original_kind(file["path"]) is not None
    )


def shown_page(facts: Mapping | None, number: int) -> tuple[dict, dict] | None:
    """The page ``number`` and its file in ``facts`` (:meth:`SearchService.originals`) when
    its image may be served: the file's pages can be shown as images and the policy's
    decision for the page is ``shown``. None otherwise (the caller answers 404, exactly as
    for a missing record). The page image and the boxes of a query's matches on it both
    ask this, so they are served to exactly the same callers.
    """
    page = (facts or {}).get("pages", {}).get(number)
    if not page or page.get("original") != ORIGINAL_SHOWN:
        return None
    file = next((f for f in facts["files"] if f["number"] == page["file"]), None)  # type: ignore[index]
    if file is None or not servable(file):
        return None
    return page, file


def open_verified(file: Mapping) -> BinaryIO:
    """The original file opened for reading, when it is still the one ingest read.

    Raises :class:`FileChanged` when it is gone, unreadable, or its sha256 differs from
    what ingest recorded. The caller closes the handle.
    """
    expected = file.get("sha256") or ""
    if file.get("status") not in READ_STATES or not expected:
        raise FileChanged(file.get("path", ""))
    try:
        handle = open(file["path"], "rb")  # noqa: SIM115 - handed to the caller
    except OSError as error:
        raise FileChanged(file["path"]) from error
    try:
        stat = os.fstat(handle.fileno())
        key = (file["path"], stat.st_size, stat.st_mtime_ns, stat.st_ino, expected)
        with _lock:
            known = key in _verified
        if not known:
            if hashlib.file_digest(handle, "sha256").hexdigest() != expected:
                raise FileChanged(file["path"])
            handle.seek(0)
            with _lock:
                _verified[key] = True
                while len(_verified) > _VERIFIED_MAX:
                    _verified.popitem(last=False)
        return handle
    except BaseException:
        handle.close()
        raise


def page_png(file: Mapping, index: int, data_dir: str | os.PathLike) -> Path:
    """The PNG of page ``index`` (from 0) of an original file, from the cache or rendered.

    The file is checked first, every time (:func:`open_verified`); raises
    :class:`FileChanged` when it fails the check, ``LookupError`` when the file has no
    such page.
    """
    sha = file["sha256"]
    target = Path(data_dir) / CACHE_FOLDER / sha[:2] / f"{sha}-{index + 1}-w{PAGE_WIDTH}.png"
    with open_verified(file) as handle:
        if target.exists():
            return target
        image = _render(handle, original_kind(file["path"]), index)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            image.save(out, format="PNG")
        os.replace(temporary, target)  # atomic: a concurrent view sees all of it or nothing
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def image_size(file: Mapping, index: int) -> tuple[int, int] | None:
    """Width and height in pixels of page ``index``'s image, without rendering it (so the
    record page reserves its room and the page a visitor landed on stays in place); None
    when the file cannot be read. Reads only the file's page table or image header."""
    try:
        sizes = _sizes(file["path"], file["sha256"], file["size"], file.get("mtime_ns"))
    except Exception:  # noqa: BLE001 - a size hint is never worth an error page
        return None
    return sizes[index] if 0 <= index < len(sizes) else None


@lru_cache(maxsize=512)
def _sizes(path: str, sha: str, size: int, mtime_ns: int | None) -> tuple[tuple[int, int], ...]:
    kind = original_kind(path)
    out = []
    if kind == "pdf":
        import pypdfium2 as pdfium

        with _lock:
            pdf = pdfium.PdfDocument(path)
            try:
                for index in range(len(pdf)):
                    width, height = pdf.get_page_size(index)
                    scale = min(PAGE_WIDTH / width, MAX_HEIGHT / height)
                    out.append((round(width * scale), round(height * scale)))
            finally:
                pdf.close()
    elif kind == "image":
        from PIL import Image

        with Image.open(path) as image:
            for index in range(getattr(image, "n_frames", 1)):
                image.seek(index)
                width, height = image.size
                if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # turned on its side
                    width, height = height, width
                scale = min(1.0, PAGE_WIDTH / width, MAX_HEIGHT / height)
                out.append((max(1, round(width * scale)), max(1, round(height * scale))))
    return tuple(out)


def _render(handle: BinaryIO, kind: str | None, index: int):
    if index < 0:
        raise LookupError(index)
    if kind == "pdf":
        return _render_pdf(handle, index)
    if kind == "image":
        return _render_image(handle, index)
    raise LookupError(kind)


def _render_pdf(handle: BinaryIO, index: int):
    import pypdfium2 as pdfium

    with _lock:
        pdf = pdfium.PdfDocument(handle, autoclose=False)
        try:
            if index >= len(pdf):
                raise LookupError(index)
            page = pdf[index]
            width, height = page.get_size()
            scale = min(PAGE_WIDTH / width, MAX_HEIGHT / height)
            image = page.render(scale=scale, may_draw_forms=False).to_pil()
            page.close()
        finally:
            pdf.close()
    return image.convert("RGB") if image.mode not in ("RGB", "L") else image


def _render_image(handle: BinaryIO, index: int):
    from PIL import Image, ImageOps

    with Image.open(handle) as image:
        try:
            image.seek(index)  # a multi-page TIFF has a frame per page
        except EOFError as error:
            raise LookupError(index) from error
        frame = ImageOps.exif_transpose(image.copy())
    if frame.mode not in ("RGB", "L"):
        frame = frame.convert("RGB")
    scale = min(1.0, PAGE_WIDTH / frame.width, MAX_HEIGHT / frame.height)
    if scale < 1:
        frame = frame.resize(
            (max(1, round(frame.width * scale)), max(1, round(frame.height * scale))),
            Image.Resampling.LANCZOS,
        )
    return frame


def download_name(archive_code: str, number: int, several: bool, path: str) -> str:
    """The name a downloaded original gets: its 档号 (``J001-001-0001.pdf``), with the
    file's number when the record has several (``J001-001-0001-2.pdf``)."""
    stem = re.sub(r"[^\w.-]+", "_", archive_code).strip("._") or "record"
    return f"{stem}{f'-{number}' if several else ''}{Path(path).suffix.lower()}"


def content_type(path: str) -> str:
    """The media type of an original file, by its name."""
    return mimetypes.guess_type(path)[0] or "application/octet-stream"
