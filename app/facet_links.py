"""The state of a search (检索条件) as URL parameters, and the links that change it.

Links that change a search (facets, timeline bars, sort, date range, pagination) are plain
GET URLs built from the current parameters, so the pages work without JavaScript and the
browser's back button keeps the query and its filters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import url_for
from flask_babel import gettext as _

from app.i18n import type_label
from app.labels import ENTITY_KINDS, KIND_TITLES, archive_label
from app.timeline import year_counts

# Parameters of a search as the results page keeps them (``page`` and ``lang`` are not kept:
# every link that changes the search starts again at page 1).
PARAMS = (
    "q",
    "archive",
    "fonds",
    "series",
    "type",
    "year_from",
    "year_to",
    "person",
    "place",
    "org",
    "sort",
    "size",
)
LIST_PARAMS = ("archive", "fonds", "series", "type", "person", "place", "org")


class SearchState:
    """The parameters of the current search, and URLs for changed copies of it."""

    def __init__(self, args: Mapping, endpoint: str = "public.search", **view_args) -> None:
        getlist = getattr(args, "getlist", lambda k: [args[k]] if k in args else [])
        self.params: dict[str, list[str]] = {}
        for key in PARAMS:
            values = [
                v.strip()
                for raw in getlist(key)
                for v in (raw.split(",") if key in LIST_PARAMS else [raw])
                if v.strip()
            ]
            self.params[key] = list(dict.fromkeys(values))
        self.endpoint = endpoint
        self.view_args = view_args

    def get(self, key: str) -> str:
        """The (first) value of a parameter, or ''."""
        values = self.params.get(key) or []
        return values[0] if values else ""

    def has(self, key: str, value: str) -> bool:
        """True when ``value`` is one of the values of ``key``."""
        return value in self.params.get(key, [])

    def pairs(self, exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
        """The parameters as (name, value) pairs, e.g. for hidden form fields."""
        return [(k, v) for k in PARAMS if k not in exclude for v in self.params[k]]

    def url(self, toggle: tuple[str, str] | None = None, page: int | None = None, **changes) -> str:
        """This search with one value toggled and/or some parameters set (None removes)."""
        params = {k: list(v) for k, v in self.params.items()}
        if toggle is not None:
            key, value = toggle
            if value in params[key]:
                params[key].remove(value)
            else:
                params[key].append(value)
        for key, value in changes.items():
            params[key] = [] if value in (None, "") else [str(value)]
        pairs = [(k, v) for k in PARAMS for v in params[k]]
        if page and page > 1:
            pairs.append(("page", str(page)))
        base = url_for(self.endpoint, **self.view_args)
        return base + ("?" + urlencode(pairs) if pairs else "")

    @property
    def filtered(self) -> bool:
        """True when any filter (not the query, sort or size) is set."""
        return any(self.params[k] for k in (*LIST_PARAMS, "year_from", "year_to"))

    def active_filters(self) -> list[dict]:
        """The filters in force, each with a label and a link that removes it."""
        out = []
        titles = {
            "archive": _("馆藏单位"),
            "fonds": _("全宗"),
            "series": _("目录"),
            "type": _("类别"),
            "person": _("人物"),
            "place": _("地点"),
            "org": _("机构"),
        }
        for key in LIST_PARAMS:
            for value in self.params[key]:
                label = (
                    archive_label(value)
                    if key == "archive"
                    else (type_label(value) if key == "type" else value)
                )
                out.append({"title": titles[key], "label": label, "url": self.url(toggle=(key, value))})
        year_from, year_to = self.get("year_from"), self.get("year_to")
        if year_from or year_to:
            out.append(
                {
                    "title": _("年代"),
                    "label": year_span_label(year_from, year_to),
                    "url": self.url(year_from=None, year_to=None),
                }
            )
        return out

    def querystring(self, page: int = 1) -> str:
        """The search's parameters as a query string ('' when none), with ``page`` past the
        first (the ``back`` parameter of a result's link to its record)."""
        return urlencode(self.pairs() + ([("page", str(page))] if page > 1 else []))


def year_span_label(year_from: str | int | None, year_to: str | int | None) -> str:
    """``1950``, ``1950–1959``, ``1950 年起`` or ``至 1959 年``."""
    if year_from and year_to:
        return str(year_from) if str(year_from) == str(year_to) else f"{year_from}–{year_to}"
    if year_from:
        return _("%(year)s 年起", year=year_from)
    return _("至 %(year)s 年", year=year_to)


def _items(
    counts: Mapping[str, int], state: SearchState, key: str, label: Callable[[str], str] = lambda v: v
) -> list[dict]:
    return [
        {
            "value": value,
            "label": label(value),
            "count": count,
            "selected": state.has(key, value),
            "url": state.url(toggle=(key, value)),
        }
        for value, count in counts.items()
    ]


def build_facets(facets: Mapping[str, Mapping[str, int]], state: SearchState) -> list[dict]:
    """The facet groups of a results page: values, counts, selected state and links."""
    years = year_counts(facets.get("year", {}))
    decades: dict[int, int] = {}
    for year, count in years.items():
        decades[year // 10 * 10] = decades.get(year // 10 * 10, 0) + count
    year_from, year_to = state.get("year_from"), state.get("year_to")
    decade_items = [
        {
            "value": str(d),
            "label": _("%(decade)s 年代", decade=d),
            "count": n,
            "selected": (year_from, year_to) == (str(d), str(d + 9)),
            "url": state.url(year_from=d, year_to=d + 9),
        }
        for d, n in decades.items()
    ]
    groups = [
        {
            "key": "archive",
            "title": _("馆藏单位"),
            "items": _items(facets.get("archive", {}), state, "archive", archive_label),
        },
        {"key": "fonds", "title": _("全宗"), "items": _items(facets.get("fonds", {}), state, "fonds")},
        {"key": "series", "title": _("目录"), "items": _items(facets.get("series", {}), state, "series")},
        {"key": "decade", "title": _("年代"), "items": decade_items},
    ]
    narrow = year_from.isdigit() and year_to.isdigit() and 0 < int(year_to) - int(year_from) < 10
    if narrow or len(decades) == 1:
        groups.append(
            {
                "key": "year",
                "title": _("年份"),
                "items": [
                    {
                        "value": str(y),
                        "label": str(y),
                        "count": n,
                        "selected": year_from == year_to == str(y),
                        "url": state.url(year_from=y, year_to=y),
                    }
                    for y, n in years.items()
                ],
            }
        )
    groups.append(
        {
            "key": "type",
            "title": _("类别"),
            "items": _items(facets.get("record_type", {}), state, "type", type_label),
        }
    )
    for kind in ENTITY_KINDS:
        groups.append(
            {"key": kind, "title": str(KIND_TITLES[kind]), "items": _items(facets.get(kind, {}), state, kind)}
        )
    return [g for g in groups if g["items"]]


def related_entities(
    facets: Mapping[str, Mapping[str, int]], kind: str, name: str, shown: int = 12
) -> list[dict]:
    """The people, places and organizations (人物、地点、机构) that the records of one entity
    also mention, by kind, each with its count and entity page link (at most ``shown`` a kind)."""
    related = [
        {
            "kind": k,
            "title": str(KIND_TITLES[k]),
            "items": [
                {"name": n, "count": c, "url": url_for("public.entity", kind=k, name=n)}
                for n, c in facets.get(k, {}).items()
                if (k, n) != (kind, name)
            ][:shown],
        }
        for k in ENTITY_KINDS
    ]
    return [r for r in related if r["items"]]


def pagination(page: int, pages: int, url: Callable[[int], str]) -> dict:
    """Links to the pages of a result list: the first, the last and two either side of ``page``
    (a gap is ``{"number": None}``), with previous and next."""
    window = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[dict[str, Any]] = []
    for number in window:
        if links and number - links[-1]["number"] > 1:
            links.append({"number": None})
        links.append({"number": number, "url": url(number), "current": number == page})
    return {
        "page": page,
        "pages": pages,
        "links": links,
        "prev": url(page - 1) if page > 1 else None,
        "next": url(page + 1) if page < pages else None,
    }


def back_link(raw: str) -> str | None:
    """The results page a record was opened from (only search parameters are kept)."""
    pairs = [(k, v) for k, v in parse_qsl(raw or "")[:50] if k in PARAMS or k == "page"]
    return url_for("public.search") + "?" + urlencode(pairs) if pairs else None
