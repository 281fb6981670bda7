"""Search parameters (检索参数): what the API, the pages and the CLI accept, declared once as
the model :class:`SearchParameters` and checked by it into a :class:`search.base.SearchRequest`;
anything out of range is a :class:`ParamError` naming it.

The same model describes the parameters in the API's OpenAPI document (``app/openapi.py``),
so what is documented is what is checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from analyzers.entities.dates import year_of_text
from analyzers.normalize import normalize
from analyzers.query import QuerySyntaxError, parse_query
from config import Settings
from search.base import SORTS, SearchRequest

MAX_QUERY_LENGTH = 500
MAX_PAGE = 10_000
ENTITY_PARAMETERS = ("person", "place", "org")
LIST_HELP = "repeat the parameter or separate values by commas"
YEAR_HELP = "a year: 1949, 1949年, 一九四九年 or a reign year such as 民国三十八年"
MAX_FILTER_VALUES = 100  # values of one fonds= or series= filter
MAX_PART_LENGTH = 64  # characters of one 全宗号 or 目录号
PART_HELP = f"at most {MAX_FILTER_VALUES} values of {MAX_PART_LENGTH} characters; {LIST_HELP}"


class ParamError(ValueError):
    """A request parameter that is not allowed; answered with 400."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"parameter {name!r}: {message}")
        self.name = name


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError("parameter", message)


def _split(values: list[str]) -> list[str]:
    """The values of a repeated or comma-separated parameter, blanks left out."""
    return [v.strip() for raw in values for v in raw.split(",") if v.strip()]


def _whole(raw: str, low: int, high: int) -> int:
    if not re.fullmatch(r"-?\d{1,9}", raw):
        raise _refuse(f"{raw!r} is not a whole number")
    value = int(raw)
    if not low <= value <= high:
        raise _refuse(f"{value} is not between {low} and {high}")
    return value


class SearchParameters(BaseModel):
    """The query string of a search (``/api/v1/search``, ``/search``, exports, ``lantai
    search``): every parameter is optional; an empty one counts as not given."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    q: str = Field(
        "",
        max_length=MAX_QUERY_LENGTH,
        description="the query: words, phrases in quotes, AND/OR/NOT, fields such as title: or year:",
    )
    page: int = Field(1, ge=1, le=MAX_PAGE, description="the page of results, from 1")
    size: int | None = Field(
        None,
        ge=1,
        description="results per page (the page_size setting when not given; at most max_page_size)",
    )
    archive: list[str] = Field(default_factory=list, description=f"archive ids (馆藏单位); {LIST_HELP}")
    type: list[str] = Field(default_factory=list, description=f"record types (类别); {LIST_HELP}")
    year_from: int | None = Field(None, ge=1, le=9999, description=f"earliest year, {YEAR_HELP}")
    year_to: int | None = Field(None, ge=1, le=9999, description=f"latest year, {YEAR_HELP}")
    sort: Literal["relevance", "date", "date_desc", "code"] = Field(
        "relevance", description="the order of results (code: by archive, then 档号)"
    )
    person: list[str] = Field(default_factory=list, description=f"persons named in the records; {LIST_HELP}")
    place: list[str] = Field(default_factory=list, description=f"places named in the records; {LIST_HELP}")
    org: list[str] = Field(default_factory=list, description=f"organizations named; {LIST_HELP}")
    fonds: list[str] = Field(
        default_factory=list,
        description=f"全宗号 (fonds); {PART_HELP}",
    )
    series: list[str] = Field(
        default_factory=list,
        description=f"目录号 or 类别 (series); {PART_HELP}",
    )

    @field_validator("q", mode="before")
    @classmethod
    def _query(cls, value: str) -> str:
        if len(value) > MAX_QUERY_LENGTH:
            raise _refuse(f"longer than {MAX_QUERY_LENGTH} characters")
        return value

    @field_validator("page", mode="before")
    @classmethod
    def _page(cls, value: str) -> int:
        return _whole(value.strip(), 1, MAX_PAGE) if value.strip() else 1

    @field_validator("size", mode="before")
    @classmethod
    def _size(cls, value: str, info: ValidationInfo) -> int | None:
        high = (info.context or {}).get("max_page_size", MAX_PAGE)
        return _whole(value.strip(), 1, high) if value.strip() else None

    @field_validator("year_from", "year_to", mode="before")
    @classmethod
    def _year(cls, value: str) -> int | None:
        raw = value.strip()
        if raw and not re.fullmatch(r"-?\d{1,9}", raw):
            year = year_of_text(raw)
            if year is None:
                raise _refuse(f"{raw!r} is not a year; use 1949, 1949年, 一九四九年 or 民国三十八年")
            raw = str(year)
        return _whole(raw, 1, 9999) if raw else None

    @field_validator("sort", mode="before")
    @classmethod
    def _sort(cls, value: str) -> str:
        sort = value.strip() or "relevance"
        if sort not in SORTS:
            raise _refuse(f"{sort!r}: use one of {', '.join(SORTS)}")
        return sort

    @field_validator("archive", "type", "person", "place", "org", mode="before")
    @classmethod
    def _list(cls, values: list[str]) -> list[str]:
        return _split(values)

    @field_validator("fonds", "series", mode="before")
    @classmethod
    def _code_parts(cls, values: list[str]) -> list[str]:
        parts = _split(values)
        if len(parts) > MAX_FILTER_VALUES:
            raise _refuse(f"more than {MAX_FILTER_VALUES} values")
        for part in parts:
            if len(part) > MAX_PART_LENGTH:
                raise _refuse(f"{part[:20]!r}… is longer than {MAX_PART_LENGTH} characters")
        return parts

    @classmethod
    def of(cls, args: Mapping[str, str], max_page_size: int) -> SearchParameters:
        """The parameters in ``args`` (a query string, or a plain mapping of strings);
        raises :class:`ParamError` naming the first parameter that is not allowed."""
        getlist = getattr(args, "getlist", None)
        raw: dict[str, Any] = {}
        for name, field in cls.model_fields.items():
            if field.annotation == list[str]:
                raw[name] = getlist(name) if getlist else [args.get(name) or ""]
            else:
                raw[name] = args.get(name) or ""
        try:
            return cls.model_validate(raw, context={"max_page_size": max_page_size})
        except ValidationError as error:
            first = error.errors()[0]
            raise ParamError(str(first["loc"][0]), first["msg"]) from None

    @classmethod
    def json_schema(cls, max_page_size: int) -> dict[str, Any]:
        """The parameters' JSON schema, with the ``size`` limit of an installation."""
        schema = cls.model_json_schema()
        size = schema["properties"]["size"]
        for choice in size.get("anyOf", [size]):
            if choice.get("type") == "integer":
                choice["maximum"] = max_page_size
        return schema


def parse_request(args: Mapping[str, str], settings: Settings) -> SearchRequest:
    """Validate search parameters (API, pages and CLI share them) into a SearchRequest.

    Raises :class:`ParamError` naming the parameter for anything out of range.

    >>> from config import load_settings
    >>> checked = parse_request({"year_from": "民国三十八年", "type": "文书,照片"}, load_settings(env={}))
    >>> checked.year_from, checked.record_types
    (1949, ('文书', '照片'))
    """
    params = SearchParameters.of(args, settings.max_page_size)
    if params.year_from is not None and params.year_to is not None and params.year_from > params.year_to:
        raise ParamError("year_from", f"{params.year_from} is after year_to {params.year_to}")
    try:
        query = parse_query(params.q)
    except QuerySyntaxError as error:
        raise ParamError("q", str(error)) from None
    entities = tuple(
        (facet, normalize(name).text) for facet in ENTITY_PARAMETERS for name in getattr(params, facet)
    )
    return SearchRequest(
        query=query,
        raw_query=params.q,
        page=params.page,
        size=params.size or settings.page_size,
        archives=tuple(params.archive),
        record_types=tuple(params.type),
        year_from=params.year_from,
        year_to=params.year_to,
        entities=entities,
        fonds=tuple(params.fonds),
        series=tuple(params.series),
        sort=params.sort,
    )
