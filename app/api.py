"""JSON API, ``/api/v1``: search, records and suggestions for any caller."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request

from app import lantai_of
from app.api_models import (
    BoxesAnswer,
    BoxesParameters,
    ErrorAnswer,
    RecordAnswer,
    SearchAnswer,
    SuggestAnswer,
    SuggestParameters,
)
from app.auth import current_audience
from app.openapi import described, query_of
from app.originals import shown_page
from catalog.policy import PUBLIC
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


@api.get("/records/<path:record_id>/pages/<page>/boxes")
@described(
    summary="Where a query matches on a page image",
    query=BoxesParameters,
    answers={200: BoxesAnswer, 400: ErrorAnswer, 404: ErrorAnswer, 503: ErrorAnswer},
)
def page_boxes(record_id: str, page: str):
    """``GET /api/v1/records/<archive>/<archive_code>/pages/<n>/boxes?q=``: one box per line
    of each match of the query's terms on page ``n`` (from 1), as fractions of the page
    image (``/records/<id>/pages/<n>.png``), character by character for Chinese.

    Answers exactly where that page image is served (the public's view: an open record,
    no personal data on the page); otherwise 404, as for a missing record. A page number
    that is not a whole number from 1 is 400 naming ``page``."""
    if not page.isascii() or not page.isdigit() or not 0 < int(page) <= 1_000_000:
        raise ParamError("page", "must be a page number (a whole number from 1)")
    number = int(page)
    q = query_of(BoxesParameters).q
    search = lantai_of(current_app).search
    if shown_page(search.originals(record_id, PUBLIC), number) is None:
        abort(404)
    boxes = (search.page_boxes(record_id, [number], q, PUBLIC) or {}).get(number)
    if boxes is None:
        abort(404)
    return jsonify(id=record_id, page=number, query=q, unit="fraction", boxes=boxes)


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
