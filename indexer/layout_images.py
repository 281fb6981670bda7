"""The scans hOCR and ALTO files name (版面文件的图像): found beside the layout file, hashed,
and kept as files of kind ``image`` so a page read from a layout file has its page image.

hOCR names a page's scan in its ``ocr_page`` title (``image "p1.png"``), ALTO in
``Description/sourceImageInformation/fileName``. A name is read relative to the layout
file's folder; a name that is absolute (the machine that ran the OCR) is looked for by its
base name beside the layout file. A scan outside the delivery folder is refused, a scan
that is not there is a warning: either way the page keeps its text and word boxes.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from dataclasses import replace

from catalog.pages import FileState
from indexer.files import IMAGE_SUFFIXES
from indexer.page_types import PageText


def resolve_image(layout: str, name: str, delivery: str) -> tuple[str | None, str]:
    """The path of the scan ``name`` a layout file names, or None and the reason.

    >>> resolve_image("/in/a/p1.hocr", "../../etc/x.png", "/in")[1]
    "names the image '../../etc/x.png', outside the delivery folder; refused"
    """
    folder = os.path.dirname(layout)
    relative = name
    if os.path.isabs(name) or (len(name) > 1 and name[1] == ":"):
        relative = os.path.basename(name.replace("\\", "/"))
    path = os.path.normpath(os.path.join(folder, relative))
    root = os.path.realpath(delivery or folder)
    real = os.path.realpath(path)
    if not (real == root or real.startswith(root.rstrip(os.sep) + os.sep)):
        return None, f"names the image {name!r}, outside the delivery folder; refused"
    if os.path.splitext(path)[1].lower() not in IMAGE_SUFFIXES:
        return None, f"names the image {name!r}, which is not a scan Lantai can show"
    if not os.path.isfile(real):
        return None, f"names the image {name!r}, which is not there ({path}); its pages have no page image"
    return path, ""


def image_states(
    layout: str,
    pages: list[PageText],
    start: int,
    key: tuple[str, str],
    delivery: str,
    taken: set[str],
) -> tuple[list[FileState], list[str]]:
    """File states (kind ``image``) of the scans the pages of one layout file name, and the
    warnings for those that cannot be kept. ``start`` is the record's page number of the
    file's first page; ``taken`` the page files of the record (a scan that is one of them is
    not kept twice). Page ``n`` of the record shows frame ``n - state.start`` of its scan
    (``start`` is before the page's number when the layout's first page names a later frame)."""
    found: dict[str, FileState] = {}
    warnings: list[str] = []
    said: set[str] = set()
    for page in pages:
        if not page.image:
            continue
        path, reason = resolve_image(layout, page.image, delivery)
        if path is None or path in taken:
            if path is None and reason not in said:
                said.add(reason)
                warnings.append(reason)
            continue
        number = start + page.number - 1  # the page's number in the record
        first = number - page.frame  # the record's page that would be the scan's frame 0
        known = found.get(path)
        if known is not None:
            if known.start == first:  # another frame of the same scan
                found[path] = replace(known, pages=max(known.pages, number - first + 1))
            continue
        try:
            stat = os.stat(path)
            with open(path, "rb") as stream:
                sha = hashlib.file_digest(stream, "sha256").hexdigest()
        except OSError as exc:
            warnings.append(f"names the image {page.image!r}, which cannot be read: {exc.strerror or exc}")
            continue
        shape = _other_shape(page, path)
        if shape:
            warnings.append(shape)
        found[path] = FileState(
            path=path,
            kind="image",
            size=stat.st_size,
            mtime_ns=stat.st_mtime_ns,
            sha256=sha,
            archive=key[0],
            archive_code=key[1],
            attach="layout",
            start=first,
            pages=number - first + 1,  # the record's pages start .. start + pages - 1
            named_by=layout,
        )
    return list(found.values()), warnings


#: How far the scan's proportions may differ from the layout's page before ingest warns.
SHAPE_TOLERANCE = 0.02


def _other_shape(page: PageText, path: str) -> str:
    """A warning when the scan (as shown: EXIF orientation applied) is not the shape of the
    layout's page. Boxes are fractions of the layout's page, so they fit the scan at any
    resolution of the same page, but not a scan cropped or padded since the OCR."""
    try:
        size = json.loads(page.boxes)["size"] if page.boxes else None
        if not size:
            return ""
        from PIL import Image

        with Image.open(path) as image:
            image.seek(min(page.frame, getattr(image, "n_frames", 1) - 1))
            width, height = image.size
            if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # shown turned on its side
                width, height = height, width
    except Exception:  # noqa: BLE001 - a hint only; the page image route reports unreadable scans
        return ""
    layout, scan = size[0] / size[1], width / height
    if abs(layout - scan) <= SHAPE_TOLERANCE * layout:
        return ""
    return (
        f"names the image {page.image!r} of {width}x{height} pixels, not the shape of its page "
        f"({size[0]}x{size[1]}): its word boxes may not lie over the words"
    )


_NAMES = re.compile(
    rb'image\s+(?:"|&quot;|&#34;)([^"<>&]+)(?:"|&quot;|&#34;)|<(?:\w+:)?fileName>\s*([^<]+?)\s*</(?:\w+:)?fileName>'
)
_CHUNK = 1024 * 1024


def named_images(layout: str) -> list[str]:
    """The scans a layout file names, read from its bytes without parsing it (discovery
    uses it to leave those scans out of the page files). [] when it cannot be read."""
    names: list[str] = []
    tail = b""
    try:
        with open(layout, "rb") as stream:
            while chunk := stream.read(_CHUNK):
                data = tail + chunk
                end = 0
                for match in _NAMES.finditer(data):
                    found = (match.group(1) or match.group(2)).decode("utf-8", errors="replace")
                    name = html.unescape(found).strip()
                    if name and name not in names:
                        names.append(name)
                    end = match.end()
                tail = data[max(end, len(data) - 4096) :]
    except OSError:
        return []
    return names
