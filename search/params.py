"""Search parameters (检索参数): what the API, the pages and the CLI accept, checked into a
:class:`search.base.SearchRequest`; anything out of range is a :class:`ParamError` naming it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from analyzers.entities.dates import year_of_text
from analyzers.normalize import normalize
from analyzers.query import QuerySyntaxError, parse_query
from config import Settings
from search.base import SORTS, SearchRequest

MAX_QUERY_LENGTH = 500
MAX_PAGE = 10_000


class ParamError(ValueError):
    """A request parameter that is not allowed; answered with 400."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"parameter {name!r}: {message}")
        self.name = name


def _int(args: Mapping[str, str], name: str, default: int | None, low: int, high: int) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"-?\d{1,9}", raw):
        raise ParamError(name, f"{raw!r} is not a whole number")
    value = int(raw)
    if not low <= value <= high:
        raise ParamError(name, f"{value} is not between {low} and {high}")
    return value


def _year(args: Mapping[str, str], name: str) -> int | None:
    """A year parameter: 1949, 1949年, 一九四九年 or a reign year such as 民国三十八年."""
    raw = (args.get(name) or "").strip()
    if raw and not re.fullmatch(r"-?\d{1,9}", raw):
        year = year_of_text(raw)
        if year is None:
            raise ParamError(name, f"{raw!r} is not a year; use 1949, 1949年, 一九四九年 or 民国三十八年")
        raw = str(year)
    return _int({name: raw}, name, None, 1, 9999)


def _list(args: Mapping[str, str], name: str) -> tuple[str, ...]:
    getlist = getattr(args, "getlist", None)
    values = getlist(name) if getlist else [args.get(name) or ""]
    return tuple(v.strip() for raw in values for v in raw.split(",") if v.strip())


def parse_request(args: Mapping[str, str], settings: Settings) -> SearchRequest:
    """Validate search parameters (API, pages and CLI share them) into a SearchRequest.

    Raises :class:`ParamError` naming the parameter for anything out of range.
    """
    q = args.get("q") or ""
    if len(q) > MAX_QUERY_LENGTH:
        raise ParamError("q", f"longer than {MAX_QUERY_LENGTH} characters")
    page = _int(args, "page", 1, 1, MAX_PAGE)
    size = _int(args, "size", settings.page_size, 1, settings.max_page_size)
    year_from = _year(args, "year_from")
    year_to = _year(args, "year_to")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ParamError("year_from", f"{year_from} is after year_to {year_to}")
    sort = (args.get("sort") or "relevance").strip()
    if sort not in SORTS:
        raise ParamError("sort", f"{sort!r}: use one of {', '.join(SORTS)}")
    try:
        query = parse_query(q)
    except QuerySyntaxError as error:
        raise ParamError("q", str(error)) from None
    archives = _list(args, "archive")
    entities = tuple(
        (facet, normalize(name).text) for facet in ("person", "place", "org") for name in _list(args, facet)
    )
    return SearchRequest(
        query=query,
        raw_query=q,
        page=page or 1,
        size=size or settings.page_size,
        archives=archives,
        record_types=_list(args, "type"),
        year_from=year_from,
        year_to=year_to,
        entities=entities,
        sort=sort,
    )
