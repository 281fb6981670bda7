"""Public pages for citizens: search home, results, record page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for

from app import lantai_of
from catalog.policy import PUBLIC
from search.service import ParamError, parse_request

public = Blueprint("public", __name__)


@public.get("/")
def home():
    """The search home page."""
    return render_template("home.html", q="")


@public.get("/search")
def search():
    """Results page: same parameters as ``/api/v1/search``."""
    lantai = lantai_of(current_app)
    try:
        search_request = parse_request(request.args, lantai.settings)
    except ParamError as error:
        return render_template("error.html", message=str(error)), 400
    result = lantai.search.search(search_request, PUBLIC)
    pages = max(1, -(-result["total"] // search_request.size))

    def page_url(page: int) -> str:
        args = request.args.to_dict(flat=False)
        args["page"] = [str(page)]
        return url_for("public.search", **args)

    return render_template("search.html", q=search_request.raw_query, result=result,
                           pages=pages, page_url=page_url)


@public.get("/records/<path:record_id>")
def record(record_id: str):
    """A record page; a closed record answers exactly like a missing one."""
    data = lantai_of(current_app).search.record(record_id, PUBLIC)
    if data is None:
        abort(404)
    return render_template("record.html", record=data, q="")
