"""Public pages for citizens: search home, results, record pages, entity pages, search tips.

Every view asks the search service with the PUBLIC audience and renders; nothing here
touches an engine or the catalog store directly. Links that change a search (facets,
timeline bars, sort, date range, pagination) are plain GET URLs built from the current
parameters, so the pages work without JavaScript and the browser's back button keeps
the query and its filters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from analyzers.highlight import highlight_full
from analyzers.query import parse_query, positive_terms
from app import lantai_of
from app.i18n import current_lang, init_i18n, type_label
from app.originals import (
    FileChanged,
    content_type,
    download_name,
    image_size,
    open_verified,
    original_kind,
    page_png,
    servable,
)
from catalog.policy import ORIGINAL_NONE, ORIGINAL_SHOWN, PUBLIC
from search.base import ENTITY_LABELS
from search.service import ParamError, parse_request

public = Blueprint("public", __name__)
public.record_once(lambda state: init_i18n(state.app))

# Parameters of a search as the results page keeps them (``page`` and ``lang`` are not kept:
# every link that changes the search starts again at page 1).
PARAMS = ("q", "archive", "type", "year_from", "year_to", "person", "place", "org", "sort", "size")
LIST_PARAMS = ("archive", "type", "person", "place", "org")
ENTITY_KINDS = ("person", "place", "org")
KIND_TITLES = {"person": _l("人物"), "place": _l("地点"), "org": _l("机构")}
SORT_TITLES = {"relevance": _l("相关度"), "date": _l("日期（由远及近）"),
               "date_desc": _l("日期（由近及远）")}
FACET_SHOWN = 8  # values shown before "more"


@dataclass(frozen=True)
class Archive:
    """How an archive id is shown: its name in Chinese and English, and its city or county."""

    zh: str
    en: str
    place: str


def archive_info(archive_id: str) -> Archive:
    """Names of an archive (馆藏单位) from the ``archive_names`` setting; else its id."""
    names = lantai_of(current_app).settings.archive_names.get(archive_id)
    if names is None:
        return Archive(archive_id, archive_id, "")
    return Archive(names["zh"], names["en"] or names["zh"], names["place"])


def archive_label(archive_id: str) -> str:
    """An archive's name in the interface language."""
    info = archive_info(archive_id)
    return info.en if current_lang() == "en" else info.zh


# -- the state of a search, and links that change it -------------------------------------


class SearchState:
    """The parameters of the current search, and URLs for changed copies of it."""

    def __init__(self, args: Mapping, endpoint: str = "public.search", **view_args) -> None:
        getlist = getattr(args, "getlist", lambda k: [args[k]] if k in args else [])
        self.params: dict[str, list[str]] = {}
        for key in PARAMS:
            values = [v.strip() for raw in getlist(key) for v in
                      (raw.split(",") if key in LIST_PARAMS else [raw]) if v.strip()]
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
        titles = {"archive": _("馆藏单位"), "type": _("类别"), "person": _("人物"),
                  "place": _("地点"), "org": _("机构")}
        for key in LIST_PARAMS:
            for value in self.params[key]:
                label = archive_label(value) if key == "archive" else (
                    type_label(value) if key == "type" else value)
                out.append({"title": titles[key], "label": label,
                            "url": self.url(toggle=(key, value))})
        year_from, year_to = self.get("year_from"), self.get("year_to")
        if year_from or year_to:
            out.append({"title": _("年代"), "label": year_span_label(year_from, year_to),
                        "url": self.url(year_from=None, year_to=None)})
        return out

    def querystring(self) -> str:
        """The search's parameters (without page) as a query string, '' when none."""
        return urlencode(self.pairs())


def year_span_label(year_from: str | int | None, year_to: str | int | None) -> str:
    """``1950``, ``1950–1959``, ``1950 年起`` or ``至 1959 年``."""
    if year_from and year_to:
        return str(year_from) if str(year_from) == str(year_to) else f"{year_from}–{year_to}"
    if year_from:
        return _("%(year)s 年起", year=year_from)
    return _("至 %(year)s 年", year=year_to)


# -- facets and the timeline ----------------------------------------------------------


def _items(counts: Mapping[str, int], state: SearchState, key: str, label=lambda v: v) -> list[dict]:
    return [{"value": value, "label": label(value), "count": count,
             "selected": state.has(key, value), "url": state.url(toggle=(key, value))}
            for value, count in counts.items()]


def year_counts(counts: Mapping[str, int]) -> dict[int, int]:
    """The year facet as {year: count}, ignoring anything that is not a year."""
    out = {}
    for year, count in counts.items():
        if str(year).isdigit() and count:
            out[int(year)] = out.get(int(year), 0) + int(count)
    return dict(sorted(out.items()))


def build_facets(facets: Mapping[str, Mapping[str, int]], state: SearchState) -> list[dict]:
    """The facet groups of a results page: values, counts, selected state and links."""
    years = year_counts(facets.get("year", {}))
    decades: dict[int, int] = {}
    for year, count in years.items():
        decades[year // 10 * 10] = decades.get(year // 10 * 10, 0) + count
    year_from, year_to = state.get("year_from"), state.get("year_to")
    decade_items = [{"value": str(d), "label": _("%(decade)s 年代", decade=d), "count": n,
                     "selected": (year_from, year_to) == (str(d), str(d + 9)),
                     "url": state.url(year_from=d, year_to=d + 9)} for d, n in decades.items()]
    groups = [
        {"key": "archive", "title": _("馆藏单位"),
         "items": _items(facets.get("archive", {}), state, "archive", archive_label)},
        {"key": "decade", "title": _("年代"), "items": decade_items},
    ]
    narrow = year_from.isdigit() and year_to.isdigit() and 0 < int(year_to) - int(year_from) < 10
    if narrow or len(decades) == 1:
        groups.append({"key": "year", "title": _("年份"), "items": [
            {"value": str(y), "label": str(y), "count": n,
             "selected": year_from == year_to == str(y),
             "url": state.url(year_from=y, year_to=y)} for y, n in years.items()]})
    groups.append({"key": "type", "title": _("类别"),
                   "items": _items(facets.get("record_type", {}), state, "type", type_label)})
    for kind in ENTITY_KINDS:
        groups.append({"key": kind, "title": str(KIND_TITLES[kind]),
                       "items": _items(facets.get(kind, {}), state, kind)})
    return [g for g in groups if g["items"]]


# The timeline's drawing: one slot of SLOT units per year, bars up to HEIGHT units high.
SLOT, BAR, HEIGHT, MIN_SLOTS = 10, 8, 100, 24


def build_timeline(counts: Mapping[str, int], year_link, selected: tuple[str, str] = ("", "")) -> dict | None:
    """Bars of an inline SVG chart of matching records per year, each a link; None if no years.

    ``year_link(year)`` gives the URL that filters to one year. The SVG is drawn from
    these numbers by the template, with classes only (the CSP allows no style attributes).
    """
    years = year_counts(counts)
    if not years:
        return None
    first, last = min(years), max(years)
    span = last - first + 1
    slots = max(span, MIN_SLOTS)
    offset = (slots - span) // 2
    peak = max(years.values())
    bars = []
    for year, count in years.items():
        height = max(2, round((HEIGHT - 6) * count / peak))
        x = (offset + year - first) * SLOT
        bars.append({
            "year": year, "count": count, "url": year_link(year),
            "label": _("%(year)s 年：%(count)s 条", year=year, count=count),
            "x": x + (SLOT - BAR) / 2, "slot_x": x, "y": HEIGHT - height, "height": height,
            "current": selected == (str(year), str(year)),
        })
    # The axis labels name the chart's edges: the padded range when there are few years.
    return {"bars": bars, "first": first - offset, "last": first - offset + slots - 1, "peak": peak,
            "total": sum(years.values()),
            "width": slots * SLOT, "height": HEIGHT, "slot": SLOT, "bar": BAR}


# -- empty results: hints that help ---------------------------------------------------


@lru_cache(maxsize=2)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def empty_hints(search_request, state: SearchState) -> dict:
    """Ways out of an empty result: other script, fewer words, no filters, the tips page."""
    q = search_request.raw_query.strip()
    hints: dict = {}
    if q:
        simplified = _converter("t2s").convert(q)
        traditional = _converter("s2t").convert(q)
        if simplified != q:
            hints["simplified"] = {"text": simplified, "url": state.url(q=simplified)}
        elif traditional != q:
            hints["traditional"] = {"text": traditional, "url": state.url(q=traditional)}
        if any(mark in q for mark in ('"', "“", "「", ":", "：", "(", "（")):
            plain = " ".join(positive_terms(parse_query(q)))
            if plain and plain != q:
                hints["plain"] = {"text": plain, "url": state.url(q=plain)}
        if q.isascii() and any(c.isalpha() for c in q):
            hints["pinyin"] = True
        words = [w for w in dict.fromkeys(positive_terms(search_request.query)) if w]
        if len(words) > 1:
            found = []
            for word in words[:4]:
                alone = replace(search_request, query=parse_query(word), raw_query=word, page=1,
                                size=1, with_facets=False)
                total = lantai_of(current_app).search.search(alone, PUBLIC)["total"]
                if total:
                    found.append({"text": word, "total": total, "url": state.url(q=word)})
            hints["words"] = found
    if state.filtered:
        hints["unfiltered"] = url_for("public.search", q=q) if q else url_for("public.search")
    return hints


# -- record pages ---------------------------------------------------------------------


def citation(record: Mapping) -> str:
    """The record as a GB/T 7714-2015 reference to an archive ([A]).

    The standard's archive examples follow its monograph form, ``主要责任者. 题名: 其他题名信息
    [A]. 出版地: 出版者, 出版年.``, with the document number as other title information
    (``关于…的通知: 京政办发[2005]37号[A]``). For an archival record that reads: the record's
    creator (责任者; the holding archive when none is known), title, reference code (档号),
    then the place and name of the holding archive and the formation date, e.g.
    ``中共宝鸡市委. 关于开展整党整风的计划: J001-001-0001[A]. 宝鸡: 宝鸡市档案馆, 1950-05-04.``
    Chinese whatever the interface language: it describes a Chinese record.
    """
    holder = archive_info(record["archive"])
    author = (record.get("creator") or "").strip() or holder.zh
    title = (record.get("title") or "").strip().rstrip("。.")
    text = f"{author}. {title}: {record['archive_code']}[A]. "
    text += f"{holder.place}: {holder.zh}" if holder.place else holder.zh
    date = (record.get("date") or "").strip()
    return text + (f", {date}." if date else ".")


def entity_groups(record: Mapping) -> list[dict]:
    """The record's entities grouped by kind, each with its entity page link.

    Accepts ``record["entities"]`` as ``{"person": ["name", ...], ...}`` or as a list of
    ``{"label" | "kind": "PERSON" | "person", "text" | "name": "..."}``; absent means none.
    """
    raw = record.get("entities") or {}
    labels = {v: k for k, v in ENTITY_LABELS.items()}
    names: dict[str, list[str]] = {kind: [] for kind in ENTITY_KINDS}
    if isinstance(raw, Mapping):
        pairs = [(kind, item) for kind, items in raw.items() for item in (items or [])]
    else:
        pairs = [(item.get("kind") or item.get("label") or "", item) for item in raw
                 if isinstance(item, Mapping)]
    for kind, item in pairs:
        kind = labels.get(str(kind), str(kind).lower())
        name = item if isinstance(item, str) else (item.get("name") or item.get("text") or "")
        if kind in names and name and name not in names[kind]:
            names[kind].append(name)
    return [{"kind": kind, "title": str(KIND_TITLES[kind]),
             "items": [{"name": n, "url": url_for("public.entity", kind=kind, name=n)} for n in found]}
            for kind, found in names.items() if found]


def record_view(record: Mapping, q: str = "") -> dict:
    """What the record template shows beyond the record's fields.

    The open text as reading text, escaped, with the query's matches in ``<mark>`` (the
    first with ``id="first-hit"`` for the jump link), the citation, the permalink,
    the holding archive's name and the entities.
    """
    text_html, hits = None, 0
    if record.get("text"):
        terms = positive_terms(parse_query(q)) if q else []
        marked = highlight_full(record["text"], terms)
        hits = marked.count("<mark>")
        text_html = Markup(marked.replace("<mark>", '<mark id="first-hit">', 1))
    return {
        "text_html": text_html, "hits": hits, "citation": citation(record),
        "permalink": url_for("public.record", record_id=record["id"], _external=True),
        "archive": archive_label(record["archive"]), "entities": entity_groups(record),
    }


# At most this many page links in a record's page list; longer records list the first and
# last pages, the matching ones and every tenth.
PAGE_NAV_ALL = 40


def _page_nav(numbers: list[int], matches: set[int]) -> list[dict]:
    if len(numbers) > PAGE_NAV_ALL:
        keep = {numbers[0], numbers[-1], *matches}
        numbers = [n for n in numbers if n in keep or n % 10 == 0]
    return [{"number": n, "match": n in matches} for n in numbers]


def pages_view(record: Mapping, pages: Mapping | None, originals: Mapping | None) -> dict | None:
    """A record's pages as the public record page shows them, or None for a record without
    pages (its text is shown in one block, as before).

    ``pages`` is :meth:`SearchService.pages` with the query's terms, ``originals`` is
    :meth:`SearchService.originals`. Each page gets its highlighted text, its count of
    hits and, when it comes from a PDF or a scan, its image: shown, or withheld with the
    reason (personal data, not read yet) as :func:`catalog.policy.view_of` decides (each
    page's and file's ``original`` in ``originals``).
    The originals the public may download are listed with their 档号-based names.
    """
    if not pages or not pages.get("pages"):
        return None
    originals = originals or {"pages": {}, "files": []}
    files = {f["number"]: f for f in originals["files"]}
    items, first_mark = [], None
    for page in pages["pages"]:
        html = page["html"]
        hits = html.count("<mark>")
        if hits and first_mark is None:
            first_mark = page["number"]
            html = html.replace("<mark>", '<mark id="first-hit">', 1)
        facts = originals["pages"].get(page["number"]) or {}
        file = files.get(facts.get("file"))
        image = None
        if file is not None and servable(file):
            decision = facts.get("original", ORIGINAL_NONE)
            if decision == ORIGINAL_SHOWN:
                size = image_size(file, facts["index"])
                if size:  # none: the original cannot be read now; no image that cannot load
                    image = {"url": url_for("public.page_image", record_id=record["id"],
                                            number=page["number"]), "size": size}
            elif decision != ORIGINAL_NONE:
                image = {"withheld": "unread" if facts.get("unread") else "personal_data"}
        items.append({**page, "html": Markup(html), "hits": hits, "image": image})
    several = len(originals["files"]) > 1
    downloads = []
    for file in originals["files"]:
        if not servable(file):
            continue
        decision = file.get("original", ORIGINAL_NONE)
        if decision == ORIGINAL_NONE:
            continue
        downloads.append({
            "withheld": "unread" if file["unread"] else "personal_data",
            "name": download_name(record["archive_code"], file["number"], several, file["path"]),
            "pages": file["pages"], "size": file["size"], "kind": original_kind(file["path"]),
            "url": url_for("public.original_file", record_id=record["id"], number=file["number"])
            if decision == ORIGINAL_SHOWN else None})
    first = pages.get("first_match") or first_mark
    return {"pages": items, "count": pages["count"], "matches": pages["matches"], "first": first,
            "hits": sum(p["hits"] for p in items),
            "nav": _page_nav([p["number"] for p in items], set(pages["matches"])),
            "downloads": downloads}


def file_size_label(size: int) -> str:
    """``820 KB``, ``12.5 MB``."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _back_link(raw: str) -> str | None:
    """The results page a record was opened from (only search parameters are kept)."""
    pairs = [(k, v) for k, v in parse_qsl(raw or "")[:50] if k in PARAMS or k == "page"]
    return url_for("public.search") + "?" + urlencode(pairs) if pairs else None


@public.app_context_processor
def public_helpers() -> dict:
    """Helpers every template may use (record.html is also rendered by the staff pages)."""
    return {"record_view": record_view, "archive_label": archive_label,
            "kind_titles": KIND_TITLES, "file_size_label": file_size_label}


# -- views ----------------------------------------------------------------------------


def _pagination(page: int, pages: int, url) -> dict:
    window = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links = []
    for number in window:
        if links and number - links[-1]["number"] > 1:
            links.append({"number": None})
        links.append({"number": number, "url": url(number), "current": number == page})
    return {"page": page, "pages": pages, "links": links,
            "prev": url(page - 1) if page > 1 else None,
            "next": url(page + 1) if page < pages else None}


@public.get("/")
def home():
    """The search home page: one search box, what the holdings hold, the timeline."""
    lantai = lantai_of(current_app)
    overview = lantai.search.search(replace(parse_request({}, lantai.settings), size=1), PUBLIC)
    state = SearchState({})
    timeline = build_timeline(overview["facets"]["year"],
                              lambda y: state.url(year_from=y, year_to=y))
    return render_template("home.html", q="", overview=overview, state=state,
                           facets=build_facets(overview["facets"], state), timeline=timeline)


@public.get("/search")
def search():
    """Results page: same parameters as ``/api/v1/search``."""
    lantai = lantai_of(current_app)
    try:
        search_request = parse_request(request.args, lantai.settings)
        result = lantai.search.search(search_request, PUBLIC)
    except ParamError as error:
        return render_template("error.html", message=str(error), q=request.args.get("q", "")), 400
    state = SearchState(request.args)
    pages = max(1, -(-result["total"] // search_request.size))
    timeline = build_timeline(result["facets"]["year"], lambda y: state.url(year_from=y, year_to=y),
                              (state.get("year_from"), state.get("year_to")))
    hints = empty_hints(search_request, state) if not result["total"] else {}
    return render_template(
        "search.html", q=search_request.raw_query, result=result, state=state, pages=pages,
        pagination=_pagination(result["page"], pages, lambda p: state.url(page=p)),
        facets=build_facets(result["facets"], state), timeline=timeline, hints=hints,
        sort=search_request.sort, sorts=SORT_TITLES,
        back=urlencode(state.pairs() + ([("page", str(result["page"]))] if result["page"] > 1 else [])))


@public.get("/records/<path:record_id>")
def record(record_id: str):
    """A record page; a closed record answers exactly like a missing one.

    ``?q=`` highlights the query in the text; ``?back=`` (the results' parameters) gives
    the link back to the results. A record read from files shows its text page by page
    (``id="page-N"``, so results link straight to the first matching page), with the
    image of each page of a PDF or scan and a download of the original file, where
    :func:`catalog.policy.view_of` allows them.
    """
    q = request.args.get("q", "")[:500]
    reading = lantai_of(current_app).search.reading(record_id, PUBLIC, q)
    if reading is None:
        abort(404)
    data = reading["record"]
    paged = pages_view(data, reading["pages"], reading["originals"])
    return render_template("record.html", record=data, q=q, paged=paged,
                           back_url=_back_link(request.args.get("back", "")))


def _original_gone():
    message = _("原件已更改或已不在原处，暂不能提供。请联系档案馆。")
    return render_template("error.html", message=message, q=""), 410


def _revalidated(response):
    # Revalidated on every view: a record closed again must not live on in a cache.
    response.cache_control.no_cache = True
    response.cache_control.private = True
    return response


@public.get("/records/<path:record_id>/pages/<int:number>.png")
def page_image(record_id: str, number: int):
    """The image of one page of an open record, rendered from its original PDF or scan.

    404, exactly like a missing record, unless :func:`catalog.policy.view_of`
    says ``shown`` (the record's text is public and no personal data was found on the
    page); 410 when the file is gone or is no longer what ingest read.
    """
    lantai = lantai_of(current_app)
    facts = lantai.search.originals(record_id, PUBLIC)
    page = (facts or {}).get("pages", {}).get(number)
    file = next((f for f in facts["files"] if f["number"] == page["file"]), None) if page else None
    if file is None or not servable(file) or page["original"] != ORIGINAL_SHOWN:
        abort(404)
    try:
        path = page_png(file, page["index"], lantai.settings.data_dir)
    except FileChanged:
        return _original_gone()
    except LookupError:
        abort(404)
    except Exception:  # noqa: BLE001 - a file ingest read but the renderer cannot draw
        current_app.logger.exception("page %s of %s could not be drawn", number, record_id)
        abort(404)
    name = f"{download_name(facts['archive_code'], 1, False, '')}-p{number}.png"
    return _revalidated(send_file(path, mimetype="image/png", download_name=name, conditional=True,
                               etag=True, max_age=0))


@public.get("/records/<path:record_id>/files/<int:number>")
def original_file(record_id: str, number: int):
    """Download an open record's original file (PDF or scan), named by its 档号.

    404, exactly like a missing record, unless :func:`catalog.policy.view_of`
    says ``shown`` for the file (its record's text is public and no personal data was
    found on any of its pages); 410 when the file is gone or is no longer what ingest read.
    """
    lantai = lantai_of(current_app)
    facts = lantai.search.originals(record_id, PUBLIC)
    file = next((f for f in (facts or {}).get("files", []) if f["number"] == number), None)
    if file is None or not servable(file) or file["original"] != ORIGINAL_SHOWN:
        abort(404)
    try:
        handle = open_verified(file)
    except FileChanged:
        return _original_gone()
    name = download_name(facts["archive_code"], number, len(facts["files"]) > 1, file["path"])
    response = send_file(handle, mimetype=content_type(file["path"]), as_attachment=True,
                         download_name=name, conditional=True, etag=file["sha256"], max_age=0)
    return _revalidated(response)


@public.get("/entities/<kind>/<path:name>")
def entity(kind: str, name: str):
    """An entity page: the public records that mention a person, place or organization.

    404, exactly like a missing record, when no public record mentions it.
    """
    lantai = lantai_of(current_app)
    if kind not in ENTITY_KINDS:
        abort(404)
    try:
        checked = parse_request({"page": request.args.get("page", ""),
                                 "sort": request.args.get("sort", "") or "date"}, lantai.settings)
    except ParamError as error:
        return render_template("error.html", message=str(error), q=""), 400
    data = lantai.search.entity(kind, name, PUBLIC, page=checked.page, sort=checked.sort)
    if data is None:
        abort(404)
    result = data["result"]
    state = SearchState({"sort": checked.sort}, "public.entity", kind=kind, name=name)
    pages = max(1, -(-result["total"] // checked.size))
    search_state = SearchState({kind: data["name"]})
    timeline = build_timeline(result["facets"]["year"],
                              lambda y: search_state.url(year_from=y, year_to=y))
    related = [{"kind": k, "title": str(KIND_TITLES[k]), "items": [
        {"name": n, "count": c, "url": url_for("public.entity", kind=k, name=n)}
        for n, c in result["facets"].get(k, {}).items() if (k, n) != (kind, data["name"])][:12]}
        for k in ENTITY_KINDS]
    return render_template(
        "entity.html", q="", entity=data, kind_title=str(KIND_TITLES[kind]), result=result,
        timeline=timeline, related=[r for r in related if r["items"]],
        pagination=_pagination(result["page"], pages, lambda p: state.url(page=p)),
        search_url=search_state.url(), sort=checked.sort, sorts=SORT_TITLES, state=state,
        back=search_state.querystring())


@public.get("/help/search")
def search_tips():
    """How to search: scripts, pinyin, phrases, operators, fields, filters."""
    return render_template("search_tips.html", q="")
