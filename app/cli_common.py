"""What the ``lantai`` commands share: printing an answer as one line of JSON."""

from __future__ import annotations

import json


def print_json(data: object) -> None:
    """Print ``data`` as one line of JSON, Chinese as is (not escaped)."""
    print(json.dumps(data, ensure_ascii=False, indent=None))
