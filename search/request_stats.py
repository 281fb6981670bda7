"""Figures of requests (查档申请) for the annual report: 利用人次 (requests) and 查档件次
(records named), by month, kind, source, archive and outcome, with the median answer time.

The figures hold counts only, never a requester's name or contact, so they stay right
after a purge (``lantai requests purge`` keeps the requests, without their personal data).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from statistics import median

from catalog.requests import RequestStore


def _days(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 86400


def request_figures(store: RequestStore, year: int) -> dict:
    """The year's figures: ``requests`` (利用人次), ``records`` (查档件次), counts
    ``by_month`` (``"01"``…``"12"``, all twelve), ``by_kind``, ``by_source``,
    ``by_archive`` (the archive answering now), ``by_outcome`` (the status) and
    ``median_answer_days`` over the answered and declined ones (None when there are none)."""
    found = store.for_year(year)
    months = Counter(r.created_at[5:7] for r, _n in found)
    answer_days = [_days(r.created_at, r.closed_at) for r, _n in found if r.closed_at]
    return {
        "year": year,
        "requests": len(found),
        "records": sum(n for _r, n in found),
        "by_month": {f"{m:02d}": months.get(f"{m:02d}", 0) for m in range(1, 13)},
        "by_kind": dict(Counter(r.kind for r, _n in found).most_common()),
        "by_source": dict(Counter(r.source for r, _n in found).most_common()),
        "by_archive": dict(Counter(r.archive for r, _n in found).most_common()),
        "by_outcome": dict(Counter(r.status for r, _n in found).most_common()),
        "median_answer_days": round(median(answer_days), 1) if answer_days else None,
    }
