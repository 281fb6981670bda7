"""Staff pages: internal search with status, the review queue, decisions, status checks, audit."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext

from app import lantai_of
from app.auth import current_audience, current_user, roles_required
from app.record_view import mark_personal_data
from catalog.policy import can_decide
from catalog.review import DECISIONS, ReviewError
from search.params import ParamError, parse_request

staff = Blueprint("staff", __name__)
STAFF_ROLES = ("staff", "reviewer", "admin")


@staff.get("/")
@roles_required(*STAFF_ROLES)
def home():
    """Staff start page: the review queue (which says so when the user serves no archive)."""
    return redirect(url_for("staff.queue"))


@staff.get("/search")
@roles_required(*STAFF_ROLES)
def search():
    """Internal search over everything the user is entitled to, with disclosure status."""
    lantai = lantai_of(current_app)
    try:
        search_request = parse_request(request.args, lantai.settings)
        result = lantai.search.search(search_request, current_audience())
    except ParamError as error:
        return render_template("error.html", message=str(error)), 400
    return render_template("staff_search.html", q=search_request.raw_query, result=result)


def _year(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) == 4 else None


@staff.get("/queue")
@roles_required(*STAFF_ROLES)
def queue():
    """Records due for opening review in the user's archives, with filters; ``?undated=1``
    lists the unreviewed records without a date instead (the 25-year rule cannot be
    computed for them)."""
    audience = current_audience()
    service = lantai_of(current_app).search
    pii = {"yes": True, "no": False}.get(request.args.get("pii", ""))
    undated = request.args.get("undated") == "1"
    items = service.queue(
        audience,
        archive=request.args.get("archive") or None,
        year=_year(request.args.get("year")),
        record_type=request.args.get("type") or None,
        personal_data=pii,
        undated=undated,
    )
    undated_count = len(items) if undated else len(service.queue(audience, undated=True))
    no_archives = not audience.all_archives and not audience.archives
    return render_template(
        "staff_queue.html",
        items=items,
        decisions=DECISIONS,
        args=request.args,
        undated=undated,
        undated_count=undated_count,
        no_archives=no_archives,
        overdue_requests=lantai_of(current_app).requests.overdue_count(audience),
        q="",
    )


@staff.get("/records/<path:record_id>")
@roles_required(*STAFF_ROLES)
def record(record_id: str):
    """A record with its full text, personal data highlighted, and its decision history."""
    lantai = lantai_of(current_app)
    audience = current_audience()
    seen = lantai.search.staff_record(record_id, audience)
    if seen is None:
        abort(404)
    found, view = seen
    if not view.own:
        return render_template("record.html", record=lantai.search.record(record_id, audience), q="")
    classified = found.classification != "none"
    return render_template(
        "staff_record.html",
        record=found,
        text=mark_personal_data(found.text),
        status=lantai.search.status(found.archive, [found.archive_code], audience)[0],
        decisions=DECISIONS,
        may_decide=can_decide(audience, found.archive, classified),
        q="",
    )


@staff.post("/decisions")
@roles_required("reviewer", "admin")
def decide():
    """Single or bulk decisions with one reason; each is checked against the user's scope."""
    lantai = lantai_of(current_app)
    audience = current_audience()
    user = current_user()
    ids = request.form.getlist("id")
    decision = request.form.get("decision", "")
    next_review = request.form.get("next_review") or None
    try:
        review_on = date.fromisoformat(next_review) if next_review else None
    except ValueError:
        flash(_("复审日期无效：%(date)s", date=next_review), "error")
        return redirect(request.referrer or url_for("staff.queue"))
    done, refused = 0, []
    for record_id in ids:
        archive, _slash, code = record_id.partition("/")
        record = lantai.store.get(archive, code)
        if record is None or not can_decide(audience, archive, record.classification != "none"):
            refused.append(record_id)
            continue
        try:
            lantai.decide(
                archive,
                code,
                decision,
                request.form.get("reason", ""),
                user.name,
                unit_opinion=request.form.get("unit_opinion", ""),
                next_review=review_on,
            )
            done += 1
        except ReviewError as error:
            flash(f"{record_id}: {error}", "error")
    if done:
        flash(ngettext("已记录 %(num)d 项决定。", "已记录 %(num)d 项决定。", done), "ok")
    for record_id in refused:
        flash(_("%(id)s: 无权审核该档案。", id=record_id), "error")
    return redirect(request.referrer or url_for("staff.queue"))


@staff.route("/status", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def status():
    """Disclosure status check for a pasted or uploaded list of 档号."""
    rows = None
    archive = request.values.get("archive", "")
    audience = current_audience()
    if request.method == "POST":
        text = request.form.get("codes", "")
        upload = request.files.get("file")
        if upload and upload.filename:
            text += "\n" + upload.read(1_000_000).decode("utf-8", "replace")
        codes = [c.strip() for line in text.splitlines() for c in line.replace(",", " ").split()]
        if not (audience.all_archives or archive in audience.archives):
            abort(403)
        rows = lantai_of(current_app).search.status(archive, codes[:5000], audience)
    return render_template(
        "staff_status.html", rows=rows, archive=archive, archives=sorted(audience.archives), q=""
    )


@staff.get("/audit")
@roles_required("admin")
def audit_log():
    """The audit log, newest first, filtered by actor, action or subject."""
    store = lantai_of(current_app).store
    entries = store.audit_entries(
        actor=request.args.get("actor") or None,
        action=request.args.get("action") or None,
        subject=request.args.get("subject") or None,
    )
    checked, problem = store.verify_audit()
    return render_template(
        "staff_audit.html", entries=entries, checked=checked, problem=problem, args=request.args, q=""
    )
