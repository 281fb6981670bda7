"""The JSON API's bodies and answers as models (pydantic): what each ``/api/v1`` route takes
and gives, for its OpenAPI document (:mod:`app.openapi`). Answers may carry more fields
than a model names (a model lists the fields callers rely on), never fewer or other types:
the schemathesis suite (tests/contract/test_openapi_conformance.py) checks every answer
of the running service against them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Visibility = Literal["full", "catalog", "none"]


class ErrorAnswer(BaseModel):
    """Every error (4xx, 503): ``error`` says what is wrong; ``parameter`` or ``field`` names
    the bad parameter or body field, ``fields`` each bad field of a request's form."""

    error: str
    parameter: str | None = None
    field: str | None = None
    fields: dict[str, str] | None = None


# -- search (检索) ------------------------------------------------------------------------------


class SearchHit(BaseModel):
    """One result: catalog fields, the snippet (HTML-escaped, matches in ``<mark>``) and the
    pages where the query matched (full-text records only)."""

    id: str = Field(description="archive/archive_code")
    archive: str
    archive_code: str = Field(description="档号")
    title: str
    date: str
    record_type: str
    visibility: Visibility
    snippet: str
    pages: list[int]
    score: float


class DidYouMean(BaseModel):
    """您是不是要找: a corrected query and the public records it finds."""

    query: str
    total: int


class SearchAnswer(BaseModel):
    """A page of results with the total and facet counts over all matches."""

    query: str
    total: int = Field(ge=0)
    total_is_exact: bool = Field(description="false above the exact_total_limit setting (约)")
    facets_sampled: bool
    page: int
    size: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = Field(
        description="counts by archive, year, record_type, person, place and org"
    )
    did_you_mean: DidYouMean | None


class RecordAnswer(BaseModel):
    """A record as the caller may see it; ``text`` is null unless its full text is open to them."""

    id: str
    archive: str
    archive_code: str
    fonds: str
    title: str
    creator: str
    date: str
    record_type: str
    category: str
    retention: str
    subjects: list[str]
    description: str
    visibility: Visibility
    text: str | None


class SuggestAnswer(BaseModel):
    """Titles of visible records for a prefix (autocomplete)."""

    query: str
    suggestions: list[str]


# -- the researcher's workspace (研究工作台) ---------------------------------------------------


class SavedSearch(BaseModel):
    """A saved search (保存的检索) with its total and the hits new since it was last seen."""

    id: int
    name: str
    query: str
    filters: dict[str, Any]
    total: int
    new_hits: int
    search_url: str
    created_at: str
    seen_at: str | None


class SavedSearches(BaseModel):
    """The caller's saved searches."""

    searches: list[SavedSearch]


class SearchToSave(BaseModel):
    """A search to save: a name, the query and the filters (search parameters)."""

    name: str
    query: str
    filters: dict[str, str | int | list[str]] = Field(default_factory=dict)


class Folder(BaseModel):
    """A topic folder (专题)."""

    id: int
    name: str
    description: str
    size: int
    created_at: str
    shared: bool
    share_notes: bool
    share_token: str | None


class Folders(BaseModel):
    """The caller's folders."""

    folders: list[Folder]


class FolderToMake(BaseModel):
    """A new folder."""

    name: str
    description: str = ""


class FolderChange(BaseModel):
    """A folder's new name or description."""

    name: str | None = None
    description: str | None = None


class ItemRecord(BaseModel):
    """The catalog fields of a folder item's record, as the caller may see it now."""

    id: str
    archive: str
    archive_code: str
    title: str
    date: str
    record_type: str
    visibility: Visibility


class FolderItem(BaseModel):
    """A record in a folder with a note, pages and an excerpt; when the record is no longer
    visible (``available`` false) only its 档号 and the note remain."""

    id: int
    position: int
    available: bool
    note: str
    record: ItemRecord | None = None
    archive_code: str | None = None
    pages: list[int] | None = None
    excerpt: str | None = None


class FolderItems(BaseModel):
    """A folder's items in order."""

    items: list[FolderItem]


class FolderWithItems(Folder):
    """A folder with its items."""

    items: list[FolderItem]


class ItemToAdd(BaseModel):
    """A record to add to a folder."""

    record_id: str = Field(description="archive/archive_code")
    note: str = ""
    pages: list[int] = Field(default_factory=list)
    excerpt: str = ""


class ItemChange(BaseModel):
    """An item's new note."""

    note: str


class ItemOrder(BaseModel):
    """Every item id of the folder once, in the new order."""

    item_ids: list[int]


class ShareChange(BaseModel):
    """Share the folder read-only (a new link), or stop sharing it."""

    shared: bool = True
    share_notes: bool = False


class ShareAnswer(BaseModel):
    """The folder's share link, or null when it is not shared."""

    shared: bool
    url: str | None


# -- query strings ------------------------------------------------------------------------------


class ExportParameters(BaseModel):
    """The format of a download."""

    format: str = Field(description="the file format")


class SuggestParameters(BaseModel):
    """A title prefix."""

    q: str = ""


# -- hits on the page image (页面命中) ------------------------------------------------------------


class BoxesParameters(BaseModel):
    """The query whose matches are boxed (its positive terms, as highlighting uses them)."""

    q: str = Field("", max_length=500, description="the search query")


class PageBox(BaseModel):
    """One match on one line, as fractions (0..1) of the page image's width and height,
    measured from its top-left corner: multiply by the drawn image's size for pixels."""

    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)
    w: float = Field(ge=0, le=1)
    h: float = Field(ge=0, le=1)


class BoxesAnswer(BaseModel):
    """The boxes of a query's matches on one page image (empty for a page stored without
    word boxes, or where the query does not match)."""

    id: str
    page: int
    query: str
    unit: Literal["fraction"]
    boxes: list[PageBox]
