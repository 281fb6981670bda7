"""Personal data (个人信息) detection and masking: resident ID numbers, mobile numbers, bank cards.

Pure functions. Detection is deliberately strict so it can be trusted: a resident ID
number (居民身份证号码) needs a real birth date and a valid check digit (GB 11643),
a bank card number (银行卡号) must pass the Luhn check, a mobile number (手机号码)
must start with 13–19. Digits may be full-width, as OCR often leaves them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MASK = "*"
_DIGIT = "[0-9０-９]"
_RESIDENT_ID = re.compile(rf"(?<![0-9０-９A-Za-z]){_DIGIT}{{17}}[0-9０-９Xxｘ](?![0-9０-９A-Za-z])")
_MOBILE = re.compile(
    rf"(?<![0-9０-９])(?:\+?86[- ]?)?[1１][3-9３-９]{_DIGIT}(?:[- ]?{_DIGIT}{{4}}){{2}}(?![0-9０-９])"
)
_CARD = re.compile(
    rf"(?<![0-9０-９]){_DIGIT}{{4}}(?:[- ]?{_DIGIT}{{4}}){{2}}[- ]?{_DIGIT}{{4,7}}"
    rf"(?![0-9０-９])"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class PersonalData:
    """One piece of personal data found in a text: its kind and character span."""

    kind: str  # resident_id, mobile or bank_card
    start: int
    end: int


def _ascii(text: str) -> str:
    return text.translate({0xFF10 + i: ord("0") + i for i in range(10)} | {0xFF58: "X", ord("x"): "X"})


def is_resident_id(number: str) -> bool:
    """True for an 18-character resident ID number with a real birth date and check digit.

    >>> is_resident_id("11010519491231002X"), is_resident_id("110105194912310021")
    (True, False)
    """
    number = _ascii(number)
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not date(1850, 1, 1) <= born <= date(2100, 1, 1):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17]


def luhn_valid(number: str) -> bool:
    """Luhn check of a card number (digits only).

    >>> luhn_valid("6222021234567890128"), luhn_valid("6222021234567890123")
    (True, False)
    """
    digits = [int(d) for d in _ascii(number) if d.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return len(digits) >= 12 and total % 10 == 0


def find_personal_data(text: str) -> list[PersonalData]:
    """Every resident ID, mobile and bank card number in ``text``, in order, non-overlapping.

    >>> [p.kind for p in find_personal_data("身份证11010519491231002X，电话13912345678")]
    ['resident_id', 'mobile']
    """
    found: list[PersonalData] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for kind, pattern, valid in (
        ("resident_id", _RESIDENT_ID, is_resident_id),
        ("bank_card", _CARD, lambda m: 16 <= sum(c.isdigit() for c in _ascii(m)) <= 19 and luhn_valid(m)),
        ("mobile", _MOBILE, lambda m: True),
    ):
        for match in pattern.finditer(text):
            if valid(match.group()) and free(match.start(), match.end()):
                found.append(PersonalData(kind, match.start(), match.end()))
                taken.append((match.start(), match.end()))
    return sorted(found, key=lambda p: p.start)


def mask_personal_data(text: str) -> str:
    """Replace every digit of detected personal data with ``*``; the length stays the same.

    >>> mask_personal_data("联系电话：139-1234-5678。")
    '联系电话：***-****-****。'
    """
    if not text:
        return text
    chars = list(text)
    for item in find_personal_data(text):
        for i in range(item.start, item.end):
            if chars[i] not in "- +":
                chars[i] = MASK
    return "".join(chars)
