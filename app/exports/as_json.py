"""Exports as JSON: ``{"title", "count", "items": [...]}``, UTF-8."""

from __future__ import annotations

import json
from collections.abc import Sequence

from app.exports.items import ExportItem


def item_json(item: ExportItem) -> dict:
    """One item as JSON: ``{"id", "archive", "archive_code", "title", "date", "creator",
    "citation", "pages", "excerpt", "note", "available": true}``, or for an item no longer
    available ``{"archive_code", "available": false}`` only.

    >>> item_json(ExportItem("J1-2", available=False))
    {'archive_code': 'J1-2', 'available': False}
    """
    if not item.available:
        return {"archive_code": item.archive_code, "available": False}
    return {
        "id": item.record_id,
        "archive": item.archive,
        "archive_code": item.archive_code,
        "title": item.title,
        "date": item.date,
        "creator": item.creator,
        "citation": item.citation,
        "pages": list(item.pages),
        "excerpt": item.excerpt,
        "note": item.note,
        "available": True,
    }


def render_json(title: str, items: Sequence[ExportItem]) -> bytes:
    """``items`` under ``title`` as a JSON document (UTF-8, Chinese as is).

    >>> render_json("专题", [ExportItem("J1-2", available=False)]).decode("utf-8")
    '{"title": "专题", "count": 1, "items": [{"archive_code": "J1-2", "available": false}]}'
    """
    document = {"title": title, "count": len(items), "items": [item_json(i) for i in items]}
    return json.dumps(document, ensure_ascii=False).encode("utf-8")
