"""JSON API of a researcher's workspace (研究工作台), ``/api/v1/me/...``: saved searches and
topic folders (专题), for researchers and staff with a bearer token (or a signed-in session,
whose state-changing requests carry the ``X-CSRF-Token`` header).

Thin views: each parses the body and asks :class:`search.workspace.Workspace`, which answers
through the access policy. Anonymous callers get 401; anything missing, another
researcher's or not visible answers 404 alike; bad input answers 400 naming the field.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request

from app import NOT_FOUND, lantai_of
from app.api_models import (
    ErrorAnswer,
    ExportParameters,
    Folder,
    FolderChange,
    FolderItem,
    FolderItems,
    Folders,
    FolderToMake,
    FolderWithItems,
    ItemChange,
    ItemOrder,
    ItemToAdd,
    SavedSearch,
    SavedSearches,
    SearchToSave,
    ShareAnswer,
    ShareChange,
)
from app.auth import current_user
from app.exports import FORMATS
from app.folder_export import folder_download
from app.openapi import Download, described, query_of
from app.request_models import MyGrants
from catalog.users import User
from search.grants import grants_of
from search.workspace import NotFound, Workspace, WorkspaceError

me_api = Blueprint("me_api", __name__)
#: Roles with a workspace: researchers, and staff (who are researchers too).
WORKSPACE_ROLES = ("researcher", "staff", "reviewer", "admin")


@me_api.errorhandler(WorkspaceError)
def bad_input(error: WorkspaceError):
    """Bad input: 400 naming the field."""
    return jsonify(error=str(error), field=error.field), 400


@me_api.errorhandler(401)
def unauthorized(_error):
    """No researcher signed in: 401, as for an unknown token."""
    return (
        jsonify(error="sign in, or send Authorization: Bearer <token>"),
        401,
        {"WWW-Authenticate": "Bearer"},
    )


@me_api.errorhandler(403)
def forbidden(_error):
    """An account without a workspace."""
    return jsonify(error="this account has no research workspace"), 403


@me_api.errorhandler(NotFound)
def not_found(_error: NotFound):
    """Missing, another researcher's, or not visible: one answer for all."""
    return jsonify(error=NOT_FOUND), 404


def _researcher() -> User:
    user = current_user()
    if user is None or user.disabled:
        abort(401)
    if user.role not in WORKSPACE_ROLES:
        abort(403)
    return user


@me_api.before_request
def signed_in():
    """Every route needs a researcher (401 for anonymous callers)."""
    _researcher()


def _workspace() -> Workspace:
    return lantai_of(current_app).workspace


def _body() -> dict[str, Any]:
    """The request's JSON object; 400 with a message when it is not one."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="the request body must be a JSON object (Content-Type: application/json)")
    return data


@me_api.get("/searches")
@described(
    summary="The caller's saved searches",
    answers={200: SavedSearches, 403: ErrorAnswer},
    auth="required",
    tag="workspace",
)
def searches():
    """``GET /api/v1/me/searches``: each saved search with ``total`` and ``new_hits``."""
    return jsonify(searches=_workspace().searches(_researcher()))


@me_api.post("/searches")
@described(
    summary="Save a search",
    body=SearchToSave,
    answers={201: SavedSearch, 403: ErrorAnswer},
    auth="required",
    tag="workspace",
)
def save_search():
    """``POST /api/v1/me/searches`` ``{"name", "query", "filters"}`` → 201."""
    body = _body()
    saved = _workspace().save_search(_researcher(), body.get("name"), body.get("query"), body.get("filters"))
    return jsonify(saved), 201


@me_api.get("/searches/<int:search_id>")
@described(
    summary="One saved search", answers={200: SavedSearch, 403: ErrorAnswer}, auth="required", tag="workspace"
)
def saved_search(search_id: int):
    """``GET /api/v1/me/searches/<id>``."""
    return jsonify(_workspace().saved_search(_researcher(), search_id))


@me_api.post("/searches/<int:search_id>/seen")
@described(
    summary="Mark a saved search's results as seen",
    answers={200: SavedSearch, 403: ErrorAnswer},
    auth="required",
    tag="workspace",
)
def mark_seen(search_id: int):
    """``POST /api/v1/me/searches/<id>/seen``: its results now count as seen."""
    return jsonify(_workspace().mark_seen(_researcher(), search_id))


@me_api.delete("/searches/<int:search_id>")
@described(
    summary="Delete a saved search", answers={204: None, 403: ErrorAnswer}, auth="required", tag="workspace"
)
def delete_search(search_id: int):
    """``DELETE /api/v1/me/searches/<id>``."""
    _workspace().delete_search(_researcher(), search_id)
    return "", 204


@me_api.get("/grants")
@described(
    summary="The caller's access grants",
    answers={200: MyGrants, 403: ErrorAnswer},
    auth="required",
    tag="workspace",
)
def grants():
    """``GET /api/v1/me/grants``: the caller's access grants (查阅许可), active first, each
    with its record's catalog fields while the record is shown to them."""
    return jsonify(grants=grants_of(lantai_of(current_app).search, _researcher()))


@me_api.get("/folders")
@described(
    summary="The caller's topic folders",
    answers={200: Folders, 403: ErrorAnswer},
    auth="required",
    tag="workspace",
)
def folders():
    """``GET /api/v1/me/folders``."""
    return jsonify(folders=_workspace().folders(_researcher()))


@me_api.post("/folders")
@described(
    summary="Make a topic folder",
    body=FolderToMake,
    answers={201: Folder, 403: ErrorAnswer},
    auth="required",
    tag="workspace",
)
def create_folder():
    """``POST /api/v1/me/folders`` ``{"name", "description"}`` → 201."""
    body = _body()
    return jsonify(_workspace().create_folder(_researcher(), body.get("name"), body.get("description"))), 201


@me_api.get("/folders/<int:folder_id>")
@described(
    summary="A folder with its items",
    answers={200: FolderWithItems, 403: ErrorAnswer},
    auth="required",
    tag="workspace",
)
def folder(folder_id: int):
    """``GET /api/v1/me/folders/<id>``: the folder with its items as visible now."""
    return jsonify(_workspace().folder(_researcher(), folder_id))


@me_api.get("/folders/<int:folder_id>/export")
@described(
    summary="Download a folder with citations",
    query=ExportParameters,
    answers={200: Download(tuple(f.mimetype for f in FORMATS.values())), 400: ErrorAnswer, 403: ErrorAnswer},
    auth="required",
    tag="workspace",
)
def export_folder(folder_id: int):
    """``GET /api/v1/me/folders/<id>/export?format=csv|json|ris|docx``: the folder as a file
    with citations (see :mod:`app.folder_export`); 400 naming ``format`` for an unknown one."""
    return folder_download(_researcher(), folder_id, query_of(ExportParameters).format)


@me_api.patch("/folders/<int:folder_id>")
@described(
    summary="Rename a folder or change its description",
    body=FolderChange,
    answers={200: FolderWithItems, 403: ErrorAnswer},
    auth="required",
    tag="workspace",
)
def update_folder(folder_id: int):
    """``PATCH /api/v1/me/folders/<id>`` ``{"name"?, "description"?}``."""
    body = _body()
    return jsonify(
        _workspace().update_folder(_researcher(), folder_id, body.get("name"), body.get("description"))
    )


@me_api.delete("/folders/<int:folder_id>")
@described(
    summary="Delete a folder and its items",
    answers={204: None, 403: ErrorAnswer},
    auth="required",
    tag="workspace",
)
def delete_folder(folder_id: int):
    """``DELETE /api/v1/me/folders/<id>``: the folder and its items."""
    _workspace().delete_folder(_researcher(), folder_id)
    return "", 204


@me_api.get("/folders/<int:folder_id>/items")
@described(
    summary="A folder's items", answers={200: FolderItems, 403: ErrorAnswer}, auth="required", tag="workspace"
)
def items(folder_id: int):
    """``GET /api/v1/me/folders/<id>/items``: the folder's items as visible now."""
    return jsonify(items=_workspace().folder(_researcher(), folder_id)["items"])


@me_api.post("/folders/<int:folder_id>/items")
@described(
    summary="Add a record to a folder",
    body=ItemToAdd,
    answers={201: FolderItem, 403: ErrorAnswer},
    auth="required",
    tag="workspace",
)
def add_item(folder_id: int):
    """``POST /api/v1/me/folders/<id>/items`` ``{"record_id", "note", "pages", "excerpt"}`` → 201."""
    body = _body()
    item = _workspace().add_item(
        _researcher(),
        folder_id,
        body.get("record_id"),
        body.get("note"),
        body.get("pages"),
        body.get("excerpt"),
    )
    return jsonify(item), 201


@me_api.patch("/folders/<int:folder_id>/items/<int:item_id>")
@described(
    summary="Change an item's note",
    body=ItemChange,
    answers={200: FolderItem, 403: ErrorAnswer},
    auth="required",
    tag="workspace",
)
def update_item(folder_id: int, item_id: int):
    """``PATCH /api/v1/me/folders/<id>/items/<item>`` ``{"note"}``."""
    return jsonify(_workspace().update_item(_researcher(), folder_id, item_id, _body().get("note")))


@me_api.delete("/folders/<int:folder_id>/items/<int:item_id>")
@described(
    summary="Remove an item from a folder",
    answers={204: None, 403: ErrorAnswer},
    auth="required",
    tag="workspace",
)
def delete_item(folder_id: int, item_id: int):
    """``DELETE /api/v1/me/folders/<id>/items/<item>``."""
    _workspace().delete_item(_researcher(), folder_id, item_id)
    return "", 204


@me_api.put("/folders/<int:folder_id>/order")
@described(
    summary="Put a folder's items in a new order",
    body=ItemOrder,
    answers={200: FolderItems, 403: ErrorAnswer},
    auth="required",
    tag="workspace",
)
def reorder(folder_id: int):
    """``PUT /api/v1/me/folders/<id>/order`` ``{"item_ids": [...]}``: every item once."""
    return jsonify(_workspace().reorder(_researcher(), folder_id, _body().get("item_ids")))


@me_api.post("/folders/<int:folder_id>/share")
@described(
    summary="Share a folder read-only, or stop sharing it",
    body=ShareChange,
    answers={200: ShareAnswer, 403: ErrorAnswer},
    auth="required",
    tag="workspace",
)
def share(folder_id: int):
    """``POST /api/v1/me/folders/<id>/share`` ``{"shared", "share_notes"}``: a new read-only
    link (``/shared/<token>``) or none."""
    body = _body()
    shared, notes = body.get("shared", True), body.get("share_notes", False)
    if not isinstance(shared, bool) or not isinstance(notes, bool):
        raise WorkspaceError(
            "shared" if not isinstance(shared, bool) else "share_notes", "must be true or false"
        )
    token = _workspace().share(_researcher(), folder_id, shared, notes)
    return jsonify(shared=token is not None, url=f"/shared/{token}" if token else None)
