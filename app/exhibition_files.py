"""An online exhibition (网上展览) as a folder: ``exhibition.toml`` and its cover image,
what ``lantai exhibition export`` writes and ``lantai exhibition import`` reads.

The folder moves an exhibition between installations. Its items name records by
``archive/档号``; the installation it is imported into must hold them (the page images
are drawn there from its own originals, as its access rules allow, so none are in the
folder). Reading checks everything first and names the field of the first error; nothing
is stored unless all of it is right.
"""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path

import tomli_w

from catalog.exhibition_spec import ExhibitionError, ExhibitionSpec, read_spec, spec_data
from catalog.exhibitions import Cover, Exhibition
from catalog.store import CatalogStore

FILE_NAME = "exhibition.toml"
#: Cover images an exhibition may have, by suffix.
COVER_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}
MAX_COVER = 5 * 1024 * 1024


def read_cover(name: str, data: bytes, field: str = "cover") -> Cover:
    """A cover image from its file name and bytes: PNG, JPEG or WebP, at most 5 MB, and
    really an image (Pillow reads it). :class:`ExhibitionError` names ``field`` otherwise."""
    media_type = COVER_TYPES.get(Path(name).suffix.lower())
    if media_type is None:
        raise ExhibitionError(f"{field}: {name!r} is not a .png, .jpg or .webp image")
    if len(data) > MAX_COVER:
        raise ExhibitionError(f"{field}: {name!r} is larger than 5 MB")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ExhibitionError(f"{field}: {name!r} is not a readable image") from None
    stem = re.sub(r"[^\w.-]+", "_", Path(name).stem).strip("._") or "cover"
    return Cover(f"{stem}{Path(name).suffix.lower()}", media_type, data)


def missing_records(store: CatalogStore, spec: ExhibitionSpec) -> None:
    """Raise :class:`ExhibitionError` naming the first item whose record this catalog does
    not hold (``sections[1].items[0].record: no record baoji-city/X``). For the operator's
    import only: a staff form asks the policy instead."""
    held = store.record_summaries(record for _field, record in spec.record_ids())
    for field, record in spec.record_ids():
        if record not in held:
            raise ExhibitionError(f"{field}: no record {record}")


def read_folder(folder: Path, store: CatalogStore) -> tuple[ExhibitionSpec, Cover | None]:
    """The exhibition in ``folder``, checked (fields, records held, cover image)."""
    path = folder / FILE_NAME
    if not path.is_file():
        raise ExhibitionError(f"{FILE_NAME}: not found in {folder}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ExhibitionError(f"{FILE_NAME}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ExhibitionError(f"{FILE_NAME}: {error}") from None
    spec = read_spec(data)
    missing_records(store, spec)
    cover = None
    if spec.cover:
        image = (folder / spec.cover).resolve()
        if folder.resolve() not in image.parents or not image.is_file():
            raise ExhibitionError(f"cover: no file {spec.cover!r} in the folder")
        cover = read_cover(image.name, image.read_bytes())
    return spec, cover


def write_folder(exhibition: Exhibition, cover: Cover | None, folder: Path) -> Path:
    """Write ``exhibition.toml`` (and the cover image beside it) into ``folder``; returns
    the TOML file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    data = spec_data(exhibition.spec())
    if cover is not None:
        (folder / cover.name).write_bytes(cover.data)
        data["cover"] = cover.name
    else:
        data.pop("cover", None)
    target = folder / FILE_NAME
    target.write_text(tomli_w.dumps(data, multiline_strings=True), encoding="utf-8")
    return target
