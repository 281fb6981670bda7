"""Exports (导出) with citations: pure renderers, one module per format, over
:class:`app.exports.items.ExportItem` lists.

``render(format, title, items)`` answers the file's bytes with its media type and file
extension; which items a reader may export, and with what, is decided before (the search
export asks :class:`search.service.SearchService`, which asks the access policy).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.exports.as_csv import render_csv
from app.exports.as_docx import render_docx
from app.exports.as_json import render_json
from app.exports.as_ris import render_ris
from app.exports.items import ExportItem, export_item, unavailable

__all__ = ["FORMATS", "ExportFormat", "ExportItem", "export_item", "render", "unavailable"]


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its renderer, media type and file extension."""

    render: Callable[[str, Sequence[ExportItem]], bytes]
    mimetype: str
    extension: str


FORMATS = {
    "csv": ExportFormat(render_csv, "text/csv; charset=utf-8", "csv"),
    "json": ExportFormat(render_json, "application/json; charset=utf-8", "json"),
    "ris": ExportFormat(render_ris, "application/x-research-info-systems; charset=utf-8", "ris"),
    "docx": ExportFormat(
        render_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
    ),
}


def render(format_name: str, title: str, items: Sequence[ExportItem]) -> bytes:
    """The file of ``items`` under ``title`` in ``format_name`` (a key of :data:`FORMATS`).

    >>> render("json", "空", [])
    b'{"title": "\\xe7\\xa9\\xba", "count": 0, "items": []}'
    """
    return FORMATS[format_name].render(title, items)
