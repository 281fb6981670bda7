"""Highlighted snippets (高亮摘要) drawn on the reading text of a record.

Matching runs on the normalized text (simplified, NFKC, OCR spaces removed); the
matches are mapped back through the offset maps onto the reading text (original script,
converter debris removed), which is what people see. So a simplified query highlights
a traditional record and vice versa. Output is HTML: escaped text, ``<mark>`` only.
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from collections.abc import Sequence

from analyzers.normalize import normalize, normalize_and_read, reading_text
from analyzers.query import Near

__all__ = ["highlight", "highlight_full", "match_spans"]

ELLIPSIS = "…"
MAX_CANDIDATES_PER_TERM = 64  # passages considered around the first matches of each term
_SENTENCE_BREAKS = "。！？!?；;\n"
_CLAUSE_BREAKS = _SENTENCE_BREAKS + "，,、：:"
_UNSAFE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES_RE = re.compile(r"\s+")

_Span = tuple[int, int, int]  # start, end (reading-text indices), term number


def _term_texts(terms: Sequence[str]) -> list[str]:
    """The normalized texts of ``terms``, once each, longest first (the term numbers of spans)."""
    texts: list[str] = []
    for term in terms:
        text = normalize(term).text if term else ""
        if text and text not in texts:
            texts.append(text)
    texts.sort(key=len, reverse=True)  # the longest term wins where several start
    return texts


def _term_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    texts = _term_texts(terms)
    if not texts:
        return None
    return re.compile("|".join(f"({re.escape(t)})" for t in texts))


def match_spans(original: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Where ``terms`` match ``original``: ``(start, end)`` offsets into it, sorted and not
    overlapping, found as highlighting finds them (on the normalized text, so either script
    matches either script).

    >>> match_spans('寶 雞市農會', ['宝鸡', '农会'])
    [(0, 3), (4, 6)]
    """
    pattern = _term_pattern(terms)
    if pattern is None:
        return []
    norm = normalize(original)
    spans: list[tuple[int, int]] = []
    for m in pattern.finditer(norm.text):
        s, e = m.span()
        if s == e:
            continue
        start, end = norm.offsets[s], norm.offsets[e - 1] + 1
        if spans and start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def _reading_matches(original: str, terms: Sequence[str]) -> tuple[str, list[_Span]]:
    """The reading text and the spans in it that match ``terms``, sorted, non-overlapping."""
    pattern = _term_pattern(terms)
    if pattern is None:
        return reading_text(original)[0], []
    norm, (reading, reading_offsets) = normalize_and_read(original)
    offs = norm.offsets
    starts = reading_offsets[:-1]
    spans: list[_Span] = []
    for m in pattern.finditer(norm.text):
        s, e = m.span()
        if s == e:
            continue
        orig_start = offs[s]
        orig_end = offs[e - 1] + 1
        while orig_end < len(original) and unicodedata.combining(original[orig_end]):
            orig_end += 1
        rs = bisect.bisect_left(starts, orig_start)
        re_ = bisect.bisect_left(starts, orig_end)
        if rs >= re_:
            continue
        term = (m.lastindex or 1) - 1
        if spans and rs < spans[-1][1]:  # two matches inside one original character
            prev = spans[-1]
            spans[-1] = (prev[0], max(prev[1], re_), prev[2])
            continue
        spans.append((rs, re_, term))
    return reading, spans


def _render(reading: str, spans: list[_Span], start: int, end: int, *, collapse: bool) -> str:
    """Escape ``reading[start:end]`` and wrap the parts inside ``spans`` in <mark>."""

    def esc(piece: str) -> str:
        piece = _UNSAFE_RE.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else "", piece)
        if collapse:
            piece = _SPACES_RE.sub(" ", piece)
        return html.escape(piece, quote=True)

    out: list[str] = []
    pos = start
    first = bisect.bisect_left(spans, (start, -1, -1))
    if first > 0 and spans[first - 1][1] > start:
        first -= 1
    for s, e, _ in spans[first:]:
        if s >= end:
            break
        s, e = max(s, start), min(e, end)
        out.append(esc(reading[pos:s]))
        out.append(f"<mark>{esc(reading[s:e])}</mark>")
        pos = e
    out.append(esc(reading[pos:end]))
    return "".join(out)


def _window(reading: str, spans: list[_Span], k: int, length: int) -> tuple[int, int]:
    """A window of about ``length`` chars showing span ``k`` with some text before it."""
    n = len(reading)
    first = spans[k][0]
    lead = max(0, min(length // 5, length - (spans[k][1] - first)))
    ws = max(0, first - lead)
    for i in range(first - 1, ws - 1, -1):  # start after a sentence break if there is one
        if reading[i] in _SENTENCE_BREAKS:
            ws = i + 1
            break
    if ws > n - length:  # near the end: fill the window with text before the match
        ws = max(0, n - length)
        for i in range(ws, min(first, ws + length // 3)):  # but start at a clause boundary
            if ws and reading[i] in _CLAUSE_BREAKS:
                ws = i + 1
                break
    we = min(n, ws + length)
    # Never cut through a match at the window's end.
    j = bisect.bisect_left(spans, (we, -1, -1))
    if j > 0 and spans[j - 1][1] > we:
        we = spans[j - 1][1]
    return ws, we


#: A proximity as the snippet looks for it: term numbers, distance, ordered.
_Pair = tuple[int, int, int, bool]


def _pairs(terms: Sequence[str], near: Sequence[Near]) -> list[_Pair]:
    texts = _term_texts(terms)
    found = []
    for n in near:
        first, second = normalize(n.first).text, normalize(n.second).text
        if first in texts and second in texts:
            found.append((texts.index(first), texts.index(second), n.distance, n.ordered))
    return found


def _has_pair(reading: str, inside: list[_Span], pairs: list[_Pair]) -> bool:
    """Whether ``inside`` holds two matches of a proximity within its distance (letters and
    digits counted between them, as the index counts characters)."""
    for a, b, distance, ordered in pairs:
        for x in inside:
            for y in inside:
                if x[1] > y[0] or (x[2], y[2]) not in ((a, b), *(() if ordered else ((b, a),))):
                    continue
                if sum(c.isalnum() for c in reading[x[1] : y[0]]) <= distance:
                    return True
    return False


def _choose_windows(
    reading: str, spans: list[_Span], length: int, passages: int, pairs: list[_Pair]
) -> list[tuple[int, int]]:
    # no proximity window, -distinct, -count, start, end
    candidates: list[tuple[bool, int, int, int, int]] = []
    starts = [s for s, _, _ in spans]
    seen: dict[int, int] = {}
    for k, (_, _, term) in enumerate(spans):
        seen[term] = seen.get(term, 0) + 1
        if seen[term] > MAX_CANDIDATES_PER_TERM:
            continue
        ws, we = _window(reading, spans, k, length)
        lo = bisect.bisect_left(starts, ws)
        hi = bisect.bisect_left(starts, we)
        inside = spans[lo:hi]
        far = bool(pairs) and not _has_pair(reading, inside, pairs)
        candidates.append((far, -len({t for _, _, t in inside}), -len(inside), ws, we))
    candidates.sort()
    chosen: list[tuple[int, int]] = []
    for _, _, _, ws, we in candidates:
        if len(chosen) >= passages:
            break
        if all(we <= cs or ws >= ce for cs, ce in chosen):
            chosen.append((ws, we))
    chosen.sort()
    merged: list[tuple[int, int]] = []
    for ws, we in chosen:
        if merged and ws <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], we))
        else:
            merged.append((ws, we))
    return merged


def highlight(
    original: str,
    terms: Sequence[str],
    *,
    length: int = 160,
    passages: int = 2,
    separator: str = " … ",
    near: Sequence[Near] = (),
) -> str:
    """A snippet (摘要) of the record text with the query terms in ``<mark>``.

    ``terms`` are normalized query texts (see ``query.positive_terms``). The best
    passages of about ``length`` characters are joined by ``separator``; without a
    match, the start of the text is returned. ``near``: the query's proximities (see
    ``query.proximities``); passages where one is met come first.

    >>> highlight('鄉(xiāng)村振興', ['乡村振兴'])
    '<mark>鄉村振興</mark>'
    >>> highlight('<b>寶雞</b> & 延安', ['宝鸡'])
    '&lt;b&gt;<mark>寶雞</mark>&lt;/b&gt; &amp; 延安'
    """
    length = max(1, length)
    reading, spans = _reading_matches(original, terms)
    n = len(reading)
    if not spans:
        start = len(reading) - len(reading.lstrip())
        end = min(n, start + length)
        text = _render(reading, [], start, end, collapse=True).rstrip()
        return text + (ELLIPSIS if end < len(reading.rstrip()) else "")
    windows = _choose_windows(reading, spans, length, max(1, passages), _pairs(terms, near))
    parts = [_render(reading, spans, ws, we, collapse=True).strip() for ws, we in windows]
    head = ELLIPSIS if reading[: windows[0][0]].strip() else ""
    tail = ELLIPSIS if reading[windows[-1][1] :].strip() else ""
    return head + separator.join(parts) + tail


def highlight_full(original: str, terms: Sequence[str]) -> str:
    """The whole reading text (阅读文本), escaped, with every match in ``<mark>``.

    >>> highlight_full('中國(guó)檔案館', ['档案馆'])
    '中國<mark>檔案館</mark>'
    """
    reading, spans = _reading_matches(original, terms)
    return _render(reading, spans, 0, len(reading), collapse=False)
