"""JSON API, ``/api/v1``: search, records and suggestions for any caller."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request

from app import lantai_of
from app.auth import current_audience
from search.did_you_mean import with_did_you_mean
from search.params import ParamError, parse_request

api = Blueprint("api", __name__)


@api.errorhandler(ParamError)
def bad_parameter(error: ParamError):
    """Invalid parameters answer 400 with the reason."""
    return jsonify(error=str(error), parameter=error.name), 400


@api.get("/search")
def search():
    """``GET /api/v1/search?q=&page=&size=&archive=&type=&year_from=&year_to=&sort=``; a query
    without hits carries ``did_you_mean`` (您是不是要找, from public records only), else null."""
    lantai = lantai_of(current_app)
    search_request = parse_request(request.args, lantai.settings)
    answer = lantai.search.search(search_request, current_audience())
    return jsonify(with_did_you_mean(answer, lantai.search, search_request))


@api.get("/records/<path:record_id>")
def record(record_id: str):
    """``GET /api/v1/records/<archive>/<archive_code>``: 404 for missing and closed alike."""
    data = lantai_of(current_app).search.record(record_id, current_audience())
    if data is None:
        abort(404)
    return jsonify(data)


@api.get("/suggest")
def suggest():
    """``GET /api/v1/suggest?q=``: titles of visible records."""
    q = request.args.get("q", "")
    return jsonify(query=q, suggestions=lantai_of(current_app).search.suggest(q, current_audience()))
