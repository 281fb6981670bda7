"""JSON API, ``/api/v1``: search, records and suggestions for any caller."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request

from app import lantai_of
from app.api_models import ErrorAnswer, RecordAnswer, SearchAnswer, SuggestAnswer, SuggestParameters
from app.auth import current_audience
from app.openapi import described, query_of
from search.did_you_mean import with_did_you_mean
from search.params import ParamError, SearchParameters, parse_request

api = Blueprint("api", __name__)


@api.errorhandler(ParamError)
def bad_parameter(error: ParamError):
    """Invalid parameters answer 400 with the reason."""
    return jsonify(error=str(error), parameter=error.name), 400


@api.get("/search")
@described(
    summary="Search the holdings",
    query=SearchParameters,
    answers={200: SearchAnswer, 400: ErrorAnswer, 503: ErrorAnswer},
)
def search():
    """``GET /api/v1/search?q=&page=&size=&archive=&type=&year_from=&year_to=&sort=``; a query
    without hits carries ``did_you_mean`` (您是不是要找, from public records only), else null."""
    lantai = lantai_of(current_app)
    search_request = parse_request(request.args, lantai.settings)
    answer = lantai.search.search(search_request, current_audience())
    return jsonify(with_did_you_mean(answer, lantai.search, search_request))


@api.get("/records/<path:record_id>")
@described(
    summary="One record as the caller may see it",
    answers={200: RecordAnswer, 404: ErrorAnswer, 503: ErrorAnswer},
)
def record(record_id: str):
    """``GET /api/v1/records/<archive>/<archive_code>``: 404 for missing and closed alike."""
    data = lantai_of(current_app).search.record(record_id, current_audience())
    if data is None:
        abort(404)
    return jsonify(data)


@api.get("/suggest")
@described(
    summary="Titles for a prefix (autocomplete)",
    query=SuggestParameters,
    answers={200: SuggestAnswer, 400: ErrorAnswer, 503: ErrorAnswer},
)
def suggest():
    """``GET /api/v1/suggest?q=``: titles of visible records."""
    q = query_of(SuggestParameters).q
    return jsonify(query=q, suggestions=lantai_of(current_app).search.suggest(q, current_audience()))
