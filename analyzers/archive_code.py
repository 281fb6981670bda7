"""档号 (archive reference code) into its parts: 全宗号 (fonds), 目录号 or 类别 (series) and
案卷号 or 件号 (file), by a pattern each archive chooses.

A pattern is a regular expression matched against the whole 档号, with named groups
``fonds``, ``series`` and ``file`` (``fonds`` is required, the others optional). The
default reads the first segment as the fonds, the last as the file and everything
between as the series, which fits both the DA/T 13 volume form (``J001-001-0001``:
全宗号-目录号-案卷号) and the DA/T 22 item form (``0001-WS·2023-Y-0001``:
全宗号-门类·年度-保管期限-件号).

>>> pattern = compile_pattern(DEFAULT_PATTERN)
>>> parse_archive_code("J001-001-0001", pattern)
CodeParts(fonds='J001', series='001', file='0001')
>>> parse_archive_code("0001-WS·2023-Y-0001", pattern)
CodeParts(fonds='0001', series='WS·2023-Y', file='0001')
>>> parse_archive_code("散件", pattern) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

#: First segment, everything between, last segment (DA/T 13 and DA/T 22 alike).
DEFAULT_PATTERN = r"(?P<fonds>[^-]+)-(?P<series>.+)-(?P<file>[^-]+)"
PARTS = ("fonds", "series", "file")
#: The key of the archive-code pattern mapping that applies to archives not named in it.
ANY_ARCHIVE = "*"


class PatternError(ValueError):
    """A 档号 pattern that cannot be used: not a regular expression, or its groups are wrong."""


@dataclass(frozen=True)
class CodeParts:
    """The parts of one 档号: 全宗号 (fonds), 目录号/类别 (series), 案卷号/件号 (file)."""

    fonds: str = ""
    series: str = ""
    file: str = ""


@lru_cache(maxsize=64)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a 档号 pattern, or raise :class:`PatternError` saying what is wrong.

    >>> compile_pattern(r"(?P<fonds>\\w+)-(?P<file>\\d+)").groupindex["file"]
    2
    >>> compile_pattern("(?P<fonds>J1")
    Traceback (most recent call last):
    ...
    analyzers.archive_code.PatternError: '(?P<fonds>J1' is not a regular expression: missing ), ...
    >>> compile_pattern("(?P<quanzong>J1)-(?P<file>.+)")
    Traceback (most recent call last):
    ...
    analyzers.archive_code.PatternError: '(?P<quanzong>J1)-(?P<file>.+)' names a group 'quanzong'; ...
    >>> compile_pattern("(?P<file>.+)")
    Traceback (most recent call last):
    ...
    analyzers.archive_code.PatternError: '(?P<file>.+)' has no (?P<fonds>...) group for the 全宗号
    """
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise PatternError(f"{pattern!r} is not a regular expression: {exc}") from None
    unknown = sorted(set(compiled.groupindex) - set(PARTS))
    if unknown:
        raise PatternError(f"{pattern!r} names a group {unknown[0]!r}; use only {', '.join(PARTS)}")
    if "fonds" not in compiled.groupindex:
        raise PatternError(f"{pattern!r} has no (?P<fonds>...) group for the 全宗号")
    return compiled


def parse_archive_code(code: str, pattern: re.Pattern[str]) -> CodeParts | None:
    """The parts of ``code`` by ``pattern`` (matched against the whole code, surrounding
    spaces ignored), or None when the code does not have the pattern's form.

    >>> volume_item = r"(?P<fonds>J\\d+)-(?P<series>\\d+-\\d+)-(?P<file>\\d+)"  # 全宗-目录-案卷-件
    >>> parse_archive_code("J001-001-0012-003", compile_pattern(volume_item))
    CodeParts(fonds='J001', series='001-0012', file='003')
    """
    found = pattern.fullmatch(code.strip())
    if found is None:
        return None
    groups = found.groupdict()
    return CodeParts(*((groups.get(part) or "").strip() for part in PARTS))


def pattern_for(archive: str, patterns: Mapping[str, str]) -> str:
    """The pattern that applies to ``archive``: its own, else the ``"*"`` one ('' for none).

    >>> pattern_for("baoji-city", {"*": "a", "baoji-city": "b"}), pattern_for("x", {"*": "a"})
    ('b', 'a')
    """
    return patterns.get(archive, patterns.get(ANY_ARCHIVE, ""))


def code_parts(archive: str, code: str, patterns: Mapping[str, str], fonds: str = "") -> CodeParts:
    """The parts of a record's 档号 by its archive's pattern; ``fonds`` (全宗号 given by
    the catalogue) wins over the parsed one. A code that does not match has only that fonds.

    >>> code_parts("baoji-city", "J001-001-0001", {"*": DEFAULT_PATTERN})
    CodeParts(fonds='J001', series='001', file='0001')
    >>> code_parts("baoji-city", "散件12", {"*": DEFAULT_PATTERN}, fonds="J009")
    CodeParts(fonds='J009', series='', file='')
    """
    pattern = pattern_for(archive, patterns)
    parts = parse_archive_code(code, compile_pattern(pattern)) if pattern else None
    if parts is None:
        return CodeParts(fonds=fonds.strip())
    return CodeParts(fonds.strip() or parts.fonds, parts.series, parts.file)
