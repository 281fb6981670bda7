"""Unicode NFKC (兼容分解) and lowercase with an offset map back to the original text.

Most characters are unchanged by NFKC; only runs of characters that it may change (or
that need cleaning: format characters dropped, control characters as spaces, lone
surrogates as U+FFFD) are normalized, a combining cluster at a time, so every output
character knows which input character it came from.
"""

from __future__ import annotations

import re
import threading
import unicodedata

__all__ = ["nfkc_lower"]

_special_lock = threading.Lock()
_SPECIAL: dict[str, re.Pattern[str]] = {}
_NON_BMP_RE = re.compile("[\U00010000-\U0010ffff]")


def _special_res() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Regexes for runs of characters that NFKC may change or that need cleaning.

    The first covers the BMP only (a fast bitmap class), the second all planes.
    """
    if not _SPECIAL:
        with _special_lock:
            if not _SPECIAL:
                _SPECIAL.update(_build_special())
    return _SPECIAL["bmp"], _SPECIAL["all"]


def _build_special() -> dict[str, re.Pattern[str]]:
    special: set[int] = set(range(0x1160, 0x1200))  # conjoining jamo compose under NFC
    special.update(range(0xD800, 0xE000))  # lone surrogates become U+FFFD
    for cp in range(0x30000):
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if (
            unicodedata.normalize("NFKC", ch) != ch
            or unicodedata.combining(ch)
            or cat == "Cf"
            or (cat == "Cc" and not ch.isspace())
        ):
            special.add(cp)
        decomposition = unicodedata.decomposition(ch)
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:
                special.add(int(parts[1], 16))
    classes = {}
    for name, limit in (("bmp", 0x10000), ("all", 0x110000)):
        cps = sorted(cp for cp in special if cp < limit)
        ranges: list[str] = []
        start = prev = cps[0]
        for cp in [*cps[1:], -1]:
            if cp == prev + 1:
                prev = cp
                continue
            ranges.append(_class_range(start, prev))
            start = prev = cp
        classes[name] = re.compile(f"[{''.join(ranges)}]+")
    return classes


def _class_range(start: int, end: int) -> str:
    def esc(cp: int) -> str:
        return f"\\U{cp:08x}"

    return esc(start) if start == end else f"{esc(start)}-{esc(end)}"


def _clean_nfkc(chunk: str) -> str:
    """NFKC of a small chunk, format characters dropped, control characters as spaces."""
    out = unicodedata.normalize("NFKC", chunk)
    if any(unicodedata.category(c) in ("Cf", "Cc", "Cs") for c in out):
        out = "".join(_clean_char(c) for c in out)
    return out


def _clean_char(ch: str) -> str:
    cat = unicodedata.category(ch)
    if cat == "Cf":
        return ""
    if cat == "Cs":
        return "\ufffd"
    if cat == "Cc" and not ch.isspace():
        return " "
    return ch


def nfkc_lower(text: str) -> tuple[str, list[int]]:
    """NFKC + lowercase, keeping for each output character the index of its source
    character; the list ends with ``len(text)``.

    >>> nfkc_lower("ＡＢ档")
    ('ab档', [0, 1, 2, 3])
    >>> nfkc_lower("e\u0301x")  # e + combining acute compose into one character
    ('éx', [0, 2, 3])
    """
    pieces: list[str] = []
    offs: list[int] = []
    pos = 0
    bmp_re, all_re = _special_res()
    special_re = all_re if _NON_BMP_RE.search(text) else bmp_re
    for m in special_re.finditer(text):
        a, b = m.span()
        a = max(a - 1, pos)  # the base char a combining mark may compose with
        if a > pos:
            pieces.append(text[pos:a])
            offs.extend(range(pos, a))
        region = text[a:b]
        out = _clean_nfkc(region)
        if len(out) == len(region) and unicodedata.normalize("NFKC", region) == out:
            pieces.append(out)
            offs.extend(range(a, b))
        else:
            # Cluster = a base char and the marks that follow it; outputs map to its start.
            start = a
            for i in range(a + 1, b + 1):
                if i == b or not unicodedata.combining(text[i]):
                    piece = _clean_nfkc(text[start:i])
                    pieces.append(piece)
                    offs.extend([start] * len(piece))
                    start = i
        pos = b
    if pos < len(text):
        pieces.append(text[pos:])
        offs.extend(range(pos, len(text)))
    out_text = "".join(pieces)
    lowered = out_text.lower()
    if len(lowered) != len(out_text):  # e.g. 'İ' lowercases to two chars
        low_pieces: list[str] = []
        low_offs: list[int] = []
        for ch, off in zip(out_text, offs, strict=True):
            low = ch.lower()
            low_pieces.append(low)
            low_offs.extend([off] * len(low))
        lowered, offs = "".join(low_pieces), low_offs
    offs.append(len(text))
    return lowered, offs
