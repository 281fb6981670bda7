"""The published catalogue of opened records (开放档案目录, Archives Law Art. 28).

``/opened`` lists the opening decisions by month and archive with their counts; each month
links to its records (``/opened/<yyyy-mm>``) and its catalogue file
(``/opened/<yyyy-mm>.csv``); ``/opened.atom`` is a feed of the latest batches (the records
one archive opened on one day). Every record is shown as it is public now, asked of
:func:`catalog.policy.view_of` through the search service: one closed again since drops out.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict

from flask import Blueprint, Response, abort, current_app, render_template, url_for
from flask_babel import gettext as _

from app import lantai_of
from app.labels import archive_info, archive_label
from app.oai_xml import esc
from search.open_interfaces import OpenedRecord

opened = Blueprint("opened", __name__)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: Batches in the feed.
FEED_BATCHES = 20
#: Columns of a month's catalogue file (Chinese headers, as ingest reads them).
CSV_COLUMNS = (
    ("馆藏单位", "archive"),
    ("档号", "archive_code"),
    ("全宗号", "fonds"),
    ("题名", "title"),
    ("责任者", "creator"),
    ("日期", "date"),
    ("类别", "record_type"),
    ("开放状态", "visibility"),
)


def _month_of(month: str) -> str:
    if not _MONTH.match(month):
        abort(404)
    return month


@opened.get("/opened")
def index():
    """Opening decisions by month and archive, with counts, newest month first."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for item in lantai_of(current_app).search.opened():
        counts[item.opening.at[:7]][item.opening.archive] += 1
    months = [
        {
            "month": month,
            "total": sum(by_archive.values()),
            "archives": [
                {"id": a, "name": archive_label(a), "count": n} for a, n in sorted(by_archive.items())
            ],
            "url": url_for("opened.month", month=month),
            "csv": url_for("opened.month_csv", month=month),
        }
        for month, by_archive in sorted(counts.items(), reverse=True)
    ]
    return render_template("opened.html", months=months)


@opened.get("/opened/<month>")
def month(month: str):
    """The records opened in one month, as they are public now."""
    items = lantai_of(current_app).search.opened(_month_of(month))
    return render_template(
        "opened_month.html",
        month=month,
        items=items,
        csv_url=url_for("opened.month_csv", month=month),
    )


@opened.get("/opened/<month>.csv")
def month_csv(month: str):
    """One month's catalogue of opened records as a CSV file (UTF-8 with BOM, for Excel)."""
    items = lantai_of(current_app).search.opened(_month_of(month))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for header, _ in CSV_COLUMNS] + ["开放日期"])
    for item in items:
        row = [_cell(item, name) for _, name in CSV_COLUMNS]
        writer.writerow([*row, item.opening.at[:10]])
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="opened-{month}.csv"'
    return response


def _cell(item: OpenedRecord, name: str) -> str:
    value = str(item.record.get(name) or "")
    if name == "visibility":
        return {"full": "开放", "catalog": "目录开放"}.get(value, value)
    # A cell a spreadsheet would run as a formula starts with a quote instead.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@opened.get("/opened.atom")
def feed():
    """An Atom feed of the latest batches: the records one archive opened on one day."""
    batches: dict[tuple[str, str], list[OpenedRecord]] = defaultdict(list)
    for item in lantai_of(current_app).search.opened():
        batches[(item.opening.at[:10], item.opening.archive)].append(item)
    latest = sorted(batches.items(), key=lambda pair: max(i.opening.at for i in pair[1]), reverse=True)
    entries = []
    for (day, archive), items in latest[:FEED_BATCHES]:
        updated = _atom_time(max(i.opening.at for i in items))
        name = archive_info(archive).zh
        link = url_for("opened.month", month=day[:7], _external=True)
        titles = "".join(f"<li>{esc(i.record['archive_code'])} {esc(i.record['title'])}</li>" for i in items)
        title = _("%(archive)s %(day)s 开放档案 %(n)s 件", archive=name, day=day, n=len(items))
        entries.append(
            f"<entry><id>{esc(link)}#{day}-{esc(archive)}</id><title>{esc(title)}</title>"
            f'<updated>{updated}</updated><link rel="alternate" href="{esc(link)}"/>'
            f'<content type="html">{esc("<ul>" + titles + "</ul>")}</content></entry>'
        )
    updated = _atom_time(
        max((i.opening.at for b in batches.values() for i in b), default="1970-01-01T00:00:00")
    )
    home = url_for("opened.index", _external=True)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{esc(home)}</id><title>{esc(_('开放档案目录'))}</title><updated>{updated}</updated>"
        f'<author><name>兰台 Lantai</name></author><link rel="alternate" href="{esc(home)}"/>'
        f'<link rel="self" href="{esc(url_for("opened.feed", _external=True))}"/>'
        + "".join(entries)
        + "</feed>\n"
    )
    return Response(body, mimetype="application/atom+xml")


def _atom_time(at: str) -> str:
    """A decision time (ISO, UTC) as an Atom date: ``2026-12-03T01:02:03Z``."""
    return at[:19] + "Z"
