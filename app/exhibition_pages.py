"""Public pages of the online exhibitions (网上展览, 微展览): ``/exhibitions`` lists the
published ones, newest first; ``/exhibitions/<slug>`` shows one, its sections, the items
the public may see (asked of :func:`catalog.policy.view_of` each time, see
:mod:`app.exhibition_view`) and its cover.

An unpublished exhibition answers exactly like an unknown slug (404) to everyone but
staff, who see the draft as the public will (only its public items), marked as a draft
and kept out of caches.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, send_file, url_for
from flask_babel import gettext as _

from app import lantai_of
from app.auth import current_user
from app.exhibition_view import exhibition_meta, public_exhibition
from catalog.exhibitions import Exhibition

exhibitions = Blueprint("exhibitions", __name__)


def _staff() -> bool:
    user = current_user()
    return user is not None and user.audience.is_staff


def _visible(slug: str) -> Exhibition:
    """The exhibition of ``slug`` when the caller may see it; else 404 (no oracle: a draft
    answers as an unknown slug)."""
    found = lantai_of(current_app).store.exhibitions().get(slug)
    if found is None or not (found.published or _staff()):
        abort(404)
    return found


def _private(response):
    response.cache_control.no_cache = True
    response.cache_control.private = True
    return response


@exhibitions.get("/exhibitions")
def index():
    """The published exhibitions, newest first, with their English titles where given."""
    listed = lantai_of(current_app).store.exhibitions().listing(published_only=True)
    return render_template("exhibitions.html", q="", exhibitions=listed)


@exhibitions.get("/exhibitions/<slug>")
def exhibition(slug: str):
    """One exhibition: its introduction, sections, and the items the public may see, each
    with its page image where the original-access rule allows and a link to its record."""
    found = _visible(slug)
    shown = public_exhibition(lantai_of(current_app).search, found)
    page = render_template(
        "exhibition.html",
        q="",
        exhibition=shown,
        meta=exhibition_meta(shown, _("兰台档案检索")),
    )
    response = current_app.make_response(page)
    # Revalidated every time: an item whose record was closed again must not live on in a cache.
    return _private(response) if not found.published else _revalidated(response)


def _revalidated(response):
    response.cache_control.no_cache = True
    return response


@exhibitions.get("/sitemap-exhibitions.xml")
def sitemap():
    """The sitemap of the published exhibitions' pages, with ``lastmod`` (listed in
    ``/sitemap.xml`` when there are any)."""
    from app.findability import urlset

    listed = lantai_of(current_app).store.exhibitions().listing(published_only=True)
    return urlset(
        (url_for("exhibitions.exhibition", slug=e.slug, _external=True), e.updated_at) for e in listed
    )


@exhibitions.get("/exhibitions/<slug>/cover")
def cover(slug: str):
    """The cover image (封面) of an exhibition the caller may see: the curators' own image,
    not a record's."""
    _visible(slug)
    image = lantai_of(current_app).store.exhibitions().cover(slug)
    if image is None:
        abort(404)
    from io import BytesIO

    response = send_file(BytesIO(image.data), mimetype=image.media_type, download_name=image.name, max_age=0)
    return _revalidated(response)
