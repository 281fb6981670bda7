"""The "我的研究" pages of a researcher's workspace: saved searches with a badge of new hits,
topic folders (专题) with notes, and read-only share links of folders.

Thin views over :class:`search.workspace.Workspace` (which answers through the access
policy); every form carries the session's CSRF token (checked for every request in
``app.create_app``). Bad input is flashed back with its reason; anything missing, another
researcher's or not visible answers 404 like a missing page.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import lantai_of
from app.auth import current_user, roles_required, safe_next
from app.folder_export import folder_download
from app.workspace_api import WORKSPACE_ROLES
from catalog.users import User
from search.grants import grants_of
from search.workspace import NotFound, Workspace, WorkspaceError

research = Blueprint("research", __name__)


@research.errorhandler(NotFound)
def not_found(_error: NotFound):
    """Missing, another researcher's or not visible: the one 404 page."""
    return render_template("not_found.html"), 404


@research.errorhandler(WorkspaceError)
def bad_input(error: WorkspaceError):
    """Bad input: said on the page the form came from (the workspace when unknown)."""
    flash(_("未保存：%(reason)s", reason=str(error)), "error")
    return redirect(safe_next(request.form.get("next", "")) or url_for("research.home"))


def _workspace() -> Workspace:
    return lantai_of(current_app).workspace


def _user() -> User:
    user = current_user()
    assert user is not None  # roles_required signed them in
    return user


def _back(default: str) -> str:
    return safe_next(request.form.get("next", "")) or default


@research.get("/me")
@roles_required(*WORKSPACE_ROLES)
def home():
    """The workspace: saved searches (with a badge of new hits), topic folders, and the
    access grants (查阅许可) the researcher holds."""
    user = _user()
    searches = _workspace().searches(user)
    return render_template(
        "research_home.html",
        searches=searches,
        folders=_workspace().folders(user),
        new_hits=sum(s["new_hits"] for s in searches),
        grants=grants_of(lantai_of(current_app).search, user),
    )


@research.post("/me/searches")
@roles_required(*WORKSPACE_ROLES)
def save_search():
    """Save the search of a results page (its query and filters, from hidden fields)."""
    filters = {
        key: ",".join(request.form.getlist(key))
        for key in ("archive", "type", "year_from", "year_to", "sort", "person", "place", "org")
        if request.form.get(key)
    }
    q = request.form.get("q", "")
    name = (
        request.form.get("name")
        or q[: lantai_of(current_app).settings.workspace_name_length]
        or _("全部档案")
    )
    saved = _workspace().save_search(_user(), name, q, filters)
    flash(_("已保存检索“%(name)s”。", name=saved["name"]), "ok")
    return redirect(url_for("research.home"))


@research.post("/me/searches/<int:search_id>/seen")
@roles_required(*WORKSPACE_ROLES)
def mark_seen(search_id: int):
    """Mark a saved search's results as seen, then show them."""
    return redirect(_workspace().mark_seen(_user(), search_id)["search_url"])


@research.post("/me/searches/<int:search_id>/delete")
@roles_required(*WORKSPACE_ROLES)
def delete_search(search_id: int):
    """Forget a saved search."""
    _workspace().delete_search(_user(), search_id)
    flash(_("已删除保存的检索。"), "ok")
    return redirect(url_for("research.home"))


@research.post("/me/folders")
@roles_required(*WORKSPACE_ROLES)
def create_folder():
    """Make a new topic folder."""
    folder = _workspace().create_folder(_user(), request.form.get("name"), request.form.get("description"))
    flash(_("已建立专题“%(name)s”。", name=folder["name"]), "ok")
    return redirect(_back(url_for("research.folder", folder_id=folder["id"])))


@research.get("/me/folders/<int:folder_id>")
@roles_required(*WORKSPACE_ROLES)
def folder(folder_id: int):
    """A topic folder with its items as visible now, notes to edit, order and share link."""
    return render_template("research_folder.html", folder=_workspace().folder(_user(), folder_id))


@research.get("/me/folders/<int:folder_id>/export")
@roles_required(*WORKSPACE_ROLES)
def export_folder(folder_id: int):
    """Download the folder as CSV, JSON, RIS or a DOCX compilation (资料汇编)."""
    return folder_download(_user(), folder_id, request.args.get("format", ""))


@research.post("/me/folders/<int:folder_id>")
@roles_required(*WORKSPACE_ROLES)
def update_folder(folder_id: int):
    """Rename a folder or change its description."""
    _workspace().update_folder(
        _user(), folder_id, request.form.get("name"), request.form.get("description", "")
    )
    flash(_("已保存。"), "ok")
    return redirect(url_for("research.folder", folder_id=folder_id))


@research.post("/me/folders/<int:folder_id>/delete")
@roles_required(*WORKSPACE_ROLES)
def delete_folder(folder_id: int):
    """Delete a folder with its items."""
    _workspace().delete_folder(_user(), folder_id)
    flash(_("已删除专题。"), "ok")
    return redirect(url_for("research.home"))


def _pages(raw: str) -> list[int]:
    parts = [p for p in raw.replace("，", ",").replace(" ", ",").split(",") if p]
    if not all(p.isdigit() for p in parts):
        raise WorkspaceError("pages", _("页码应为数字，如 3,4"))
    return [int(p) for p in parts]


@research.post("/me/items", defaults={"folder_id": None})
@research.post("/me/folders/<int:folder_id>/items")
@roles_required(*WORKSPACE_ROLES)
def add_item(folder_id: int | None):
    """Add a record (from its page) with a note, pages and an excerpt, to the folder of the
    URL or of the form's ``folder`` field."""
    if folder_id is None:
        chosen = request.form.get("folder", "")
        if not chosen.isdigit():
            raise WorkspaceError("folder", _("请选择专题"))
        folder_id = int(chosen)
    item = _workspace().add_item(
        _user(),
        folder_id,
        request.form.get("record_id", ""),
        request.form.get("note", ""),
        _pages(request.form.get("pages", "")),
        request.form.get("excerpt", ""),
    )
    flash(_("已加入专题（%(code)s）。", code=item["record"]["archive_code"]), "ok")
    return redirect(_back(url_for("research.folder", folder_id=folder_id)))


@research.post("/me/folders/<int:folder_id>/items/<int:item_id>")
@roles_required(*WORKSPACE_ROLES)
def update_item(folder_id: int, item_id: int):
    """Change an item's note."""
    _workspace().update_item(_user(), folder_id, item_id, request.form.get("note", ""))
    flash(_("已保存。"), "ok")
    return redirect(url_for("research.folder", folder_id=folder_id) + f"#item-{item_id}")


@research.post("/me/folders/<int:folder_id>/items/<int:item_id>/move")
@roles_required(*WORKSPACE_ROLES)
def move_item(folder_id: int, item_id: int):
    """Move an item one place up or down."""
    step = -1 if request.form.get("direction") == "up" else 1
    _workspace().move_item(_user(), folder_id, item_id, step)
    return redirect(url_for("research.folder", folder_id=folder_id) + f"#item-{item_id}")


@research.post("/me/folders/<int:folder_id>/items/<int:item_id>/delete")
@roles_required(*WORKSPACE_ROLES)
def delete_item(folder_id: int, item_id: int):
    """Remove an item from a folder."""
    _workspace().delete_item(_user(), folder_id, item_id)
    flash(_("已移出专题。"), "ok")
    return redirect(url_for("research.folder", folder_id=folder_id))


@research.post("/me/folders/<int:folder_id>/share")
@roles_required(*WORKSPACE_ROLES)
def share(folder_id: int):
    """Make (or take away) a folder's read-only share link; notes only when ticked."""
    shared = request.form.get("shared") == "1"
    _workspace().share(_user(), folder_id, shared, request.form.get("share_notes") == "1")
    flash(_("已生成新的分享链接。") if shared else _("已停止分享。"), "ok")
    return redirect(url_for("research.folder", folder_id=folder_id))


@research.get("/shared/<token>")
def shared(token: str):
    """A shared folder, read-only: only what an anonymous visitor may see now."""
    try:
        data = _workspace().shared(token)
    except NotFound:
        abort(404)
    return render_template("research_shared.html", folder=data)
