"""What a setting's value may be (checks) and how a raw value is read (readers).

A check takes a value of the setting's kind and returns the problem with it, or None when
it is fine; :mod:`config.settings` names the key in the error. A reader turns a raw value
(from TOML, or an environment string holding JSON) into the setting's kind.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from analyzers.archive_code import ANY_ARCHIVE, DEFAULT_PATTERN, PatternError, compile_pattern

Check = Callable[[Any], str | None]  # the problem with a value, or None when it is fine
NAME_FIELDS = ("zh", "en", "place")


def one_of(*choices: str) -> Check:
    """A check that allows only ``choices``."""
    return lambda value: (
        None if value in choices else f"{value!r} is not allowed; use one of {', '.join(choices)}"
    )


def between(low: float, high: float) -> Check:
    """A check for a number from ``low`` to ``high``."""
    return lambda value: None if low <= value <= high else f"{value!r} must be between {low} and {high}"


def positive(value: float) -> str | None:
    """A check for a number greater than 0."""
    return None if value > 0 else f"{value!r} must be greater than 0"


def http_url(value: str) -> str | None:
    """A check for an http(s) URL with a host."""
    url = urlparse(value)
    return None if url.scheme in ("http", "https") and url.netloc else f"{value!r} is not an http(s) URL"


def index_name(value: str) -> str | None:
    """A check for an OpenSearch index name: lowercase letters, digits, - and _."""
    plain = value.replace("-", "").replace("_", "")
    return (
        None
        if plain.isalnum() and value == value.lower()
        else f"{value!r}: use lowercase letters, digits, - and _"
    )


def database_url(value: str) -> str | None:
    """A check for a SQLAlchemy URL whose driver is installed (empty: the SQLite default)."""
    if value and "://" not in value:
        return (
            f"{value!r} is not a SQLAlchemy URL such as sqlite:///catalog.sqlite or postgresql://user@host/db"
        )
    if value.startswith(("postgresql", "postgres:")) and not has_module("psycopg"):
        return "names PostgreSQL, whose driver is not installed: pip install 'lantai[postgres]'"
    return None


def smtp_url(value: str) -> str | None:
    """A check for an smtp:// or smtps:// URL (empty: no mail); a password is never shown."""
    if not value:
        return None
    url = urlparse(value)
    shown = repr(value.replace(f":{url.password}@", ":***@") if url.password else value)
    try:
        url.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return f"{shown} has a port that is not a number from 0 to 65535"
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        return f"{shown} is not an SMTP URL such as smtp://mail.example.org:25 or smtps://host:465"
    return None


def mail_address(value: str) -> str | None:
    """A check for an e-mail address."""
    return None if re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", value) else f"{value!r} is not an e-mail address"


def model_folder(value: str) -> str | None:
    """A check for a folder holding an entity model (empty: the shipped one)."""
    if value and not (Path(value).expanduser() / "config.cfg").is_file():
        return f"{value!r} holds no entity model (no config.cfg); train one with `lantai train-ner`"
    return None


def years_by_category(value: dict[str, int]) -> str | None:
    """A check for closing periods of 0 to 200 years per category."""
    for category, years in value.items():
        if not 0 <= years <= 200:
            return f"{category!r} = {years!r} must be between 0 and 200"
    return None


#: Keys of the ``relevance_tie_break`` setting: a title holding a query term first; the
#: oldest first (undated before every date); the newest first (undated after every date).
TIE_KEYS = ("title", "date", "newest")


def parse_tie_break(value: str) -> tuple[str, ...]:
    """The keys of a ``relevance_tie_break`` value, checked.

    >>> parse_tie_break("title, newest")
    ('title', 'newest')
    """
    keys = tuple(key.strip() for key in value.split(",") if key.strip())
    unknown = [key for key in keys if key not in TIE_KEYS]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a tie-break key; use {', '.join(TIE_KEYS)}")
    if len(set(keys)) < len(keys) or {"date", "newest"} <= set(keys):
        raise ValueError(f"{value!r} names a key twice (date and newest are one key)")
    return keys


def tie_break(value: str) -> str | None:
    """A check for a ``relevance_tie_break`` value."""
    try:
        parse_tie_break(value)
    except ValueError as exc:
        return str(exc)
    return None


def has_module(name: str) -> bool:
    """True when module ``name`` can be imported."""
    import importlib

    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


# Readers: a setting's raw value (TOML, or an environment string of JSON) into its kind;
# a ValueError says the value is not what the setting allows.


def int_table(raw: Any) -> dict[str, int]:
    """Read a table of whole numbers by key."""
    value = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(value, dict):
        raise ValueError
    out = {}
    for key, years in value.items():
        if isinstance(years, float) and not years.is_integer() or isinstance(years, bool):
            raise ValueError
        out[str(key)] = int(years)
    return out


def name_table(raw: Any) -> dict[str, dict[str, str]]:
    """Read archive names: ``zh`` (required), ``en``, ``place`` per archive."""
    value = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(value, dict):
        raise ValueError
    table = {}
    for archive, names in value.items():
        if (
            not isinstance(names, dict)
            or not str(names.get("zh") or "").strip()
            or set(names) - set(NAME_FIELDS)
            or not all(isinstance(v, str) for v in names.values())
        ):
            raise ValueError
        table[str(archive)] = {k: names.get(k, "").strip() for k in NAME_FIELDS}
    return table


def code_patterns(raw: Any) -> dict[str, str]:
    """Read 档号 patterns per archive; archives not named keep the default pattern."""
    value = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError
    # An archive not named (and no "*" given) keeps the default pattern.
    return {ANY_ARCHIVE: DEFAULT_PATTERN, **{str(k): v for k, v in value.items()}}


def code_patterns_check(value: dict[str, str]) -> str | None:
    """A check that every 档号 pattern compiles."""
    for archive, pattern in value.items():
        if pattern:  # '' : no parts for that archive's codes
            try:
                compile_pattern(pattern)
            except PatternError as exc:
                return f"{archive!r}: {exc}"
    return None
