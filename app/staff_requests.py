"""Staff answering requests (查档申请办理): ``/staff/requests`` with filters, one request with
its timeline and the forms to reply, attach a file, decline citing a rule, or forward; entry
of phone, letter and walk-in requests; the year's figures. The same as JSON under
``/api/v1/staff/requests``. A request not addressed to the caller's archives answers 404."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import lantai_of
from app.api_models import ErrorAnswer
from app.auth import current_audience, current_user, roles_required
from app.openapi import Download, described, query_of
from app.request_models import (
    RequestStep,
    RequestStepForm,
    StaffRequestFilters,
    StaffRequests,
    StaffRequestWithTimeline,
)
from app.requests_pages import attachment_response, file_from, refused_form
from catalog.request_privacy import mask_contact, mask_name
from search.request_input import RequestInvalid
from search.request_stats import request_figures
from search.requests import Answer, Attachment

staff_requests = Blueprint("staff_requests", __name__)
STAFF_ROLES = ("staff", "reviewer", "admin")
FILTERS = ("archive", "status", "kind", "source")


def _name() -> str:
    user = current_user()
    assert user is not None  # the views calling this require a signed-in user
    return user.name


def _filters() -> dict:
    given = query_of(StaffRequestFilters)
    found: dict = given.model_dump(include=set(FILTERS))
    found["overdue"] = given.overdue == "1"
    return found


def _step_from_request() -> Answer:
    """The step staff took, from a form (with files) or a JSON body."""
    payload: Any = request.get_json(silent=True) if request.is_json else request.form
    if payload is None or not hasattr(payload, "get"):
        raise RequestInvalid({"body": "a JSON object or a form is required"})
    grant_raw = payload.get("grant_until") or ""
    try:
        grant_until = date.fromisoformat(grant_raw) if grant_raw else None
    except (TypeError, ValueError):
        raise RequestInvalid({"grant_until": f"{grant_raw!r} is not a date (YYYY-MM-DD)"}) from None
    files = tuple(
        Attachment(upload.filename or "file", upload.mimetype or "application/octet-stream", upload.read())
        for upload in request.files.getlist("file")
        if upload and upload.filename
    )
    return Answer(
        action=str(payload.get("action", "")),
        text=str(payload.get("text", "")).strip(),
        rule=str(payload.get("rule", "")).strip(),
        to_archive=str(payload.get("to_archive", "")).strip(),
        files=files,
        grant_until=grant_until,
    )


@staff_requests.get("/staff/requests")
@roles_required(*STAFF_ROLES)
def listing():
    """Requests addressed to the user's archives, newest first, with filters."""
    items = lantai_of(current_app).requests.listing(current_audience(), **_filters())
    return render_template("staff_requests.html", items=items, args=request.args, q="")


@staff_requests.route("/staff/requests/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def enter():
    """Enter a phone, letter or walk-in request on behalf of a person, with its source."""
    if request.method == "GET":
        form = {"records": request.args.get("record", "")[:300], "source": "phone"}
        return render_template("request_new.html", form=form, errors={}, staff_entry=True, q="")
    status, answer = file_from(request.form.to_dict(), entered_by=_name())
    if status == 201:
        flash(
            _(
                "已登记查档申请 %(ref)s，查询码 %(code)s。",
                ref=answer["reference"],
                code=answer["check_code"],
            ),
            "ok",
        )
        return redirect(url_for("staff_requests.detail", reference=answer["reference"]))
    return refused_form(answer, status, staff_entry=True)


@staff_requests.get("/staff/requests/stats")
@roles_required(*STAFF_ROLES)
def stats():
    """The year's figures for the annual report (利用人次, 查档件次)."""
    raw = request.args.get("year", "")
    year = int(raw) if raw.isdigit() and len(raw) == 4 else date.today().year
    figures = request_figures(lantai_of(current_app).store.requests(), year)
    return render_template("staff_request_stats.html", f=figures, q="")


@staff_requests.get("/staff/requests/<reference>")
@roles_required(*STAFF_ROLES)
def detail(reference: str):
    """One request with its timeline and the forms to answer it."""
    lantai = lantai_of(current_app)
    found = lantai.requests.staff_view(reference, current_audience())
    if found is None:
        abort(404)
    archives = [a for a in lantai.search.known_archives() if a != found["archive"]]
    return render_template("staff_request.html", r=found, other_archives=archives, q="")


@staff_requests.post("/staff/requests/<reference>")
@roles_required(*STAFF_ROLES)
def act(reference: str):
    """Take one step on a request from the page's forms."""
    try:
        done = lantai_of(current_app).requests.answer(
            reference, current_audience(), _name(), _step_from_request()
        )
    except RequestInvalid as error:
        flash(str(error), "error")
        return redirect(url_for("staff_requests.detail", reference=reference))
    if done is None:
        abort(404)
    flash(_("已保存。"), "ok")
    if "timeline" not in done:  # forwarded to an archive the user does not serve
        return redirect(url_for("staff_requests.listing"))
    return redirect(url_for("staff_requests.detail", reference=reference))


@staff_requests.get("/staff/requests/<reference>/files/<int:file_id>")
@roles_required(*STAFF_ROLES)
def staff_file(reference: str, file_id: int):
    """A file attached to a request the user serves."""
    found = lantai_of(current_app).requests.staff_file(reference, current_audience(), file_id)
    if found is None:
        abort(404)
    return attachment_response(*found)


def requests_csv(items: list[dict]) -> str:
    """Requests as CSV for a work report, the requester's name and contact masked (脱敏)."""
    out = io.StringIO()
    writer = csv.writer(out)
    columns = (
        "reference",
        "archive",
        "status",
        "kind",
        "source",
        "delivery",
        "filed_at",
        "due_on",
        "closed_at",
    )
    writer.writerow((*columns, "name", "contact", "records"))
    for item in items:
        masked = (mask_name(item.get("name", "")), mask_contact(item.get("contact", "")))
        writer.writerow(
            (*(item[c] or "" for c in columns), *masked, " ".join(r["id"] for r in item["records"]))
        )
    return out.getvalue()


def _api_staff():
    user = current_user()
    if user is None:
        return jsonify(error="sign in or send an API token"), 401
    if user.role not in STAFF_ROLES:
        abort(404)
    return None


@staff_requests.get("/api/v1/staff/requests")
@described(
    summary="Requests addressed to the caller's archives",
    query=StaffRequestFilters,
    answers={200: (StaffRequests, Download(("text/csv",))), 404: ErrorAnswer},
    auth="required",
    tag="requests",
)
def api_listing():
    """``GET /api/v1/staff/requests?archive=&status=&kind=&source=&overdue=1[&format=csv]``;
    the CSV export masks requesters' names and contacts (audited)."""
    refused = _api_staff()
    if refused:
        return refused
    lantai = lantai_of(current_app)
    items = lantai.requests.listing(current_audience(), **_filters())
    if query_of(StaffRequestFilters).format == "csv":
        lantai.store.append_audit(
            _name(), "request.export", "requests", {"rows": len(items), "format": "csv"}
        )
        return current_app.response_class(
            requests_csv(items),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=requests.csv"},
        )
    return jsonify(requests=items, total=len(items))


@staff_requests.get("/api/v1/staff/requests/<reference>")
@described(
    summary="One request with its timeline",
    answers={200: StaffRequestWithTimeline},
    auth="required",
    tag="requests",
)
def api_detail(reference: str):
    """``GET /api/v1/staff/requests/<reference>``: the request with its timeline, or 404."""
    refused = _api_staff()
    if refused:
        return refused
    found = lantai_of(current_app).requests.staff_view(reference, current_audience())
    if found is None:
        abort(404)
    return jsonify(found)


@staff_requests.post("/api/v1/staff/requests/<reference>")
@described(
    summary="Take a step on a request",
    body=RequestStep,
    form=RequestStepForm,
    answers={200: StaffRequestWithTimeline},
    auth="required",
    tag="requests",
)
def api_act(reference: str):
    """``POST /api/v1/staff/requests/<reference>`` ``{"action", "text", "rule",
    "to_archive", "grant_until"}`` (or a form with ``file``): the request after the step."""
    refused = _api_staff()
    if refused:
        return refused
    try:
        done = lantai_of(current_app).requests.answer(
            reference, current_audience(), _name(), _step_from_request()
        )
    except RequestInvalid as error:
        return jsonify(error=str(error), fields=error.errors), 400
    if done is None:
        abort(404)
    return jsonify(done)
