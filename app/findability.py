"""Findability (可发现性): ``/robots.txt``, sitemaps of the open record pages, and the
citation metadata of a record page (Highwire ``citation_*``, Dublin Core ``DC.*`` meta tags
and schema.org ``ArchiveComponent`` JSON-LD) that scholarly search engines read.

The sitemaps list only the record pages the public may open, each asked of
:func:`catalog.policy.view_of` through the search service, with the time its public view
last changed as ``lastmod``; ``/sitemap.xml`` is an index of files of at most
``sitemap_size`` pages each.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from flask import Blueprint, Response, abort, current_app, url_for
from markupsafe import Markup

from app import lantai_of
from app.labels import archive_info
from app.oai_xml import esc

findability = Blueprint("findability", __name__)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@findability.get("/robots.txt")
def robots():
    """What crawlers may read: the public pages, not the staff's, the researchers' or the API."""
    lines = [
        "User-agent: *",
        "Disallow: /staff/",
        "Disallow: /me",
        "Disallow: /shared/",
        "Disallow: /api/",
        "Disallow: /login",
        "Allow: /",
        f"Sitemap: {url_for('findability.sitemap_index', _external=True)}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


def _files() -> int:
    lantai = lantai_of(current_app)
    return max(1, -(-lantai.search.public_count() // lantai.settings.sitemap_size))


@findability.get("/sitemap.xml")
def sitemap_index():
    """The sitemap index: one sitemap file per ``sitemap_size`` open record pages, and one
    of the published exhibitions (网上展览) when there are any."""
    items = "".join(
        f"<sitemap><loc>{esc(url_for('findability.sitemap', number=n, _external=True))}</loc></sitemap>"
        for n in range(1, _files() + 1)
    )
    if lantai_of(current_app).store.exhibitions().listing(published_only=True):
        exhibitions = esc(url_for("exhibitions.sitemap", _external=True))
        items += f"<sitemap><loc>{exhibitions}</loc></sitemap>"
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">{items}</sitemapindex>\n'
    )
    return Response(body, mimetype="application/xml")


@findability.get("/sitemap-<int:number>.xml")
def sitemap(number: int):
    """One sitemap file: the open record pages of its share, with ``lastmod``."""
    if not 1 <= number <= _files():
        abort(404)
    size = lantai_of(current_app).settings.sitemap_size
    pages = lantai_of(current_app).search.public_pages((number - 1) * size, size)
    return urlset(
        (url_for("public.record", record_id=record_id, _external=True), stamp) for record_id, stamp in pages
    )


def urlset(pages: Iterable[tuple[str, str]]) -> Response:
    """A sitemap file (``urlset``) of some pages, each ``(address, lastmod)``."""
    urls = "".join(f"<url><loc>{esc(url)}</loc><lastmod>{esc(stamp)}</lastmod></url>" for url, stamp in pages)
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">{urls}</urlset>\n'
    return Response(body, mimetype="application/xml")


def _meta(name: str, content: str) -> Markup:
    return Markup('<meta name="{}" content="{}">\n').format(name, content)


def citation_meta(record: Mapping) -> Markup:
    """The citation metadata of a public record page, for its ``<head>``: ``record`` is the
    record as the public may see it (its description already masked)."""
    holder = archive_info(record["archive"]).zh
    url = url_for("public.record", record_id=record["id"], _external=True)
    tags = [("citation_title", record["title"])]
    if record.get("creator"):
        tags.append(("citation_author", record["creator"]))
    if record.get("date"):
        tags.append(("citation_date", record["date"].replace("-", "/")))
    tags += [
        ("citation_publisher", holder),
        ("citation_archive_id", record["archive_code"]),
        ("citation_public_url", url),
        ("citation_language", "zh"),
        ("DC.title", record["title"]),
    ]
    if record.get("creator"):
        tags.append(("DC.creator", record["creator"]))
    if record.get("date"):
        tags.append(("DC.date", record["date"]))
    if record.get("record_type"):
        tags.append(("DC.type", record["record_type"]))
    tags += [("DC.subject", s) for s in record.get("subjects") or []]
    if record.get("description"):
        tags.append(("DC.description", record["description"]))
    tags += [
        ("DC.identifier", record["archive_code"]),
        ("DC.identifier", url),
        ("DC.publisher", holder),
        ("DC.language", "zh"),
    ]
    linked = {
        "@context": "https://schema.org",
        "@type": "ArchiveComponent",
        "@id": url,
        "url": url,
        "name": record["title"],
        "identifier": record["archive_code"],
        "holdingArchive": {"@type": "ArchiveOrganization", "name": holder},
        "inLanguage": "zh",
    }
    if record.get("creator"):
        linked["creator"] = {"@type": "Organization", "name": record["creator"]}
    if record.get("date"):
        linked["dateCreated"] = record["date"]
    if record.get("description"):
        linked["description"] = record["description"]
    if record.get("subjects"):
        linked["keywords"] = list(record["subjects"])
    if record.get("record_type"):
        linked["genre"] = record["record_type"]
    # "<" escaped: no text of a record can close the script element.
    data = json.dumps(linked, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    html = Markup("").join(_meta(name, value) for name, value in tags)
    return html + Markup('<script type="application/ld+json">{}</script>\n').format(Markup(data))
