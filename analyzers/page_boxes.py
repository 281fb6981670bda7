"""Word boxes of a page (版面坐标) and where a query's matches lie on the page image.

An OCR'd page (Tesseract's hOCR, an ALTO file) keeps its layout as compact JSON, made by
:func:`layout_json` at ingest::

    {"size": [W, H], "lines": [[x0, y0, x1, y1, [[x0, y0, x1, y1, "word"], ...]], ...]}

in the pixels of the image the OCR read (``size`` is that image's width and height). A word
may carry a sixth item, one box per character (ALTO ``Glyph``), used as given.

:func:`match_boxes` finds the query's terms on the page exactly as highlighting finds them
in the page's text (:func:`analyzers.highlight.match_spans`: normalized, so a simplified
query finds a traditional page) and answers one box per line of each match, as fractions
of the page's width and height (so they fit the page image at any size it is drawn).

Character boxes, when no glyphs are given: OCR engines box words and lines, and a Chinese
"word" is often several characters (Tesseract's own per-character boxes are too loose to
use). A line that is mostly CJK is set in full-width characters of one size, so its box is
divided among its characters by width (a CJK or full-width character counts 1, any other
½); a line that is mostly Latin or digits divides each word's box among the word's
characters. A line taller than it is wide (竖排, vertical writing) is divided top to bottom.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from analyzers.highlight import match_spans
from analyzers.normalize import is_cjk

Box = tuple[float, float, float, float]

__all__ = ["layout_json", "match_boxes", "char_boxes"]


def layout_json(size: tuple[int, int], lines: Sequence[Sequence[Any]]) -> str:
    """The stored form of a page's layout: ``size`` (width, height) and its ``lines``
    (``[x0, y0, x1, y1, words]``); "" when there is nothing to box.

    >>> layout_json((100, 50), [[0, 0, 20, 10, [[0, 0, 20, 10, "宝鸡"]]]])
    '{"size":[100,50],"lines":[[0,0,20,10,[[0,0,20,10,"宝鸡"]]]]}'
    >>> layout_json((0, 0), [])
    ''
    """
    if not lines or size[0] <= 0 or size[1] <= 0:
        return ""
    return json.dumps({"size": list(size), "lines": lines}, ensure_ascii=False, separators=(",", ":"))


def _width(ch: str) -> float:
    return 1.0 if is_cjk(ch) or unicodedata.east_asian_width(ch) in "WF" else 0.5


def _split(box: Sequence[float], text: str) -> list[Box]:
    """``box`` divided among the characters of ``text`` by their widths."""
    x0, y0, x1, y1 = (float(v) for v in box[:4])
    weights = [_width(c) for c in text]
    total = sum(weights) or 1.0
    vertical = (y1 - y0) > 1.5 * (x1 - x0) and len(text) > 1
    out, at = [], 0.0
    for weight in weights:
        a, b = at / total, (at + weight) / total
        at += weight
        if vertical:
            out.append((x0, y0 + a * (y1 - y0), x1, y0 + b * (y1 - y0)))
        else:
            out.append((x0 + a * (x1 - x0), y0, x0 + b * (x1 - x0), y1))
    return out


def _joined(before: str, after: str) -> bool:
    return is_cjk(before) and is_cjk(after)


def char_boxes(line: Sequence[Any]) -> tuple[str, list[Box | None]]:
    """A line's text (its words joined as the page text joins them: no space between CJK
    neighbours) and a box for each character of it (None for an added space).

    >>> text, boxes = char_boxes([0, 0, 40, 10, [[0, 0, 20, 10, "宝鸡"], [20, 0, 40, 10, "市长"]]])
    >>> text, [b[0] for b in boxes]
    ('宝鸡市长', [0.0, 10.0, 20.0, 30.0])
    >>> text, boxes = char_boxes([0, 0, 90, 10, [[0, 0, 40, 10, "Red"], [50, 0, 90, 10, "Army"]]])
    >>> text, boxes[3], boxes[4]
    ('Red Army', None, (50.0, 0.0, 60.0, 10.0))
    """
    words = [w for w in line[4] if isinstance(w, Sequence) and len(w) >= 5 and str(w[4]).strip()]
    text = ""
    for word in words:
        piece = str(word[4]).strip()
        if text and not _joined(text[-1], piece[0]):
            text += " "
        text += piece
    glyphs = all(len(w) > 5 and len(w[5]) == len(str(w[4]).strip()) for w in words)
    cjk = sum(1 for c in text if _width(c) == 1.0)
    boxes: list[Box | None] = []
    if not glyphs and cjk * 2 >= len(text.replace(" ", "")):
        spread = iter(_split(line[:4], text.replace(" ", "")))
        return text, [None if c == " " else next(spread) for c in text]
    for word in words:
        piece = str(word[4]).strip()
        if boxes:
            if not _joined(text[len(boxes) - 1], piece[0]):
                boxes.append(None)
        if glyphs:
            boxes.extend(tuple(float(v) for v in g[:4]) for g in word[5])  # type: ignore[misc]
        else:
            boxes.extend(_split(word[:4], piece))
    return text, boxes


def _union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def match_boxes(layout: str | Mapping | None, terms: Sequence[str]) -> list[dict]:
    """The boxes of the matches of ``terms`` on a page, one per line a match touches:
    ``{"x", "y", "w", "h"}`` as fractions (0..1, four decimals) of the page's width and
    height, from its left and top edges; [] for a page without a layout.

    >>> page = layout_json((400, 200), [
    ...     [0, 0, 400, 40, [[0, 0, 400, 40, "寶雞市土地改革"]]],
    ...     [0, 100, 200, 140, [[0, 100, 200, 140, "的通知"]]]])
    >>> match_boxes(page, ["宝鸡"])
    [{'x': 0.0, 'y': 0.0, 'w': 0.2857, 'h': 0.2}]
    >>> match_boxes(page, ["改革的通知"])  # over a line break: two boxes
    [{'x': 0.7143, 'y': 0.0, 'w': 0.2857, 'h': 0.2}, {'x': 0.0, 'y': 0.5, 'w': 0.5, 'h': 0.2}]
    >>> match_boxes("", ["宝鸡"])
    []
    """
    if not layout:
        return []
    data = json.loads(layout) if isinstance(layout, str) else layout
    width, height = (float(v) for v in data["size"])
    text = ""
    owners: list[tuple[int, Box] | None] = []  # each character's line and box
    for number, line in enumerate(data["lines"]):
        line_text, boxes = char_boxes(line)
        if not line_text:
            continue
        if text:
            text += "\n"
            owners.append(None)
        text += line_text
        owners.extend(None if box is None else (number, box) for box in boxes)
    out: list[dict] = []
    for start, end in match_spans(text, terms):
        by_line: dict[int, list[Box]] = {}
        for owner in owners[start:end]:
            if owner is not None:
                by_line.setdefault(owner[0], []).append(owner[1])
        for _, touched in sorted(by_line.items()):
            x0, y0, x1, y1 = _union(touched)
            x0, x1 = max(0.0, x0 / width), min(1.0, x1 / width)
            y0, y1 = max(0.0, y0 / height), min(1.0, y1 / height)
            if x1 > x0 and y1 > y0:
                out.append(
                    {"x": round(x0, 4), "y": round(y0, 4), "w": round(x1 - x0, 4), "h": round(y1 - y0, 4)}
                )
    return out
