"""OCR (光学字符识别) with Debian's Tesseract, called as a program.

``scripts/ensure-packages ocr`` installs ``tesseract-ocr`` with the simplified (``chi_sim``)
and traditional (``chi_tra``) Chinese models and poppler's ``pdftoppm``, which renders
scanned PDF pages for Tesseract. Tesseract writes hOCR, read by
:func:`indexer.layout_files.parse_hocr`, so word confidences feed page quality and word boxes
are kept (for the query's matches drawn on the page image) as for any hOCR file. When
Tesseract or the models are missing, :func:`unavailable` says why and the pages are counted
as needing OCR instead.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from indexer.layout_files import parse_hocr
from indexer.page_types import FileOptions, PageText
from indexer.readers import ReadError

INSTALL_HINT = "run scripts/ensure-packages ocr (apt-get install tesseract-ocr tesseract-ocr-chi-sim)"
RENDER_DPI = 300


@lru_cache(maxsize=4)
def _installed_languages(binary: str) -> frozenset[str]:
    try:
        done = subprocess.run(
            [binary, "--list-langs"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    lines = (done.stdout + "\n" + done.stderr).splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and " " not in line.strip())


def languages(options: FileOptions) -> str:
    """The wanted Tesseract languages that are installed, joined by ``+`` (may be empty)."""
    binary = shutil.which("tesseract")
    if not binary:
        return ""
    have = _installed_languages(binary)
    return "+".join(lang for lang in options.ocr_languages.split("+") if lang in have)


def unavailable(options: FileOptions) -> str:
    """Why OCR cannot run now ("" when it can)."""
    if not options.ocr:
        return "OCR is turned off (--no-ocr)"
    if not shutil.which("tesseract"):
        return f"Tesseract is not installed; {INSTALL_HINT}"
    if not languages(options):
        return f"Tesseract has none of the languages {options.ocr_languages}; {INSTALL_HINT}"
    return ""


def _env() -> dict[str, str]:
    # Ingest already runs one worker per core: one thread per Tesseract.
    return dict(os.environ, OMP_THREAD_LIMIT="1")


#: EXIF orientations (0x0112) that turn or mirror the stored pixels for display.
TURNED = (2, 3, 4, 5, 6, 7, 8)


def _upright(path: Path, folder: str) -> Path:
    """``path``, or a copy of it turned as its EXIF orientation says (written in ``folder``):
    Tesseract reads the stored pixels as they are, and a scan stored on its side is read
    neither right nor in the orientation its page image is shown in (word boxes included)."""
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as image:
            if getattr(image, "n_frames", 1) != 1 or image.getexif().get(0x0112, 1) not in TURNED:
                return path
            turned = ImageOps.exif_transpose(image)
        target = Path(folder) / "upright.png"
        turned.save(target, format="PNG")
        return target
    except Exception:  # noqa: BLE001 - Tesseract says what it makes of a file Pillow cannot read
        return path


def ocr_image(path: Path, options: FileOptions) -> list[PageText]:
    """Tesseract's pages of one image file (several for a multi-page TIFF); a scan whose
    EXIF orientation turns it is read turned, as its page image is shown."""
    with tempfile.TemporaryDirectory(prefix="lantai-ocr-") as folder:
        return _ocr_image(_upright(path, folder), options)


def _ocr_image(path: Path, options: FileOptions) -> list[PageText]:
    command = ["tesseract", str(path), "stdout", "-l", languages(options), "hocr"]
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=options.ocr_timeout, env=_env(), stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise ReadError(f"OCR took longer than {options.ocr_timeout:.0f} s; gave up") from None
    except OSError as exc:
        raise ReadError(f"OCR could not start: {exc.strerror}") from None
    if done.returncode != 0 or not done.stdout.strip():
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ReadError("OCR failed: " + (message[-1] if message else f"exit {done.returncode}"))
    try:
        pages = parse_hocr(io.BytesIO(done.stdout))
    except ReadError as exc:
        raise ReadError(f"OCR gave unreadable output: {exc}") from None
    return [replace(p, method="ocr") for p in pages]


def ocr_pdf_pages(path: Path, numbers: list[int], options: FileOptions) -> dict[int, PageText]:
    """OCR of some pages of a PDF (by number), rendered with pdftoppm."""
    if not shutil.which("pdftoppm"):
        raise ReadError(
            "scanned PDF needs pdftoppm to be OCR'd; "
            "run scripts/ensure-packages ocr (apt-get install poppler-utils)"
        )
    out: dict[int, PageText] = {}
    with tempfile.TemporaryDirectory(prefix="lantai-ocr-") as folder:
        for number in numbers:
            prefix = Path(folder) / f"p{number}"
            command = [
                "pdftoppm",
                "-f",
                str(number),
                "-l",
                str(number),
                "-r",
                str(RENDER_DPI),
                "-gray",
                "-png",
                str(path),
                str(prefix),
            ]
            try:
                done = subprocess.run(
                    command, capture_output=True, timeout=options.ocr_timeout, stdin=subprocess.DEVNULL
                )
            except subprocess.TimeoutExpired:
                raise ReadError(f"rendering page {number} took too long; gave up") from None
            images = sorted(Path(folder).glob(f"p{number}*.png"))
            if done.returncode != 0 or not images:
                message = done.stderr.decode("utf-8", "replace").strip().splitlines()
                raise ReadError(
                    f"page {number} could not be rendered for OCR: "
                    + (message[-1] if message else f"exit {done.returncode}")
                )
            pages = _ocr_image(images[0], options)  # rendered upright: no EXIF to follow
            images[0].unlink()
            text = "\n".join(p.text for p in pages)
            confidences = [p.confidence for p in pages if p.confidence is not None]
            confidence = round(sum(confidences) / len(confidences), 4) if confidences else None
            boxes = pages[0].boxes if len(pages) == 1 else ""  # of the whole rendered page
            out[number] = PageText(number, text, confidence, method="ocr", boxes=boxes)
    return out
