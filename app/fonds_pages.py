"""Fonds pages (全宗浏览): an archive's fonds, a fonds' series and files, one series.

``/fonds/<archive>`` lists the fonds (全宗) of an archive, ``/fonds/<archive>/<fonds>`` a
fonds' description (全宗介绍), its series (目录号/类别) and files (案卷/件), and
``/fonds/<archive>/<fonds>/<series>`` the files of one series; every count and list is the
public's (:mod:`search.fonds`). A fonds none of whose records is public answers 404,
exactly like one that does not exist. Each page has a "search within" form.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for

from app import lantai_of
from app.facet_links import SearchState, pagination
from app.labels import archive_label
from catalog.policy import PUBLIC
from search.fonds import archive_fonds, fonds_page
from search.params import ParamError, parse_request

fonds_bp = Blueprint("fonds", __name__)


@fonds_bp.get("/fonds/<archive>")
def archive(archive: str):
    """The fonds of an archive with the number of public records of each."""
    data = archive_fonds(lantai_of(current_app).search, archive, PUBLIC)
    if data is None:
        abort(404)
    return render_template(
        "fonds_archive.html",
        q="",
        data=data,
        crumbs=[{"label": archive_label(archive), "url": None}],
        within=[("archive", archive)],
    )


@fonds_bp.get("/fonds/<archive>/<fonds>")
@fonds_bp.get("/fonds/<archive>/<fonds>/<path:series>")
def fonds(archive: str, fonds: str, series: str = ""):
    """A fonds (or one of its series): description, series with counts, files in date order."""
    lantai = lantai_of(current_app)
    try:
        checked = parse_request({"page": request.args.get("page", "")}, lantai.settings)
    except ParamError as error:
        return render_template("error.html", message=str(error), q=""), 400
    data = fonds_page(lantai.search, archive, fonds, PUBLIC, series=series, page=checked.page)
    if data is None:
        abort(404)
    result = data["result"]
    pages = max(1, -(-result["total"] // checked.size))
    view_args = {"archive": archive, "fonds": fonds, **({"series": series} if series else {})}
    state = SearchState({}, "fonds.fonds", **view_args)
    crumbs = [
        {"label": archive_label(archive), "url": url_for("fonds.archive", archive=archive)},
        {"label": fonds, "url": url_for("fonds.fonds", archive=archive, fonds=fonds) if series else None},
    ]
    if series:
        crumbs.append({"label": series, "url": None})
    within = [("archive", archive), ("fonds", fonds)] + ([("series", series)] if series else [])
    return render_template(
        "fonds.html",
        q="",
        data=data,
        result=result,
        crumbs=crumbs,
        within=within,
        pagination=pagination(result["page"], pages, lambda p: state.url(page=p)),
    )
