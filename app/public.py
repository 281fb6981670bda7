"""Public pages for citizens: search home, results, record pages, entity pages, search tips.

Every view asks the search service with the PUBLIC audience and renders; nothing here
touches an engine or the catalog store directly. What the pages show is built by the
presentation modules: facet_links (the search's URL state and facets), timeline,
empty_hints, record_view and citation.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_babel import gettext as _

from app import lantai_of
from app.auth import current_audience, current_user
from app.citation import citation
from app.empty_hints import empty_hints
from app.facet_links import SearchState, back_link, build_facets, pagination, related_entities
from app.findability import citation_meta
from app.labels import ENTITY_KINDS, KIND_TITLES, RELEVANCE_FIELDS, SORT_TITLES, TIE_TITLES
from app.originals import (
    FileChanged,
    content_type,
    download_name,
    open_verified,
    page_png,
    servable,
    shown_page,
)
from app.record_view import pages_view
from app.timeline import build_timeline
from app.workspace_api import WORKSPACE_ROLES
from catalog.policy import ORIGINAL_SHOWN, PUBLIC
from search.did_you_mean import with_did_you_mean
from search.params import ParamError, parse_request
from search.relevance import Relevance

# ``citation`` stays importable from here, where it was first defined.
__all__ = ["citation", "public"]

public = Blueprint("public", __name__)


@public.get("/")
def home():
    """The search home page: one search box, what the holdings hold, the timeline."""
    lantai = lantai_of(current_app)
    overview = lantai.search.search(replace(parse_request({}, lantai.settings), size=1), PUBLIC)
    state = SearchState({})
    timeline = build_timeline(overview["facets"]["year"], lambda y: state.url(year_from=y, year_to=y))
    return render_template(
        "home.html",
        q="",
        overview=overview,
        state=state,
        facets=build_facets(overview["facets"], state),
        timeline=timeline,
    )


@public.get("/search")
def search():
    """Results page: same parameters as ``/api/v1/search``."""
    lantai = lantai_of(current_app)
    try:
        search_request = parse_request(request.args, lantai.settings)
        result = with_did_you_mean(
            lantai.search.search(search_request, PUBLIC), lantai.search, search_request
        )
    except ParamError as error:
        return render_template("error.html", message=str(error), q=request.args.get("q", "")), 400
    state = SearchState(request.args)
    pages = max(1, -(-result["total"] // search_request.size))
    timeline = build_timeline(
        result["facets"]["year"],
        lambda y: state.url(year_from=y, year_to=y),
        (state.get("year_from"), state.get("year_to")),
    )
    hints = empty_hints(search_request, state, lantai.search) if not result["total"] else {}
    return render_template(
        "search.html",
        q=search_request.raw_query,
        result=result,
        state=state,
        pages=pages,
        pagination=pagination(result["page"], pages, lambda p: state.url(page=p)),
        facets=build_facets(result["facets"], state),
        timeline=timeline,
        hints=hints,
        sort=search_request.sort,
        sorts=SORT_TITLES,
        sample=lantai.settings.facet_sample_size,
        back=state.querystring(result["page"]),
        my_folders=_my_folders(),
    )


@public.get("/records/<path:record_id>")
def record(record_id: str):
    """A record page; a closed record answers exactly like a missing one.

    ``?q=`` highlights the query in the text; ``?back=`` (the results' parameters) gives
    the link back to the results. A record read from files shows its text page by page
    (``id="page-N"``, so results link straight to the first matching page), with the
    image of each page of a PDF or scan (with the query's matches boxed over it, for a page
    with word boxes) and a download of the original file, where
    :func:`catalog.policy.view_of` allows them.

    Pages are the public's, except for a researcher holding access grants (查阅许可): the
    page asks the policy with their audience, which opens the records granted to them
    (text only, never page images beyond the public's), and is kept out of shared caches.
    """
    q = request.args.get("q", "")[:500]
    audience = current_audience()
    reader = audience if audience.grants else PUBLIC
    reading = lantai_of(current_app).search.reading(record_id, reader, q)
    if reading is None:
        abort(404)
    data = reading["record"]
    paged = pages_view(data, reading["pages"], reading["originals"])
    if paged and q:
        _box_matches(record_id, paged, q)
    page = render_template(
        "record.html",
        record=data,
        q=q,
        paged=paged,
        back_url=back_link(request.args.get("back", "")),
        my_folders=_my_folders(),
        meta=citation_meta(data),
    )
    return _revalidated(current_app.make_response(page)) if reader is not PUBLIC else page


def _box_matches(record_id: str, paged: dict, q: str) -> None:
    """Give each shown page image with hits the boxes of the query's matches on it (as the
    ``/api/v1/records/<id>/pages/<n>/boxes`` route answers them; the public's decision)."""
    numbers = [p["number"] for p in paged["pages"] if p["hits"] and p["image"] and p["image"].get("url")]
    if not numbers:
        return
    boxes = lantai_of(current_app).search.page_boxes(record_id, numbers, q, PUBLIC) or {}
    for page in paged["pages"]:
        if page["number"] in boxes:
            page["image"]["boxes"] = boxes[page["number"]]


def _my_folders() -> list[dict] | None:
    """The signed-in researcher's topic folders (for "add to folder"), or None."""
    user = current_user()
    if user is None or user.role not in WORKSPACE_ROLES:
        return None
    return lantai_of(current_app).workspace.folders(user)


def _original_gone():
    message = _("原件已更改或已不在原处，暂不能提供。请联系档案馆。")
    return render_template("error.html", message=message, q=""), 410


def _revalidated(response):
    # Revalidated on every view: a record closed again must not live on in a cache.
    response.cache_control.no_cache = True
    response.cache_control.private = True
    return response


@public.get("/records/<path:record_id>/pages/<int:number>.png")
def page_image(record_id: str, number: int):
    """The image of one page of an open record, rendered from its original PDF or scan.

    404, exactly like a missing record, unless :func:`catalog.policy.view_of`
    says ``shown`` (the record's text is public and no personal data was found on the
    page); 410 when the file is gone or is no longer what ingest read.
    """
    lantai = lantai_of(current_app)
    facts = lantai.search.originals(record_id, PUBLIC) or {}
    shown = shown_page(facts, number)
    if shown is None:
        abort(404)
    page, file = shown
    try:
        path = page_png(file, page["index"], lantai.settings.data_dir)
    except FileChanged:
        return _original_gone()
    except LookupError:
        abort(404)
    except Exception:  # noqa: BLE001 - a file ingest read but the renderer cannot draw
        current_app.logger.exception("page %s of %s could not be drawn", number, record_id)
        abort(404)
    name = f"{download_name(facts['archive_code'], 1, False, '')}-p{number}.png"
    return _revalidated(
        send_file(path, mimetype="image/png", download_name=name, conditional=True, etag=True, max_age=0)
    )


@public.get("/records/<path:record_id>/files/<int:number>")
def original_file(record_id: str, number: int):
    """Download an open record's original file (PDF or scan), named by its 档号.

    404, exactly like a missing record, unless :func:`catalog.policy.view_of`
    says ``shown`` for the file (its record's text is public and no personal data was
    found on any of its pages); 410 when the file is gone or is no longer what ingest read.
    """
    lantai = lantai_of(current_app)
    facts = lantai.search.originals(record_id, PUBLIC) or {}
    file = next((f for f in facts.get("files", []) if f["number"] == number), None)
    if file is None or not servable(file) or file["original"] != ORIGINAL_SHOWN:
        abort(404)
    try:
        handle = open_verified(file)
    except FileChanged:
        return _original_gone()
    name = download_name(facts["archive_code"], number, len(facts["files"]) > 1, file["path"])
    response = send_file(
        handle,
        mimetype=content_type(file["path"]),
        as_attachment=True,
        download_name=name,
        conditional=True,
        etag=file["sha256"],
        max_age=0,
    )
    return _revalidated(response)


@public.get("/entities/<kind>/<path:name>")
def entity(kind: str, name: str):
    """An entity page: the public records that mention a person, place or organization.

    404, exactly like a missing record, when no public record mentions it.
    """
    lantai = lantai_of(current_app)
    if kind not in ENTITY_KINDS:
        abort(404)
    try:
        checked = parse_request(
            {"page": request.args.get("page", ""), "sort": request.args.get("sort", "") or "date"},
            lantai.settings,
        )
    except ParamError as error:
        return render_template("error.html", message=str(error), q=""), 400
    data = lantai.search.entity(kind, name, PUBLIC, page=checked.page, sort=checked.sort)
    if data is None:
        abort(404)
    result = data["result"]
    state = SearchState({"sort": checked.sort}, "public.entity", kind=kind, name=name)
    pages = max(1, -(-result["total"] // checked.size))
    search_state = SearchState({kind: data["name"]})
    timeline = build_timeline(result["facets"]["year"], lambda y: search_state.url(year_from=y, year_to=y))
    return render_template(
        "entity.html",
        q="",
        entity=data,
        kind_title=str(KIND_TITLES[kind]),
        result=result,
        timeline=timeline,
        related=related_entities(result["facets"], kind, data["name"]),
        pagination=pagination(result["page"], pages, lambda p: state.url(page=p)),
        search_url=search_state.url(),
        sort=checked.sort,
        sorts=SORT_TITLES,
        state=state,
        back=search_state.querystring(),
    )


@public.get("/help/search")
def search_tips():
    """How to search: scripts, pinyin, phrases, operators, fields, filters, and how results
    are ordered (this installation's ``relevance_*`` settings)."""
    relevance = Relevance.from_settings(lantai_of(current_app).settings)
    weights = sorted(
        ((RELEVANCE_FIELDS[name], getattr(relevance, name)) for name in RELEVANCE_FIELDS),
        key=lambda item: -item[1],
    )
    return render_template(
        "search_tips.html",
        q="",
        weights=[(label, f"{weight:g}") for label, weight in weights],
        phrase_boost=f"{relevance.phrase:g}",
        ties=[TIE_TITLES[key] for key in relevance.tie_break],
    )
