"""Export of a topic folder (专题导出): ``csv``, ``json``, ``ris`` or a ``docx`` compilation
(资料汇编) of its items as the researcher may see them now, each with its citation, note,
excerpt and pages. An item whose record was closed after it was saved is exported as no
longer available (已不可用): its 档号, nothing else.
Every folder export goes into the audit log (who, which folder, how many items).
"""

from __future__ import annotations

from flask import Response, current_app

from app import lantai_of
from app.exports import FORMATS, ExportItem, export_item, unavailable
from app.labels import archive_info
from app.search_export import export_file
from catalog.users import User
from search.workspace import WorkspaceError

AUDIT_ACTION = "export.folder"


def folder_items(items: list[dict]) -> list[ExportItem]:
    """Export items of a folder's items as :meth:`search.workspace.Workspace.items_now`
    answers them (visible records with their note, excerpt and pages; the others by 档号)."""
    out = []
    for item in items:
        if not item["available"]:
            out.append(unavailable(item["archive_code"]))
            continue
        record = item["record"]
        out.append(
            export_item(
                record,
                archive_info(record["archive"]),
                note=item.get("note", ""),
                excerpt=item.get("excerpt", ""),
                pages=item.get("pages") or (),
            )
        )
    return out


def folder_download(user: User, folder_id: int, format_name: str) -> Response:
    """The researcher's folder ``folder_id`` as a ``format_name`` attachment; raises
    :class:`search.workspace.NotFound` for a folder that is not theirs and
    :class:`search.workspace.WorkspaceError` (field ``format``) for an unknown format."""
    lantai = lantai_of(current_app)
    name = (format_name or "").strip().lower()
    if name not in FORMATS:
        raise WorkspaceError("format", f"{name!r} is not an export format; use one of {', '.join(FORMATS)}")
    folder = lantai.workspace.folder(user, folder_id)
    items = folder_items(folder["items"])
    lantai.store.append_audit(
        user.name,
        AUDIT_ACTION,
        str(folder_id),
        {"folder": folder["name"], "format": name, "items": len(items)},
    )
    title = f"{folder['name']}：资料汇编" if name == "docx" else folder["name"]
    return export_file(name, title, items, "folder", folder["name"])
