"""What an online exhibition (网上展览, 微展览) says, checked: the plain data of its
``exhibition.toml`` and of the curators' forms, before anything is stored.

Every error names the field it is about, as a path into the file
(``sections[1].items[0].record: ...``), so a script that writes one can be fixed from
the message alone. Nothing here reads the catalog: whether a named record exists, and
whether the public may see it, is asked by the callers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_TITLE = 200
MAX_TEXT = 50_000
MAX_SECTIONS = 100
MAX_ITEMS = 200
TOP_KEYS = ("slug", "title", "title_en", "intro", "published", "cover", "sections")
SECTION_KEYS = ("title", "title_en", "text", "items")
ITEM_KEYS = ("record", "page", "crop", "caption", "commentary")


class ExhibitionError(ValueError):
    """An exhibition that cannot be stored; the message starts with the field's path."""


@dataclass(frozen=True)
class ItemSpec:
    """One exhibit (展品): a record by ``archive/档号``, optionally one of its pages (页) and a
    crop of that page's image (``x, y, w, h`` as fractions of its width and height), with
    the curator's caption (说明) and commentary (解读, Markdown)."""

    record: str
    page: int | None = None
    crop: tuple[float, float, float, float] | None = None
    caption: str = ""
    commentary: str = ""

    @property
    def archive(self) -> str:
        """The holding archive (馆藏单位) of the record."""
        return self.record.partition("/")[0]

    @property
    def archive_code(self) -> str:
        """The record's 档号."""
        return self.record.partition("/")[2]


@dataclass(frozen=True)
class SectionSpec:
    """A section (单元) of an exhibition: a title, Markdown text and its items in order."""

    title: str
    text: str = ""
    title_en: str = ""
    items: tuple[ItemSpec, ...] = ()


@dataclass(frozen=True)
class ExhibitionSpec:
    """An exhibition as a file or a form gives it. ``cover`` is the name of its cover image
    file beside ``exhibition.toml`` (None: no cover)."""

    slug: str
    title: str
    intro: str = ""
    title_en: str = ""
    published: bool = False
    cover: str | None = None
    sections: tuple[SectionSpec, ...] = field(default_factory=tuple)

    def record_ids(self) -> list[tuple[str, str]]:
        """``(field path, record id)`` of every item, in order."""
        return [
            (f"sections[{s}].items[{i}].record", item.record)
            for s, section in enumerate(self.sections)
            for i, item in enumerate(section.items)
        ]


def _text(data: Mapping, key: str, where: str, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise ExhibitionError(f"{where}{key}: must be text")
    value = value.strip()
    if required and not value:
        raise ExhibitionError(f"{where}{key}: is required")
    if len(value) > limit:
        raise ExhibitionError(f"{where}{key}: longer than {limit} characters")
    return value


def _unknown(data: Mapping, known: tuple[str, ...], where: str) -> None:
    for key in data:
        if key not in known:
            raise ExhibitionError(f"{where}{key}: unknown key (use {', '.join(known)})")


def check_slug(slug: Any, where: str = "") -> str:
    """A slug (the exhibition's address, ``/exhibitions/<slug>``): lower-case letters,
    digits and hyphens, at most 64.

    >>> check_slug("hongse-1949")
    'hongse-1949'
    >>> check_slug("红色")
    Traceback (most recent call last):
    ...
    catalog.exhibition_spec.ExhibitionError: slug: use a-z, 0-9 and -, at most 64 characters
    """
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise ExhibitionError(f"{where}slug: use a-z, 0-9 and -, at most 64 characters")
    return slug


def check_record(value: Any, where: str = "") -> str:
    """A record reference ``archive/档号``.

    >>> check_record("baoji-city/J001-001-0001")
    'baoji-city/J001-001-0001'
    >>> check_record("J001-001-0001", "sections[0].items[0].")
    Traceback (most recent call last):
    ...
    catalog.exhibition_spec.ExhibitionError: sections[0].items[0].record: write it as archive/档号
    """
    if not isinstance(value, str):
        raise ExhibitionError(f"{where}record: must be text")
    archive, _, code = value.strip().partition("/")
    if not archive or not code or len(archive) > 64 or len(code) > 128:
        raise ExhibitionError(f"{where}record: write it as archive/档号")
    return f"{archive}/{code}"


def check_crop(value: Any, where: str = "") -> tuple[float, float, float, float] | None:
    """A crop ``[x, y, w, h]``, fractions (0–1) of the page image, inside it; a text
    ``"x,y,w,h"`` is read too; empty is none.

    >>> check_crop([0.1, 0.2, 0.5, 0.4]), check_crop("0,0,1,0.5"), check_crop("")
    ((0.1, 0.2, 0.5, 0.4), (0.0, 0.0, 1.0, 0.5), None)
    >>> check_crop([0.6, 0, 0.6, 1])
    Traceback (most recent call last):
    ...
    catalog.exhibition_spec.ExhibitionError: crop: x + w and y + h must be at most 1
    """
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    try:
        numbers = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        raise ExhibitionError(f"{where}crop: four numbers x, y, w, h (fractions of the page)") from None
    if len(numbers) != 4 or any(not 0 <= n <= 1 for n in numbers):
        raise ExhibitionError(f"{where}crop: four numbers x, y, w, h, each from 0 to 1")
    x, y, w, h = numbers
    if w <= 0 or h <= 0:
        raise ExhibitionError(f"{where}crop: w and h must be more than 0")
    if x + w > 1.0001 or y + h > 1.0001:
        raise ExhibitionError(f"{where}crop: x + w and y + h must be at most 1")
    return (x, y, w, h)


def check_page(value: Any, where: str = "") -> int | None:
    """A page number (页, from 1), or None.

    >>> check_page(3), check_page(None), check_page("")
    (3, None, None)
    """
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100_000:
        raise ExhibitionError(f"{where}page: a page number from 1")
    return value


def read_item(data: Any, where: str = "") -> ItemSpec:
    """An item from its table (``[[sections.items]]``) or form fields."""
    if not isinstance(data, Mapping):
        raise ExhibitionError(f"{where.rstrip('.')}: must be a table")
    _unknown(data, ITEM_KEYS, where)
    if "record" not in data:
        raise ExhibitionError(f"{where}record: is required")
    page = check_page(data.get("page"), where)
    crop = check_crop(data.get("crop"), where)
    if crop is not None and page is None:
        raise ExhibitionError(f"{where}crop: needs a page")
    return ItemSpec(
        record=check_record(data["record"], where),
        page=page,
        crop=crop,
        caption=_text(data, "caption", where, limit=2000),
        commentary=_text(data, "commentary", where),
    )


def read_section(data: Any, where: str = "") -> SectionSpec:
    """A section from its table (``[[sections]]``) or form fields."""
    if not isinstance(data, Mapping):
        raise ExhibitionError(f"{where.rstrip('.')}: must be a table")
    _unknown(data, SECTION_KEYS, where)
    items = data.get("items", [])
    if not isinstance(items, list):
        raise ExhibitionError(f"{where}items: must be a list of tables ([[sections.items]])")
    if len(items) > MAX_ITEMS:
        raise ExhibitionError(f"{where}items: at most {MAX_ITEMS}")
    return SectionSpec(
        title=_text(data, "title", where, required=True, limit=MAX_TITLE),
        title_en=_text(data, "title_en", where, limit=MAX_TITLE),
        text=_text(data, "text", where),
        items=tuple(read_item(item, f"{where}items[{i}].") for i, item in enumerate(items)),
    )


def read_spec(data: Mapping) -> ExhibitionSpec:
    """An exhibition from the data of its ``exhibition.toml``.

    >>> spec = read_spec({"slug": "hongse-1949", "title": "宝鸡解放档案展", "sections": [
    ...     {"title": "解放前夕", "items": [{"record": "baoji-city/J001-001-0001", "page": 3}]}]})
    >>> spec.sections[0].items[0].archive_code, spec.published
    ('J001-001-0001', False)
    >>> read_spec({"slug": "a", "title": "t", "sections": [{"title": "s", "items": [{"page": 1}]}]})
    Traceback (most recent call last):
    ...
    catalog.exhibition_spec.ExhibitionError: sections[0].items[0].record: is required
    """
    _unknown(data, TOP_KEYS, "")
    sections = data.get("sections", [])
    if not isinstance(sections, list):
        raise ExhibitionError("sections: must be a list of tables ([[sections]])")
    if len(sections) > MAX_SECTIONS:
        raise ExhibitionError(f"sections: at most {MAX_SECTIONS}")
    published = data.get("published", False)
    if not isinstance(published, bool):
        raise ExhibitionError("published: must be true or false")
    cover = data.get("cover")
    if cover is not None and (not isinstance(cover, str) or not cover.strip()):
        raise ExhibitionError("cover: the name of an image file beside exhibition.toml")
    return ExhibitionSpec(
        slug=check_slug(data.get("slug")),
        title=_text(data, "title", "", required=True, limit=MAX_TITLE),
        title_en=_text(data, "title_en", "", limit=MAX_TITLE),
        intro=_text(data, "intro", ""),
        published=published,
        cover=cover.strip() if cover else None,
        sections=tuple(read_section(s, f"sections[{i}].") for i, s in enumerate(sections)),
    )


def spec_data(spec: ExhibitionSpec) -> dict[str, Any]:
    """The data of ``exhibition.toml`` for ``spec`` (what :func:`read_spec` reads back);
    empty optional fields are left out.

    >>> spec = ExhibitionSpec("a", "展", sections=(SectionSpec("s", items=(ItemSpec("x/1"),)),))
    >>> spec_data(spec)["sections"]
    [{'title': 's', 'items': [{'record': 'x/1'}]}]
    """
    out: dict[str, Any] = {"slug": spec.slug, "title": spec.title}
    if spec.title_en:
        out["title_en"] = spec.title_en
    if spec.intro:
        out["intro"] = spec.intro
    out["published"] = spec.published
    if spec.cover:
        out["cover"] = spec.cover
    sections = []
    for section in spec.sections:
        data: dict[str, Any] = {"title": section.title}
        if section.title_en:
            data["title_en"] = section.title_en
        if section.text:
            data["text"] = section.text
        items = []
        for item in section.items:
            one: dict[str, Any] = {"record": item.record}
            if item.page is not None:
                one["page"] = item.page
            if item.crop is not None:
                one["crop"] = list(item.crop)
            if item.caption:
                one["caption"] = item.caption
            if item.commentary:
                one["commentary"] = item.commentary
            items.append(one)
        if items:
            data["items"] = items
        sections.append(data)
    if sections:
        out["sections"] = sections
    return out
