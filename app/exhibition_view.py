"""What an exhibition page (网上展览) shows: its sections and the items the public may see,
each with its record's link and, where the original-access rule allows, its page image.

Every item is asked of :func:`catalog.policy.view_of` through the search service, as the
public, each time a page is shown: an item whose record is not public (closed, unknown,
or closed again since) is left out, its page image with it; the staff editor gets the
same answer as a mark ("no longer public"). A page image is shown only where the page
image route would serve it (:func:`app.originals.shown_page`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from flask import url_for
from markupsafe import Markup

from app.exhibition_text import render_markdown
from app.labels import archive_label
from app.originals import image_size, shown_page
from catalog.exhibitions import Exhibition, Item
from catalog.policy import PUBLIC
from search.service import SearchService


def item_image(service: SearchService, item: Item) -> dict | None:
    """The page image of an item as the public may see it, or None: its URL, size and the
    crop as an SVG ``viewBox`` in the image's pixels (None: the whole page)."""
    spec = item.spec
    if spec.page is None:
        return None
    facts = service.originals(spec.record, PUBLIC) or {}
    found = shown_page(facts, spec.page)
    if found is None:
        return None
    page, file = found
    size = image_size(file, page["index"])
    if not size:
        return None
    width, height = size
    view_box = None
    if spec.crop is not None:
        x, y, w, h = spec.crop
        view_box = f"{x * width:.0f} {y * height:.0f} {max(1, w * width):.0f} {max(1, h * height):.0f}"
    return {
        "url": url_for("public.page_image", record_id=spec.record, number=spec.page),
        "share": url_for("public.page_image", record_id=spec.record, number=spec.page, _external=True),
        "width": width,
        "height": height,
        "view_box": view_box,
    }


def public_item(service: SearchService, item: Item) -> dict | None:
    """An item as the public page shows it, or None when its record is not public."""
    record = service.record(item.spec.record, PUBLIC)
    if record is None:
        return None
    return {
        "id": item.id,
        "record": {
            "id": record["id"],
            "title": record["title"],
            "archive_code": record["archive_code"],
            "date": record["date"],
            "archive": archive_label(record["archive"]),
        },
        "url": url_for("public.record", record_id=record["id"]),
        "permalink": url_for("public.record", record_id=record["id"], _external=True),
        "page": item.spec.page,
        "caption": item.spec.caption,
        "commentary": render_markdown(item.spec.commentary),
        "image": item_image(service, item),
    }


def public_exhibition(service: SearchService, exhibition: Exhibition) -> dict:
    """The exhibition as its public page shows it: sections with their rendered text and
    the items the public may see; the share image (the cover, else the first item's
    image) as an absolute URL, or None."""
    sections: list[dict] = []
    for section in exhibition.sections:
        items = [shown for item in section.items if (shown := public_item(service, item)) is not None]
        sections.append(
            {
                "id": section.id,
                "title": section.title,
                "title_en": section.title_en,
                "html": render_markdown(section.text),
                "items": items,
            }
        )
    share: str | None = None
    if exhibition.cover_name:
        share = url_for("exhibitions.cover", slug=exhibition.slug, _external=True)
    else:
        first = next((i["image"] for s in sections for i in s["items"] if i["image"]), None)
        share = first["share"] if first else None
    return {
        "slug": exhibition.slug,
        "title": exhibition.title,
        "title_en": exhibition.title_en,
        "intro": render_markdown(exhibition.intro),
        "published": exhibition.published,
        "published_at": exhibition.published_at,
        "cover": url_for("exhibitions.cover", slug=exhibition.slug) if exhibition.cover_name else None,
        "share_image": share,
        "sections": sections,
    }


def exhibition_meta(shown: Mapping, publisher: str) -> Markup:
    """The head of an exhibition page: Open Graph tags (with the share image), citation
    tags and schema.org ``CreativeWork`` JSON-LD listing the
    records shown (only those the public may see: ``shown`` is :func:`public_exhibition`)."""
    url = url_for("exhibitions.exhibition", slug=shown["slug"], _external=True)
    tags = [
        ("property", "og:type", "article"),
        ("property", "og:title", shown["title"]),
        ("property", "og:url", url),
        ("name", "citation_title", shown["title"]),
        ("name", "citation_publisher", publisher),
        ("name", "citation_public_url", url),
        ("name", "citation_language", "zh"),
        ("name", "DC.title", shown["title"]),
        ("name", "DC.publisher", publisher),
        ("name", "DC.identifier", url),
        ("name", "DC.type", "Collection"),
    ]
    if shown["published_at"]:
        day = shown["published_at"][:10]
        tags += [("name", "citation_publication_date", day.replace("-", "/")), ("name", "DC.date", day)]
    if shown["share_image"]:
        tags.append(("property", "og:image", shown["share_image"]))
    linked: dict = {
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "@id": url,
        "url": url,
        "name": shown["title"],
        "inLanguage": "zh",
        "publisher": {"@type": "ArchiveOrganization", "name": publisher},
        "hasPart": [
            {
                "@type": "ArchiveComponent",
                "name": item["record"]["title"],
                "identifier": item["record"]["archive_code"],
                "url": item["permalink"],
            }
            for section in shown["sections"]
            for item in section["items"]
        ],
    }
    if shown["title_en"]:
        linked["alternateName"] = shown["title_en"]
    if shown["published_at"]:
        linked["datePublished"] = shown["published_at"][:10]
    if shown["share_image"]:
        linked["image"] = shown["share_image"]
    data = json.dumps(linked, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    html = Markup("").join(Markup('<meta {}="{}" content="{}">\n').format(*tag) for tag in tags)
    return html + Markup('<script type="application/ld+json">{}</script>\n').format(Markup(data))
