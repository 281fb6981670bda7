"""A topic folder (专题, of 我的研究) as an exhibition draft (网上展览草稿), in one step: the
folder's name and description become the title and introduction, its items one section's
items, each on the first page the folder kept of it, with the folder's note as caption.

Only the items the folder shows its reader now are taken (the folder answers through the
access policy); the draft is unpublished, and its public page still asks the policy for
each item when shown.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping

from catalog.exhibition_spec import MAX_ITEMS, MAX_TITLE, ExhibitionSpec, ItemSpec, SectionSpec


def folder_slug(name: str, taken: Iterable[str]) -> str:
    """A slug for a draft made from a folder: ``folder-`` and a random part, not taken.

    >>> folder_slug("土改", []).startswith("folder-")
    True
    """
    used = set(taken)
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "folder"
    while True:
        slug = f"{stem}-{secrets.token_hex(3)}"
        if slug not in used:
            return slug


def spec_from_folder(folder: Mapping, slug: str) -> ExhibitionSpec:
    """The draft of a folder as :meth:`search.workspace.Workspace.folder` or ``shared``
    answers it (``{"name", "description", "items"}``).

    >>> draft = spec_from_folder({"name": "土地改革", "description": "", "items": [
    ...     {"available": True, "record": {"id": "a/J1"}, "pages": [3, 4], "note": "首页"},
    ...     {"available": False, "archive_code": "J2", "note": ""}]}, "tugai")
    >>> draft.title, draft.published, draft.sections[0].items
    ('土地改革', False, (ItemSpec(record='a/J1', page=3, crop=None, caption='首页', commentary=''),))
    """
    items = tuple(
        ItemSpec(
            record=item["record"]["id"],
            page=(item.get("pages") or [None])[0],
            caption=(item.get("note") or "")[:2000],
        )
        for item in folder.get("items", [])
        if item.get("available")
    )[:MAX_ITEMS]
    title = (folder.get("name") or slug)[:MAX_TITLE]
    return ExhibitionSpec(
        slug=slug,
        title=title,
        intro=folder.get("description") or "",
        published=False,
        sections=(SectionSpec(title=title, items=items),),
    )
