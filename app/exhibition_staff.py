"""Staff pages for authoring online exhibitions (网上展览): for admins and accounts with the
``curator`` permission (:func:`catalog.policy.can_curate`).

Create an exhibition (or make a draft of a topic folder in one step), edit its titles,
introduction and cover, add, edit and delete sections and items, publish and unpublish.
Every change is audited by the catalog. The editor marks an item whose record the public
may no longer see ("no longer public", asked of :func:`catalog.policy.view_of` as the
public page does); the curator sees such a record only as their own audience allows.
Forms carry the session's CSRF token; bad input is flashed back naming the field.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app import lantai_of
from app.auth import current_user
from app.exhibition_drafts import folder_slug, spec_from_folder
from app.exhibition_files import read_cover
from app.exhibition_text import render_markdown
from app.exhibition_view import item_image
from catalog.exhibition_spec import (
    MAX_TEXT,
    MAX_TITLE,
    ExhibitionError,
    ExhibitionSpec,
    ItemSpec,
    SectionSpec,
    check_slug,
    read_item,
)
from catalog.exhibitions import Exhibition, ExhibitionStore
from catalog.policy import PUBLIC
from catalog.users import User
from search.workspace import NotFound, WorkspaceError

staff_exhibitions = Blueprint("staff_exhibitions", __name__)


def curator_required(view):
    """Decorator: the view needs a signed-in admin or curator (others: 403)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        user = current_user()
        if user is None:
            return redirect(url_for("auth.login", next=request.path))
        if not user.can_curate:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@staff_exhibitions.errorhandler(ExhibitionError)
def bad_input(error: ExhibitionError) -> Response:
    """Bad input: said on the editor (or the list) the form came from, naming the field."""
    flash(_("未保存：%(reason)s", reason=str(error)), "error")
    slug = (request.view_args or {}).get("slug")
    if slug and _store().get(slug) is not None:
        return redirect(url_for("staff_exhibitions.editor", slug=slug))
    return redirect(url_for("staff_exhibitions.listing"))


def _store() -> ExhibitionStore:
    return lantai_of(current_app).store.exhibitions()


def _user() -> User:
    user = current_user()
    assert user is not None  # curator_required signed them in
    return user


def _field(name: str, limit: int = MAX_TEXT, required: bool = False) -> str:
    value = request.form.get(name, "").strip()
    if required and not value:
        raise ExhibitionError(f"{name}: is required")
    if len(value) > limit:
        raise ExhibitionError(f"{name}: longer than {limit} characters")
    return value


def _found(slug: str) -> Exhibition:
    found = _store().get(slug)
    if found is None:
        abort(404)
    return found


def _to_editor(slug: str, anchor: str = "") -> Response:
    return redirect(url_for("staff_exhibitions.editor", slug=slug) + anchor, code=303)


@staff_exhibitions.get("/")
@curator_required
def listing():
    """Every exhibition, drafts included, newest change first; forms to create one, or a
    draft of one of the curator's topic folders."""
    folders = lantai_of(current_app).workspace.folders(_user())
    return render_template(
        "staff_exhibitions.html", exhibitions=_store().listing(published_only=False), folders=folders
    )


@staff_exhibitions.post("/")
@curator_required
def create():
    """Create an empty draft from its slug, titles and introduction."""
    spec = ExhibitionSpec(
        slug=check_slug(request.form.get("slug", "").strip()),
        title=_field("title", MAX_TITLE, required=True),
        title_en=_field("title_en", MAX_TITLE),
        intro=_field("intro"),
    )
    _store().create(spec, _user().name)
    flash(_("已建立展览草稿“%(title)s”。", title=spec.title), "ok")
    return _to_editor(spec.slug)


def _share_token(raw: str) -> str:
    """The token of a share link (``/shared/<token>``) or the token itself."""
    path = urlsplit(raw.strip()).path.rstrip("/")
    return path.rsplit("/", 1)[-1]


@staff_exhibitions.post("/from-folder")
@curator_required
def from_folder():
    """Make a draft of a topic folder in one step: one of the curator's own (``folder_id``)
    or a researcher's shared folder by its share link (``share``: its public items, notes
    only when shared)."""
    workspace, user = lantai_of(current_app).workspace, _user()
    try:
        if request.form.get("share", "").strip():
            folder = workspace.shared(_share_token(request.form["share"]))
        else:
            raw = request.form.get("folder_id", "")
            if not raw.isdigit():
                raise ExhibitionError("folder_id: choose a folder")
            folder = workspace.folder(user, int(raw))
    except (NotFound, WorkspaceError):
        raise ExhibitionError("folder: no such folder (or share link)") from None
    taken = [e.slug for e in _store().listing(published_only=False)]
    spec = spec_from_folder(folder, folder_slug(folder["name"], taken))
    _store().create(spec, user.name)
    flash(_("已由专题“%(name)s”生成展览草稿。", name=folder["name"]), "ok")
    return _to_editor(spec.slug)


def _editor_item(item, audience) -> dict:
    service = lantai_of(current_app).search
    public = service.record(item.spec.record, PUBLIC) is not None
    own = service.record(item.spec.record, audience)
    return {
        "id": item.id,
        "spec": item.spec,
        "public": public,
        "title": own["title"] if own else None,
        "url": url_for("public.record", record_id=item.spec.record) if public else None,
        "image": item_image(service, item) if public else None,
        "commentary": render_markdown(item.spec.commentary),
    }


@staff_exhibitions.get("/<slug>")
@curator_required
def editor(slug: str):
    """The editor: the exhibition's fields, its sections and items, each item marked
    "no longer public" when the public may not see its record now."""
    found = _found(slug)
    audience = _user().audience
    sections = [
        {"section": s, "items": [_editor_item(i, audience) for i in s.items], "html": render_markdown(s.text)}
        for s in found.sections
    ]
    response = current_app.make_response(
        render_template("staff_exhibition.html", exhibition=found, sections=sections)
    )
    response.cache_control.no_store = True
    return response


@staff_exhibitions.post("/<slug>")
@curator_required
def update(slug: str):
    """Change the titles and introduction; a cover image file replaces the cover, and
    ``remove_cover`` removes it."""
    _found(slug)
    store, by = _store(), _user().name
    upload = request.files.get("cover")
    cover = read_cover(upload.filename or "", upload.read()) if upload and upload.filename else None
    store.update(
        slug, by, _field("title", MAX_TITLE, required=True), _field("title_en", MAX_TITLE), _field("intro")
    )
    if cover is not None:
        store.set_cover(slug, cover, by)
    elif request.form.get("remove_cover"):
        store.set_cover(slug, None, by)
    flash(_("已保存。"), "ok")
    return _to_editor(slug)


@staff_exhibitions.post("/<slug>/publish")
@curator_required
def publish(slug: str):
    """Publish (发布): the public may see the exhibition (its public items) from now on."""
    return _set_published(slug, True, _("已发布。"))


@staff_exhibitions.post("/<slug>/unpublish")
@curator_required
def unpublish(slug: str):
    """Unpublish (撤回): the public page answers 404 again, as for an unknown slug."""
    return _set_published(slug, False, _("已撤回发布。"))


def _set_published(slug: str, published: bool, done: str):
    _found(slug)
    _store().publish(slug, published, _user().name)
    flash(done, "ok")
    return _to_editor(slug)


@staff_exhibitions.post("/<slug>/delete")
@curator_required
def delete(slug: str):
    """Delete the exhibition."""
    _found(slug)
    _store().delete(slug, _user().name)
    flash(_("已删除展览。"), "ok")
    return redirect(url_for("staff_exhibitions.listing"), code=303)


@staff_exhibitions.post("/<slug>/sections")
@curator_required
def add_section(slug: str):
    """Add a section at the end."""
    _found(slug)
    section = SectionSpec(
        title=_field("title", MAX_TITLE, required=True),
        title_en=_field("title_en", MAX_TITLE),
        text=_field("text"),
    )
    section_id = _store().add_section(slug, section, _user().name)
    return _to_editor(slug, f"#section-{section_id}")


@staff_exhibitions.post("/<slug>/sections/<int:section_id>")
@curator_required
def update_section(slug: str, section_id: int):
    """Change a section's titles and text."""
    _found(slug)
    _store().update_section(
        slug,
        section_id,
        _user().name,
        _field("title", MAX_TITLE, required=True),
        _field("title_en", MAX_TITLE),
        _field("text"),
    )
    return _to_editor(slug, f"#section-{section_id}")


@staff_exhibitions.post("/<slug>/sections/<int:section_id>/delete")
@curator_required
def delete_section(slug: str, section_id: int):
    """Delete a section and its items."""
    _found(slug)
    _store().delete_section(slug, section_id, _user().name)
    return _to_editor(slug)


def _item_from_form() -> ItemSpec:
    """The item of a form, checked; its record must be one the curator may see (asked of
    the policy with the curator's own audience: no way to learn of another archive's
    closed records)."""
    item = read_item(
        {k: request.form.get(k, "") for k in ("record", "page", "crop", "caption", "commentary")}
    )
    if lantai_of(current_app).search.record(item.record, _user().audience) is None:
        raise ExhibitionError(f"record: no record {item.record}")
    return item


@staff_exhibitions.post("/<slug>/sections/<int:section_id>/items")
@curator_required
def add_item(slug: str, section_id: int):
    """Add an item (a record, optionally a page and a crop, caption, commentary)."""
    _found(slug)
    item_id = _store().add_item(slug, section_id, _item_from_form(), _user().name)
    return _to_editor(slug, f"#item-{item_id}")


@staff_exhibitions.post("/<slug>/items/<int:item_id>")
@curator_required
def update_item(slug: str, item_id: int):
    """Change an item."""
    _found(slug)
    _store().update_item(slug, item_id, _item_from_form(), _user().name)
    return _to_editor(slug, f"#item-{item_id}")


@staff_exhibitions.post("/<slug>/items/<int:item_id>/delete")
@curator_required
def delete_item(slug: str, item_id: int):
    """Delete an item."""
    _found(slug)
    _store().delete_item(slug, item_id, _user().name)
    return _to_editor(slug)
