"""Search results export (检索结果导出): ``GET /api/v1/search/export?format=csv|json|ris&…``.

The same parameters as ``/api/v1/search``; the first ``export_max_records`` results, each
with its GB/T 7714-2015 citation. Which records, and what of them, is decided by
:meth:`search.service.SearchService.export` with the caller's audience (the public view for
anonymous callers), record by record through the access policy; a 目录开放 record is
exported with its catalog fields only. Exports by signed-in users go into the audit log.
"""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime
from typing import Literal, get_args

from flask import Blueprint, Response, current_app, jsonify, request, send_file
from pydantic import Field

from app import lantai_of
from app.api_models import ErrorAnswer
from app.auth import current_audience, current_user
from app.exports import FORMATS, ExportItem, export_item, render
from app.labels import archive_info
from app.openapi import Download, described
from search.params import ParamError, SearchParameters, parse_request

search_export = Blueprint("search_export", __name__)

#: The formats of a search export (a compilation, docx, is made from a topic folder).
SearchFormat = Literal["csv", "json", "ris"]
SEARCH_FORMATS: tuple[str, ...] = get_args(SearchFormat)
AUDIT_ACTION = "export.search"


class SearchExportParameters(SearchParameters):
    """The search's parameters and the export's format."""

    format: SearchFormat = Field(description="the file format")


@search_export.errorhandler(ParamError)
def bad_parameter(error: ParamError):
    """Invalid parameters answer 400 with the reason, as ``/api/v1/search`` does."""
    return jsonify(error=str(error), parameter=error.name), 400


def plain_excerpt(snippet: str) -> str:
    """A search snippet (HTML-escaped, ``<mark>`` around the matches) as plain text.

    >>> plain_excerpt("…全市<mark>土地</mark>改革 &amp; 复查…")
    '…全市土地改革 & 复查…'
    """
    return html.unescape(re.sub(r"</?mark>", "", snippet))


def hit_item(hit: dict) -> ExportItem:
    """The export item of one exported hit (see :meth:`search.service.SearchService.export`)."""
    return export_item(
        hit, archive_info(hit["archive"]), excerpt=plain_excerpt(hit["snippet"]), pages=hit["pages"]
    )


def file_name(kind: str, words: str, extension: str, day: str) -> str:
    """A download's name: ``lantai-<kind>-<words>-<day>.<ext>``, the words (a query, a
    folder's name) cut to 30 characters of letters, digits and Chinese, ``all`` without any.

    >>> file_name("search", "宝鸡 红色档案", "csv", "2026-12-02")
    'lantai-search-宝鸡-红色档案-2026-12-02.csv'
    >>> file_name("folder", "", "docx", "2026-12-02")
    'lantai-folder-all-2026-12-02.docx'
    """
    words = re.sub(r"[^\w]+", "-", words).strip("-_")[:30].strip("-_")
    return f"lantai-{kind}-{words or 'all'}-{day}.{extension}"


def export_file(format_name: str, title: str, items: list[ExportItem], kind: str, words: str) -> Response:
    """``items`` under ``title`` in ``format_name`` (a key of :data:`app.exports.FORMATS`)
    as an attachment named by :func:`file_name`, never kept in a cache (what a caller may
    export changes with every decision and sign-in); ``X-Export-Count`` says how many."""
    export_format = FORMATS[format_name]
    day = datetime.now(UTC).date().isoformat()
    response = send_file(
        io.BytesIO(render(format_name, title, items)),
        mimetype=export_format.mimetype,
        as_attachment=True,
        download_name=file_name(kind, words, export_format.extension, day),
        etag=False,
        max_age=0,
    )
    response.cache_control.no_store = True
    response.cache_control.private = True
    response.headers["X-Export-Count"] = str(len(items))
    return response


@search_export.get("/search/export")
@described(
    summary="Download a search's results with citations",
    query=SearchExportParameters,
    answers={
        200: Download(tuple(FORMATS[f].mimetype for f in SEARCH_FORMATS)),
        400: ErrorAnswer,
        503: ErrorAnswer,
    },
)
def export():
    """``GET /api/v1/search/export?format=csv|json|ris&q=&archive=&type=&year_from=&year_to=&sort=``
    (and ``person=``, ``place=``, ``org=``): an attachment of the results as the caller may
    see them; 400 naming the parameter for a malformed one or an unknown format."""
    lantai = lantai_of(current_app)
    name = (request.args.get("format") or "").strip().lower()
    if name not in SEARCH_FORMATS:
        raise ParamError(
            "format", f"{name!r} is not an export format; use one of {', '.join(SEARCH_FORMATS)}"
        )
    search_request = parse_request(request.args, lantai.settings)
    answer = lantai.search.export(search_request, current_audience(), lantai.settings.export_max_records)
    items = [hit_item(hit) for hit in answer["hits"]]
    query = search_request.raw_query
    user = current_user()
    if user is not None:
        params = {key: request.args.getlist(key) for key in request.args if key != "format"}
        lantai.store.append_audit(
            user.name,
            AUDIT_ACTION,
            query,
            {"format": name, "params": params, "items": len(items), "total": answer["total"]},
        )
    return export_file(name, f"检索结果：{query}" if query else "检索结果", items, "search", query)
