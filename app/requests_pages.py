"""Requests to consult records (查档申请), for anyone: the form ``/requests/new`` and
``POST /api/v1/requests`` file one; ``/requests/<reference>?code=`` and
``GET /api/v1/requests/<reference>?code=`` follow it. A wrong or missing code answers like
an unknown reference (404)."""

from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_file
from flask_babel import gettext as _

from app import lantai_of
from app.api_models import ErrorAnswer
from app.auth import current_audience, current_user
from app.openapi import described, query_of
from app.request_labels import request_labels
from app.request_models import FiledRequest, FollowCode, FollowedRequest, RequestToFile
from search.request_input import Honeypot, RequestInvalid, TooManyRequests

requests_bp = Blueprint("requests", __name__)
#: What a robot that filled the honeypot is told: a reference and code that lead nowhere.
DECOY = {"reference": "2026-QUEUED00", "check_code": "queued"}


@requests_bp.app_context_processor
def labels() -> dict:
    """The request vocabularies' names for every template."""
    return {"request_labels": request_labels()}


def file_from(payload: dict, entered_by: str | None = None) -> tuple[int, dict]:
    """File a request from form or JSON fields for the caller: ``(status, answer)`` with
    the answer ``{"reference", "check_code"}``, or the error and the bad fields."""
    lantai = lantai_of(current_app)
    user = current_user()
    try:
        filed, code = lantai.requests.file(
            payload,
            current_audience(),
            request.remote_addr or "",
            user_id=user.id if user else None,
            entered_by=entered_by,
        )
    except Honeypot:
        return 201, DECOY
    except TooManyRequests:
        return 429, {"error": _("提交过于频繁，请一小时后再试。")}
    except RequestInvalid as error:
        return 400, {"error": str(error), "fields": error.errors}
    return 201, {"reference": filed.reference, "check_code": code}


@requests_bp.route("/requests/new", methods=["GET", "POST"])
def new_request():
    """The request form (申请查阅); ``?record=`` fills in a record's id or 档号."""
    if request.method == "GET":
        form = {"records": request.args.get("record", "")[:300]}
        return render_template("request_new.html", form=form, errors={}, staff_entry=False, q="")
    status, answer = file_from(request.form.to_dict())
    if status == 201:
        return render_template("request_filed.html", answer=answer, q=""), 201
    return refused_form(answer, status, staff_entry=False)


def refused_form(answer: dict, status: int, staff_entry: bool):
    """The filing form again, with the fields the answer names as wrong and its message."""
    page = render_template(
        "request_new.html",
        form=request.form,
        errors=answer.get("fields", {}),
        message=answer["error"],
        staff_entry=staff_entry,
        q="",
    )
    return page, status


@requests_bp.get("/requests/<reference>")
def follow(reference: str):
    """A request's status and timeline for the holder of its check code."""
    code = request.args.get("code", "")
    followed = lantai_of(current_app).requests.follow(reference, code)
    if followed is None:
        abort(404)
    return render_template("request_follow.html", r=followed, code=code, q="")


@requests_bp.get("/requests/<reference>/files/<int:file_id>")
def requester_file(reference: str, file_id: int):
    """A file staff attached (e.g. a 档案证明), for the holder of the check code."""
    found = lantai_of(current_app).requests.requester_file(reference, request.args.get("code", ""), file_id)
    if found is None:
        abort(404)
    return attachment_response(*found)


def attachment_response(filename: str, content_type: str, data: bytes):
    """An attached file as a download."""
    return send_file(
        io.BytesIO(data),
        mimetype=content_type or "application/octet-stream",
        as_attachment=True,
        download_name=filename,  # a Chinese name goes as filename* (RFC 6266), the header stays ASCII
    )


@requests_bp.post("/api/v1/requests")
@described(
    summary="File a request to consult records",
    body=RequestToFile,
    answers={201: FiledRequest, 429: ErrorAnswer},
    tag="requests",
)
def api_file():
    """``POST /api/v1/requests`` with ``{"name", "contact", "purpose", "kind", "records",
    "description", "delivery"}``: 201 ``{"reference", "check_code"}``; 400 names the bad
    fields; 429 past the hourly limit."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify(
            error="body: a JSON object is required", fields={"body": "a JSON object is required"}
        ), 400
    status, answer = file_from(payload)
    return jsonify(answer), status


@requests_bp.get("/api/v1/requests/<reference>")
@described(
    summary="Follow a request with its check code",
    query=FollowCode,
    answers={200: FollowedRequest},
    tag="requests",
)
def api_follow(reference: str):
    """``GET /api/v1/requests/<reference>?code=``: status and timeline, or 404."""
    followed = lantai_of(current_app).requests.follow(reference, query_of(FollowCode).code)
    if followed is None:
        abort(404)
    return jsonify(followed)
