"""Text normalization (文本规范化) for search, with an offset map back to the original.

The stored original is never changed. :func:`normalize` derives the search form:
Unicode NFKC, lowercase Latin, converter pinyin debris removed, OCR whitespace between
CJK characters removed, traditional to simplified (繁转简, OpenCC ``t2s``). Every
normalized character remembers where it came from in the original, so highlights can
be drawn on the original text. :func:`reading_text` gives what people read: the
original script with only the debris removed.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from analyzers._syllables import split_syllables, strip_tones
from analyzers.nfkc_offsets import nfkc_lower

__all__ = [
    "NormalizedText",
    "normalize",
    "reading_text",
    "normalize_and_read",
    "page_quality",
    "is_cjk",
]


@dataclass(frozen=True)
class NormalizedText:
    """A normalized text (规范化文本) with its map back to the original.

    ``offsets`` has ``len(text) + 1`` entries: ``offsets[i]`` is the index in the original
    string of normalized character ``i``; ``offsets[-1] == len(original)``.
    """

    text: str
    offsets: tuple[int, ...]
    lost: int
    quality: float


# --------------------------------------------------------------------------- character classes

# Ideographs (汉字) incl. extensions and compatibility ideographs, 々〆〇, kana.
_CJK_RANGES = (
    "\u3005-\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\U00020000-\U0003134f"
)
# CJK and full-width punctuation (标点) that survives NFKC: 、。《》「」“”‘’—…·【】 etc.
_CJK_PUNCT_RANGES = "\u3000-\u3004\u3008-\u3020\u3030\u303d\u2014-\u2027\u00b7\ufe30-\ufe4f\uff00-\uffef"

_CJK_RE = re.compile(f"[{_CJK_RANGES}]")
_CJK_PUNCT_RE = re.compile(f"[{_CJK_PUNCT_RANGES}]")
_LOST_CHARS = "?\ufffd"  # after NFKC, the full-width ？ is an ASCII ?


def is_cjk(ch: str) -> bool:
    """True for a CJK ideograph (汉字) or kana character.

    >>> is_cjk('档'), is_cjk('a'), is_cjk('。')
    (True, False, False)
    """
    return bool(ch) and _CJK_RE.match(ch) is not None


# --------------------------------------------------------------------------- converter debris

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_LETTER = f"a-zü{_TONED}"
_WORD = f"[{_LETTER}]+(?:[ '][{_LETTER}]+){{0,5}}"
# After an ideograph, a lost-character mark or an earlier debris group:
#   (guó)  — whole debris;   (guó  — closing paren lost;   guó)  — opening paren lost.
_DEBRIS_RE = re.compile(
    f"(?<=[{_CJK_RANGES}?\ufffd)])(?:\\(({_WORD})\\)|\\(({_WORD})(?=[{_CJK_RANGES}])|({_WORD})\\))"
)


@lru_cache(maxsize=8192)
def _is_pinyin_debris(letters: str) -> bool:
    if not any(c in _TONED for c in letters):
        return False
    count = 0
    for part in re.split("[ ']", letters):
        syllables = split_syllables(strip_tones(part))
        if syllables is None:
            return False
        count += len(syllables)
    return count <= 6


def _debris_spans(lowered: str) -> list[tuple[int, int]]:
    """Spans of converter pinyin debris (拼音残留) in an NFKC-lowercased text."""
    if "(" not in lowered and ")" not in lowered:
        return []
    spans = []
    for m in _DEBRIS_RE.finditer(lowered):
        letters = m.group(1) or m.group(2) or m.group(3)
        if _is_pinyin_debris(letters):
            spans.append(m.span())
    return spans


def _delete_spans(text: str, offs: list[int], spans: list[tuple[int, int]]) -> tuple[str, list[int]]:
    if not spans:
        return text, offs
    pieces: list[str] = []
    new_offs: list[int] = []
    pos = 0
    for a, b in spans:
        pieces.append(text[pos:a])
        new_offs.extend(offs[pos:a])
        pos = b
    pieces.append(text[pos:])
    new_offs.extend(offs[pos:])  # includes the final len(original) entry
    return "".join(pieces), new_offs


# --------------------------------------------------------------------------- OCR whitespace

_SPACE_RE = re.compile(r"\s+")


def _joins(before: str, after: str) -> bool:
    """Whether whitespace between these two characters is an OCR artifact to drop."""
    if is_cjk(before) or is_cjk(after):
        return True
    # CJK punctuation: drop unless it stands next to a Latin word ('said “hello”').
    if _CJK_PUNCT_RE.match(before) and not after.isalnum():
        return True
    return bool(_CJK_PUNCT_RE.match(after)) and not before.isalnum()


def _repair_spaces(text: str, offs: list[int]) -> tuple[str, list[int]]:
    """Drop whitespace touching CJK text or the text edges; collapse the rest to one space."""
    pieces: list[str] = []
    new_offs: list[int] = []
    pos = 0
    n = len(text)
    changed = False
    for m in _SPACE_RE.finditer(text):
        a, b = m.span()
        drop = a == 0 or b == n or _joins(text[a - 1], text[b])
        if not drop and b - a == 1 and text[a] == " ":
            continue
        changed = True
        pieces.append(text[pos:a])
        new_offs.extend(offs[pos:a])
        if not drop:
            pieces.append(" ")
            new_offs.append(offs[a])
        pos = b
    if not changed:
        return text, offs
    pieces.append(text[pos:])
    new_offs.extend(offs[pos:])
    return "".join(pieces), new_offs


# --------------------------------------------------------------------------- to simplified

_cc_lock = threading.Lock()


@lru_cache(maxsize=1)
def _converter() -> Callable[[str], str]:
    import opencc

    conv = opencc.OpenCC("t2s")
    lock = _cc_lock

    def convert(s: str) -> str:
        with lock:
            return conv.convert(s)

    return convert


def _t2s_aligned(text: str) -> str:
    """Convert to simplified (繁转简) keeping the length, so offsets stay valid."""
    if not text or text.isascii():
        return text
    convert = _converter()
    out = convert(text)
    if len(out) == len(text):
        return out
    if len(text) <= 8:
        chars = []
        for ch in text:
            conv = convert(ch)
            chars.append(conv if len(conv) == 1 else ch)
        return "".join(chars)
    # Split near the middle, preferably at a non-ideograph so phrases stay whole.
    mid = len(text) // 2
    cut = mid
    for delta in range(min(mid, 64)):
        if not is_cjk(text[mid - delta]):
            cut = mid - delta
            break
        if mid + delta < len(text) and not is_cjk(text[mid + delta]):
            cut = mid + delta
            break
    cut = max(1, min(cut, len(text) - 1))
    return _t2s_aligned(text[:cut]) + _t2s_aligned(text[cut:])


# --------------------------------------------------------------------------- lost characters

_LOST_RUN_RE = re.compile(f"[{_LOST_CHARS}]+")
_QUESTION_PARTICLES = "吗呢么嘛吧啊呀"


def _count_lost(text: str, offs: list[int], original: str) -> int:
    """Count lost characters (缺字): ``?``/``�`` runs inside CJK text.

    ``�`` always counts. A run of question marks counts when it touches an ideograph,
    except a single question mark that ends a question: a full-width ``？``, or an ASCII
    ``?`` after 吗/呢/么… or not followed by an ideograph.
    """
    lost = 0
    for m in _LOST_RUN_RE.finditer(text):
        a, b = m.span()
        run = m.group()
        if "\ufffd" in run:
            lost += len(run)
            continue
        before = text[a - 1] if a else ""
        after = text[b] if b < len(text) else ""
        if not (is_cjk(before) or is_cjk(after)):
            continue
        if len(run) == 1:
            if original[offs[a]] == "？" or not is_cjk(after):
                continue
            if before in _QUESTION_PARTICLES:
                continue
        lost += len(run)
    return lost


def _quality(text: str, lost: int) -> float:
    if not lost:
        return 1.0
    content = sum(1 for c in text if c.isalnum()) + lost
    return round(max(0.0, 1.0 - 2.0 * lost / content), 4)


# --------------------------------------------------------------------------- public API


def normalize(text: str) -> NormalizedText:
    """Normalize a text for search (检索规范化), with offsets into ``text``.

    >>> n = normalize('中國(guó)檔案館長(zhǎng)')
    >>> n.text
    '中国档案馆长'
    >>> n.offsets
    (0, 1, 7, 8, 9, 10, 18)
    >>> normalize('档 案 馆').text, normalize('Red  ARCHIVES').text
    ('档案馆', 'red archives')
    """
    lowered, offs = nfkc_lower(text)
    return _normalized(text, lowered, offs, _debris_spans(lowered))


def simplified(text: str) -> str:
    """``text`` in NFKC and simplified script (繁转简), case and spacing kept: for the
    vocabularies of catalog fields (类别, 开放类别), stored in one script.

    >>> simplified("紅色檔案"), simplified("Ｐhoto")
    ('红色档案', 'Photo')
    """
    return _t2s_aligned(unicodedata.normalize("NFKC", text)) if text else text


def reading_text(text: str) -> tuple[str, tuple[int, ...]]:
    """The reading text (阅读文本): original script, converter pinyin debris removed.

    Returns the text and its offsets into ``text`` (same convention as ``normalize``).

    >>> reading_text('鄉(xiāng)村振興')
    ('鄉村振興', (0, 8, 9, 10, 11))
    """
    lowered, offs = nfkc_lower(text)
    return _reading(text, offs, _debris_spans(lowered))


def normalize_and_read(text: str) -> tuple[NormalizedText, tuple[str, tuple[int, ...]]]:
    """``(normalize(text), reading_text(text))``, sharing the work between the two.

    >>> n, (reading, _) = normalize_and_read('發(fā)展')
    >>> n.text, reading
    ('发展', '發展')
    """
    lowered, offs = nfkc_lower(text)
    spans = _debris_spans(lowered)
    return _normalized(text, lowered, offs, spans), _reading(text, offs, spans)


def _normalized(text: str, lowered: str, offs: list[int], spans: list[tuple[int, int]]) -> NormalizedText:
    lowered, offs = _delete_spans(lowered, offs, spans)
    repaired, offs = _repair_spaces(lowered, offs)
    simplified = _t2s_aligned(repaired)
    lost = _count_lost(simplified, offs, text)
    return NormalizedText(simplified, tuple(offs), lost, _quality(simplified, lost))


def _reading(text: str, offs: list[int], spans: list[tuple[int, int]]) -> tuple[str, tuple[int, ...]]:
    if not spans:
        return text, tuple(range(len(text) + 1))
    pieces: list[str] = []
    new_offs: list[int] = []
    pos = 0
    for a, b in spans:
        oa, ob = offs[a], offs[b]
        pieces.append(text[pos:oa])
        new_offs.extend(range(pos, oa))
        pos = ob
    pieces.append(text[pos:])
    new_offs.extend(range(pos, len(text) + 1))
    return "".join(pieces), tuple(new_offs)


def page_quality(text: str) -> float:
    """Quality score (质量分) in [0, 1] of a text or OCR page; 1.0 when nothing is lost.

    >>> page_quality('档案馆藏数量')
    1.0
    >>> page_quality('館藏?cái)?shù)量') < 1.0
    True
    """
    return normalize(text).quality
