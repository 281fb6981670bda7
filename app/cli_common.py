"""What the ``lantai`` commands share: printing an answer as one line of JSON, or a list
as tab-separated lines."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence


def print_json(data: object) -> None:
    """Print ``data`` as one line of JSON, Chinese as is (not escaped)."""
    print(json.dumps(data, ensure_ascii=False, indent=None))


def print_rows(rows: Sequence[dict], as_json: bool, line: Callable[[dict], Sequence[object]]) -> None:
    """Print a listing: ``rows`` as one line of JSON (``--json``), or one line a row of the
    fields ``line`` picks from it, tab-separated.

    >>> rows = [{"name": "张三", "role": "staff"}]
    >>> print_rows(rows, False, lambda r: (r["name"], r["role"]))  # doctest: +NORMALIZE_WHITESPACE
    张三 staff
    >>> print_rows(rows, True, lambda r: ())
    [{"name": "张三", "role": "staff"}]
    """
    if as_json:
        print_json(list(rows))
        return
    for row in rows:
        print("\t".join(str(field) for field in line(row)))
