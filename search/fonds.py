"""Browsing the fonds hierarchy (全宗 → 目录/案卷 → 件): an archive's fonds, a fonds' series
(目录号/类别) and files (案卷/件), each counted over what the visitor may see.

Every count and list here is a search through :class:`search.service.SearchService`
(browsing without a query, filtered by archive, 全宗号 and 目录号): the engine counts only
records visible to the caller's scope, and each listed record is checked by
:func:`catalog.policy.view_of`. A fonds (or archive) none of whose records the visitor may
see answers None, exactly as one that does not exist.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from catalog.policy import Audience
from search.base import SearchRequest
from search.params import MAX_PAGE, ParamError

if TYPE_CHECKING:
    from search.service import SearchService


def _browse(service: SearchService, audience: Audience, request: SearchRequest) -> dict | None:
    try:
        return service.search(request, audience)
    except ParamError:  # an archive nobody knows: as a fonds nobody knows
        return None


def archive_fonds(service: SearchService, archive: str, audience: Audience) -> dict | None:
    """The fonds of an archive (馆藏全宗) with the number of records of each ``audience``
    may see, and their names where described: ``{"archive", "total", "sampled", "fonds":
    [{"fonds", "count", "name"}]}``; None when ``audience`` may see none of its records."""
    request = SearchRequest(query=None, archives=(archive,), size=1)
    answer = _browse(service, audience, request)
    if answer is None or not answer["total"]:
        return None
    described = service.store.fonds().of_archive(archive)
    counts = answer["facets"].get("fonds", {})
    return {
        "archive": archive,
        "total": answer["total"],
        "sampled": answer["facets_sampled"],
        "fonds": [
            {"fonds": f, "count": n, "name": described[f].name if f in described else ""}
            for f, n in sorted(counts.items())
        ],
    }


def fonds_page(
    service: SearchService,
    archive: str,
    fonds: str,
    audience: Audience,
    series: str = "",
    page: int = 1,
    size: int | None = None,
) -> dict | None:
    """One fonds (全宗) as ``audience`` may see it: its description (全宗介绍, if imported),
    its series (目录号/类别) with counts, and one page of its files (案卷/件), of one
    series when ``series`` is given, in 档号 order.

    Answers ``{"archive", "fonds", "series", "description", "total", "sampled",
    "series_counts": [{"series", "count"}], "result"}`` (``result`` is the search JSON of
    the files listed), or None when ``audience`` may see no record of the fonds (or of the
    series), whatever exists.
    """
    fonds, series = fonds.strip(), series.strip()
    if not fonds:
        return None
    whole = SearchRequest(
        query=None,
        archives=(archive,),
        fonds=(fonds,),
        page=max(1, min(page, MAX_PAGE)),
        size=size or service.settings.page_size,
        sort="code",
    )
    overview = _browse(service, audience, whole if not series else replace(whole, page=1, size=1))
    if overview is None or not overview["total"]:
        return None
    result = overview
    if series:
        result = service.search(replace(whole, series=(series,)), audience)
        if not result["total"]:
            return None
    counts = overview["facets"].get("series", {})
    described = service.store.fonds().get(archive, fonds)
    return {
        "archive": archive,
        "fonds": fonds,
        "series": series,
        "description": described.as_json() if described else None,
        "total": overview["total"],
        "sampled": overview["facets_sampled"],
        "series_counts": [{"series": s, "count": n} for s, n in sorted(counts.items())],
        "result": result,
    }
