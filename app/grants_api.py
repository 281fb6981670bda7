"""Staff JSON API of access grants (查阅许可), ``/api/v1/staff/grants``: staff, reviewers
and admins grant a researcher the full text of records of the archives they serve until a
date, list and revoke those grants. Every grant and revocation is audited by the catalog
(:class:`catalog.grants.GrantStore`).

Anonymous callers get 401, other accounts 403; bad input answers 400 naming the field; a
record of an archive the caller does not serve, or a classified one, 403; a grant of such
an archive answers 404 like an unknown one.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, jsonify, request

from app import NOT_FOUND, lantai_of
from app.api_models import ErrorAnswer
from app.auth import current_user
from app.openapi import described, query_of
from app.request_models import Grant, GrantFilter, Grants, GrantToMake
from catalog.grants import GrantError, GrantNotFound, GrantRefused, GrantStore
from catalog.users import User

staff_grants = Blueprint("staff_grants", __name__)
GRANT_ROLES = ("staff", "reviewer", "admin")


@staff_grants.errorhandler(GrantNotFound)
def grant_not_found(_error: GrantNotFound):
    """Unknown, or of an archive the caller does not serve: one answer."""
    return jsonify(error=NOT_FOUND), 404


@staff_grants.errorhandler(GrantRefused)
def refused(error: GrantRefused):
    """Not the caller's archive, or a classified record: 403 saying which."""
    return jsonify(error=str(error), field=error.field), 403


@staff_grants.errorhandler(GrantError)
def bad_input(error: GrantError):
    """Bad input: 400 naming the field."""
    return jsonify(error=str(error), field=error.field), 400


@staff_grants.errorhandler(401)
def unauthorized(_error):
    """Nobody signed in."""
    return (
        jsonify(error="sign in, or send Authorization: Bearer <token>"),
        401,
        {"WWW-Authenticate": "Bearer"},
    )


@staff_grants.errorhandler(403)
def forbidden(_error):
    """An account that grants nothing."""
    return jsonify(error="only staff, reviewers and admins grant access"), 403


def _staff() -> User:
    user = current_user()
    if user is None or user.disabled:
        abort(401)
    if user.role not in GRANT_ROLES:
        abort(403)
    return user


def _grants() -> GrantStore:
    return lantai_of(current_app).store.grants()


@staff_grants.post("")
@described(
    summary="Grant a researcher records' full text until a date",
    body=GrantToMake,
    answers={201: Grants, 403: ErrorAnswer},
    auth="required",
    tag="grants",
)
def add():
    """``POST /api/v1/staff/grants`` ``{"user", "records": ["archive/code", ...], "until":
    "YYYY-MM-DD", "reason", "unmask_personal" (false), "personal_reason" (required with it),
    "request_reference"}`` → ``201 {"grants": [...]}``, granted by the caller."""
    user = _staff()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="the request body must be a JSON object (Content-Type: application/json)")
    grantee = body.get("user")
    if not isinstance(grantee, str) or not grantee.strip():
        raise GrantError("user", "must be the name of a researcher account")
    unmask = body.get("unmask_personal", False)
    if not isinstance(unmask, bool):
        raise GrantError("unmask_personal", "must be true or false")
    made = _grants().grant(
        grantee.strip(),
        body.get("records"),  # type: ignore[arg-type]  # checked by the store
        body.get("until") or "",
        body.get("reason"),  # type: ignore[arg-type]
        user.name,
        unmask_personal=unmask,
        personal_reason=body.get("personal_reason"),
        request_reference=body.get("request_reference"),
    )
    today = date.today()
    return jsonify(grants=[g.as_json(today) for g in made]), 201


@staff_grants.get("")
@described(
    summary="Grants of the caller's archives",
    query=GrantFilter,
    answers={200: Grants, 403: ErrorAnswer},
    auth="required",
    tag="grants",
)
def listing():
    """``GET /api/v1/staff/grants[?user=NAME]``: grants of records of the archives the
    caller serves (every archive for an admin given ``*``), newest first."""
    user = _staff()
    audience = user.audience
    archives = None if audience.all_archives else audience.archives
    found = _grants().grants(user=query_of(GrantFilter).user or None, archives=archives)
    today = date.today()
    return jsonify(grants=[g.as_json(today) for g in found])


@staff_grants.delete("/<int:grant_id>")
@described(summary="Revoke a grant", answers={200: Grant, 403: ErrorAnswer}, auth="required", tag="grants")
def revoke(grant_id: int):
    """``DELETE /api/v1/staff/grants/<id>``: revoke a grant now → the grant."""
    return jsonify(_grants().revoke(grant_id, _staff().name).as_json(date.today()))
