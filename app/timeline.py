"""The timeline (年代分布图): the layout of an inline SVG bar chart of records per year.

The template draws the SVG from these numbers with classes only (the content security
policy allows no style attributes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask_babel import gettext as _

# One slot of SLOT units per year, bars BAR units wide and up to HEIGHT units high; a chart
# has at least MIN_SLOTS slots, so a few years do not make very wide bars.
SLOT, BAR, HEIGHT, MIN_SLOTS = 10, 8, 100, 24


def year_counts(counts: Mapping[str, int]) -> dict[int, int]:
    """The year facet as {year: count} in year order, ignoring anything that is not a year.

    >>> year_counts({"1951": 2, "1949": 3, "unknown": 7, "1950": 0})
    {1949: 3, 1951: 2}
    """
    out: dict[int, int] = {}
    for year, count in counts.items():
        if str(year).isdigit() and count:
            out[int(year)] = out.get(int(year), 0) + int(count)
    return dict(sorted(out.items()))


def build_timeline(
    counts: Mapping[str, int], year_link: Callable[[int], str], selected: tuple[str, str] = ("", "")
) -> dict | None:
    """Bars of the chart of matching records per year, each a link; None if no years.

    ``year_link(year)`` gives the URL that filters to one year; ``selected`` is the
    search's (year_from, year_to), and the bar of a one-year range is the current one.
    Few years are centred in MIN_SLOTS slots, and the axis labels name the padded range:

    >>> chart = build_timeline({"1950": 4, "1951": 1}, lambda y: f"?year={y}", ("1951", "1951"))
    >>> chart["first"], chart["last"], chart["width"], chart["peak"], chart["total"]
    (1939, 1962, 240, 4, 5)
    >>> [(b["year"], b["x"], b["y"], b["height"], b["url"], b["current"]) for b in chart["bars"]]
    [(1950, 111.0, 6, 94, '?year=1950', False), (1951, 121.0, 76, 24, '?year=1951', True)]
    >>> build_timeline({}, str) is None
    True
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
        bars.append(
            {
                "year": year,
                "count": count,
                "url": year_link(year),
                "label": _("%(year)s 年：%(count)s 条", year=year, count=count),
                "x": x + (SLOT - BAR) / 2,
                "slot_x": x,
                "y": HEIGHT - height,
                "height": height,
                "current": selected == (str(year), str(year)),
            }
        )
    # The axis labels name the chart's edges: the padded range when there are few years.
    return {
        "bars": bars,
        "first": first - offset,
        "last": first - offset + slots - 1,
        "peak": peak,
        "total": sum(years.values()),
        "width": slots * SLOT,
        "height": HEIGHT,
        "slot": SLOT,
        "bar": BAR,
    }
