"""Load and validate Lantai's settings.

Order of precedence (last wins): ``config/defaults.toml``, a settings file named by
``LANTAI_SETTINGS`` (TOML), then one environment variable per key, ``LANTAI_<KEY>``
(e.g. ``LANTAI_DATA_DIR``, ``LANTAI_BACKEND``). A bad value raises :class:`SettingsError`
naming the key and what is allowed, so start-up stops with a clear message.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")
BACKENDS = ("sqlite", "opensearch")


class SettingsError(ValueError):
    """A setting has a value that is not allowed."""


@dataclass(frozen=True)
class Settings:
    """All settings of one Lantai installation."""

    data_dir: Path
    database_url: str
    backend: str
    opensearch_url: str
    index: str
    search_timeout: float
    open_after_years: int
    open_after_years_by_category: dict[str, int] = field(default_factory=dict)
    controlled_review_days: int = 1825
    snippet_length: int = 160
    page_size: int = 10
    max_page_size: int = 100
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = ""
    secure_cookies: bool = False
    ingest_entities: bool = True
    exact_total_limit: int = 10_000
    search_cache_size: int = 1000
    archive_names: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def catalog_url(self) -> str:
        """SQLAlchemy URL of the catalog store (目录库)."""
        return self.database_url or f"sqlite:///{self.data_dir / 'catalog.sqlite'}"

    @property
    def index_path(self) -> Path:
        """File of the embedded (SQLite FTS5) search index."""
        return self.data_dir / "index.sqlite"

    def with_overrides(self, **values: Any) -> Settings:
        """Return a copy with some values replaced and validated.

        >>> load_settings(env={}).with_overrides(backend="sqlite").backend
        'sqlite'
        """
        merged = {f.name: getattr(self, f.name) for f in fields(self)}
        merged.update(values)
        return _build(merged)


class NameTable(dict):
    """Kind of ``archive_names``: archive id -> ``{"zh", "en", "place"}`` (JSON in the environment)."""


NAME_FIELDS = ("zh", "en", "place")


def _name_table(raw: Any) -> dict[str, dict[str, str]]:
    value = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(value, dict):
        raise ValueError
    table = {}
    for archive, names in value.items():
        if not isinstance(names, dict) or not str(names.get("zh") or "").strip() \
                or set(names) - set(NAME_FIELDS) or not all(isinstance(v, str) for v in names.values()):
            raise ValueError
        table[str(archive)] = {k: names.get(k, "").strip() for k in NAME_FIELDS}
    return table


def _coerce(key: str, raw: Any, kind: type) -> Any:
    """Turn a raw value (from TOML or an environment string) into ``kind``."""
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in ("1", "true", "yes", "on"):
                return True
            if str(raw).lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if kind is NameTable:
            return _name_table(raw)
        if kind is dict:
            value = json.loads(raw) if isinstance(raw, str) else raw
            if not isinstance(value, dict):
                raise ValueError
            return {str(k): int(v) for k, v in value.items()}
        if kind is int and isinstance(raw, float) and not raw.is_integer():
            raise ValueError
        return kind(raw)
    except (TypeError, ValueError, json.JSONDecodeError):
        names = {int: "an integer", float: "a number", str: "a string", Path: "a path",
                 bool: "true or false", dict: 'a JSON object of integers, e.g. {"经济": 20}',
                 NameTable: 'a table of archive names, e.g. {"baoji-city": {"zh": "宝鸡市档案馆", '
                            '"en": "Baoji Municipal Archives", "place": "宝鸡"}} ("zh" required)'}
        raise SettingsError(f"setting {key!r}: {raw!r} is not {names[kind]}") from None


_KINDS: dict[str, type] = {
    "data_dir": Path, "database_url": str, "backend": str, "opensearch_url": str, "index": str,
    "search_timeout": float, "open_after_years": int, "open_after_years_by_category": dict,
    "controlled_review_days": int, "snippet_length": int, "page_size": int,
    "max_page_size": int, "host": str, "port": int, "secret_key": str, "secure_cookies": bool,
    "ingest_entities": bool, "archive_names": NameTable, "exact_total_limit": int,
    "search_cache_size": int,
}


def _check(values: dict[str, Any]) -> None:
    """Raise SettingsError for the first value out of its allowed range."""
    if values["backend"] not in BACKENDS:
        raise SettingsError(
            f"setting 'backend': {values['backend']!r} is not allowed; use one of {', '.join(BACKENDS)}"
        )
    url = urlparse(values["opensearch_url"])
    if url.scheme not in ("http", "https") or not url.netloc:
        raise SettingsError(
            f"setting 'opensearch_url': {values['opensearch_url']!r} is not an http(s) URL"
        )
    if not values["index"] or not values["index"].replace("-", "").replace("_", "").isalnum() \
            or values["index"] != values["index"].lower():
        raise SettingsError(
            f"setting 'index': {values['index']!r}: use lowercase letters, digits, - and _"
        )
    positive = {"search_timeout": values["search_timeout"], "snippet_length": values["snippet_length"],
                "page_size": values["page_size"], "max_page_size": values["max_page_size"],
                "controlled_review_days": values["controlled_review_days"],
                "exact_total_limit": values["exact_total_limit"]}
    for key, value in positive.items():
        if value <= 0:
            raise SettingsError(f"setting {key!r}: {value!r} must be greater than 0")
    if not 0 <= values["open_after_years"] <= 200:
        raise SettingsError(
            f"setting 'open_after_years': {values['open_after_years']!r} must be between 0 and 200"
        )
    for category, years in values["open_after_years_by_category"].items():
        if not 0 <= years <= 200:
            raise SettingsError(
                f"setting 'open_after_years_by_category': {category!r} = {years!r} "
                "must be between 0 and 200"
            )
    if values["page_size"] > values["max_page_size"]:
        raise SettingsError("setting 'page_size' must not exceed 'max_page_size'")
    if values["search_cache_size"] < 0:
        raise SettingsError(f"setting 'search_cache_size': {values['search_cache_size']!r} "
                            "must be 0 (off) or more")
    if not 0 < values["port"] < 65536:
        raise SettingsError(f"setting 'port': {values['port']!r} must be between 1 and 65535")
    if values["database_url"] and "://" not in values["database_url"]:
        raise SettingsError(
            f"setting 'database_url': {values['database_url']!r} is not a SQLAlchemy URL "
            "such as sqlite:///catalog.sqlite or postgresql://user@host/db"
        )


def _build(raw: dict[str, Any]) -> Settings:
    unknown = sorted(set(raw) - set(_KINDS))
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]!r}; known: {', '.join(sorted(_KINDS))}")
    values = {key: _coerce(key, raw[key], kind) for key, kind in _KINDS.items()}
    _check(values)
    return Settings(**values)


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Load settings from defaults, ``LANTAI_SETTINGS`` file, ``LANTAI_*`` env, then ``overrides``.

    >>> load_settings(env={"LANTAI_OPEN_AFTER_YEARS": "30"}).open_after_years
    30
    """
    env = dict(os.environ) if env is None else env
    raw: dict[str, Any] = tomllib.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
    settings_file = env.get("LANTAI_SETTINGS")
    if settings_file:
        path = Path(settings_file)
        try:
            raw.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except OSError as exc:
            raise SettingsError(f"settings file {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"settings file {path}: {exc}") from None
    for key in _KINDS:
        name = f"LANTAI_{key.upper()}"
        if name in env:
            raw[key] = env[name]
    known_env = {f"LANTAI_{k.upper()}" for k in _KINDS} | {"LANTAI_SETTINGS", "LANTAI_PASSWORD"}
    stray = sorted(k for k in env if k.startswith("LANTAI_") and k not in known_env
                   and not k.startswith("LANTAI_OPENSEARCH_") and not k.startswith("LANTAI_TEST"))
    if stray:
        raise SettingsError(
            f"unknown environment variable {stray[0]}; known: {', '.join(sorted(known_env))}"
        )
    raw.update(overrides)
    settings = _build(raw)
    return replace(settings, data_dir=settings.data_dir.expanduser())
