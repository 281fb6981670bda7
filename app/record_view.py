"""What the record page (档案详情页) shows beyond a record's fields: its reading text with
the query's matches, its pages with their images and downloads, its entities, its citation.

Shared by the public record page and the staff pages (both render ``record.html``); the
staff's own record page shows the full text with its personal data marked.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import url_for
from markupsafe import Markup, escape

from analyzers.highlight import highlight_full
from analyzers.pii import find_personal_data
from analyzers.query import highlight_terms
from app.citation import citation
from app.i18n import label
from app.labels import ENTITY_KINDS, KIND_TITLES, archive_label
from app.originals import download_name, image_size, original_kind, servable
from catalog.policy import ORIGINAL_NONE, ORIGINAL_SHOWN
from search.base import ENTITY_LABELS

MARK = Markup("<mark>")
FIRST_HIT = Markup('<mark id="first-hit">')


def mark_first_hit(html: Markup) -> tuple[Markup, int]:
    """Highlighted HTML with its first match given ``id="first-hit"`` (the target of the
    "jump to the first hit" link), and its number of matches.

    >>> mark_first_hit(Markup("土地<mark>改革</mark>与<mark>改革</mark>"))
    (Markup('土地<mark id="first-hit">改革</mark>与<mark>改革</mark>'), 2)
    >>> mark_first_hit(Markup("没有命中"))
    (Markup('没有命中'), 0)
    """
    hits = html.count(MARK)
    before, found, after = html.partition(MARK)
    return (before + FIRST_HIT + after if found else html), hits


def entity_groups(record: Mapping) -> list[dict]:
    """The record's entities grouped by kind, each with its entity page link.

    Accepts ``record["entities"]`` as ``{"person": ["name", ...], ...}`` or as a list of
    ``{"label" | "kind": "PERSON" | "person", "text" | "name": "..."}``; absent means none.
    """
    raw = record.get("entities") or {}
    labels = {v: k for k, v in ENTITY_LABELS.items()}
    names: dict[str, list[str]] = {kind: [] for kind in ENTITY_KINDS}
    if isinstance(raw, Mapping):
        pairs = [(kind, item) for kind, items in raw.items() for item in (items or [])]
    else:
        pairs = [
            (item.get("kind") or item.get("label") or "", item) for item in raw if isinstance(item, Mapping)
        ]
    for kind, item in pairs:
        kind = labels.get(str(kind), str(kind).lower())
        name = item if isinstance(item, str) else (item.get("name") or item.get("text") or "")
        if kind in names and name and name not in names[kind]:
            names[kind].append(name)
    return [
        {
            "kind": kind,
            "title": str(KIND_TITLES[kind]),
            "items": [{"name": n, "url": url_for("public.entity", kind=kind, name=n)} for n in found],
        }
        for kind, found in names.items()
        if found
    ]


def record_view(record: Mapping, q: str = "") -> dict:
    """What the record template shows beyond the record's fields.

    The open text as reading text, escaped, with the query's matches in ``<mark>`` (the
    first with ``id="first-hit"`` for the jump link), the citation, the permalink,
    the holding archive's name and the entities.
    """
    text_html, hits = None, 0
    if record.get("text"):
        terms = highlight_terms(q) if q else []
        text_html, hits = mark_first_hit(Markup(highlight_full(record["text"], terms)))
    return {
        "text_html": text_html,
        "hits": hits,
        "citation": citation(record),
        "permalink": url_for("public.record", record_id=record["id"], _external=True),
        "archive": archive_label(record["archive"]),
        "entities": entity_groups(record),
    }


# At most this many page links in a record's page list; longer records list the first and
# last pages, the matching ones and every tenth.
PAGE_NAV_ALL = 40


def _page_nav(numbers: list[int], matches: set[int]) -> list[dict]:
    if len(numbers) > PAGE_NAV_ALL:
        keep = {numbers[0], numbers[-1], *matches}
        numbers = [n for n in numbers if n in keep or n % 10 == 0]
    return [{"number": n, "match": n in matches} for n in numbers]


def pages_view(record: Mapping, pages: Mapping | None, originals: Mapping | None) -> dict | None:
    """A record's pages as the public record page shows them, or None for a record without
    pages (its text is shown in one block, as before).

    ``pages`` is :meth:`SearchService.pages` with the query's terms, ``originals`` is
    :meth:`SearchService.originals`. Each page gets its highlighted text, its count of
    hits and, when it comes from a PDF or a scan, its image: shown, or withheld with the
    reason (personal data, not read yet) as :func:`catalog.policy.view_of` decides (each
    page's and file's ``original`` in ``originals``).
    The originals the public may download are listed with their 档号-based names.
    """
    if not pages or not pages.get("pages"):
        return None
    originals = originals or {"pages": {}, "files": []}
    files = {f["number"]: f for f in originals["files"]}
    items, first_mark = [], None
    for page in pages["pages"]:
        html = Markup(page["html"])
        if first_mark is None:
            html, hits = mark_first_hit(html)
            first_mark = page["number"] if hits else None
        else:
            hits = html.count(MARK)
        facts = originals["pages"].get(page["number"]) or {}
        file = files.get(facts.get("file"))
        image = None
        if file is not None and servable(file):
            decision = facts.get("original", ORIGINAL_NONE)
            if decision == ORIGINAL_SHOWN:
                size = image_size(file, facts["index"])
                if size:  # none: the original cannot be read now; no image that cannot load
                    image = {
                        "url": url_for("public.page_image", record_id=record["id"], number=page["number"]),
                        "size": size,
                    }
            elif decision != ORIGINAL_NONE:
                image = {"withheld": "unread" if facts.get("unread") else "personal_data"}
        items.append({**page, "html": html, "hits": hits, "image": image})
    several = len(originals["files"]) > 1
    downloads = []
    for file in originals["files"]:
        if not servable(file):
            continue
        decision = file.get("original", ORIGINAL_NONE)
        if decision == ORIGINAL_NONE:
            continue
        downloads.append(
            {
                "withheld": "unread" if file["unread"] else "personal_data",
                "name": download_name(record["archive_code"], file["number"], several, file["path"]),
                "pages": file["pages"],
                "size": file["size"],
                "kind": original_kind(file["path"]),
                "url": url_for("public.original_file", record_id=record["id"], number=file["number"])
                if decision == ORIGINAL_SHOWN
                else None,
            }
        )
    first = pages.get("first_match") or first_mark
    return {
        "pages": items,
        "count": pages["count"],
        "matches": pages["matches"],
        "first": first,
        "hits": sum(p["hits"] for p in items),
        "nav": _page_nav([p["number"] for p in items], set(pages["matches"])),
        "downloads": downloads,
    }


def file_size_label(size: int) -> str:
    """``820 KB``, ``12.5 MB``."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def mark_personal_data(text: str) -> Markup:
    """The text, escaped, with detected personal data wrapped in ``<mark class="pii">``
    (its kind as a ``data-kind`` code and, in the interface language, as the title)."""
    out, last = [], 0
    for item in find_personal_data(text):
        out += [
            escape(text[last : item.start]),
            Markup('<mark class="pii" data-kind="{}" title="{}">{}</mark>').format(
                item.kind, label("personal_data", item.kind), text[item.start : item.end]
            ),
        ]
        last = item.end
    out.append(escape(text[last:]))
    return Markup("").join(out)
