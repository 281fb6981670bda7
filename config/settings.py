"""Lantai's settings, each declared once: name, default, type, check and one line of help.

The fields of :class:`Settings` are the declarations; everything else is derived from
them: the defaults, how a value is read from TOML or an environment string, the checks
(both in :mod:`config.values`), ``config/defaults.toml`` and the README's settings table
(both written by :mod:`config.documents`, kept in step by tests).

Order of precedence (last wins): the declared defaults, a settings file named by
``LANTAI_SETTINGS`` (TOML), then one environment variable per key, ``LANTAI_<KEY>``
(e.g. ``LANTAI_DATA_DIR``, ``LANTAI_BACKEND``). A bad value raises :class:`SettingsError`
naming the key and what is allowed, so start-up stops with a clear message.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_type_hints

from analyzers.archive_code import ANY_ARCHIVE, DEFAULT_PATTERN
from config.values import (
    Check,
    between,
    code_patterns,
    code_patterns_check,
    database_url,
    http_url,
    index_name,
    int_table,
    mail_address,
    model_folder,
    name_table,
    one_of,
    positive,
    smtp_url,
    tie_break,
    years_by_category,
)

BACKENDS = ("sqlite", "opensearch")
# Environment variables that are not settings but are read by name elsewhere.
OTHER_ENV = ("LANTAI_SETTINGS", "LANTAI_PASSWORD", "LANTAI_CJK_FONT", "LANTAI_CHROMIUM")
OTHER_ENV_PREFIXES = ("LANTAI_OPENSEARCH_", "LANTAI_POSTGRES_", "LANTAI_TEST")


class SettingsError(ValueError):
    """A setting has a value that is not allowed."""


def setting(
    default: Any,
    help: str,
    *,
    check: Check | None = None,
    parse: Callable[[Any], Any] | None = None,
    allowed: str = "",
) -> Any:
    """Declare one setting: its default, one line of help, a check of its value, and (for
    kinds other than the field's type) how to read it and how to name what it allows."""
    meta = {"help": help, "check": check, "parse": parse, "allowed": allowed}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=meta)
    return field(default=default, metadata=meta)


ARCHIVE_NAMES = {
    "baoji-city": {"zh": "宝鸡市档案馆", "en": "Baoji Municipal Archives", "place": "宝鸡"},
    "fengxiang-county": {"zh": "凤翔县档案馆", "en": "Fengxiang County Archives", "place": "凤翔"},
}


@dataclass(frozen=True)
class Settings:
    """All settings of one Lantai installation, each declared here once."""

    data_dir: Path = setting(Path("./data"), "Where the catalog, the embedded index and caches live.")
    database_url: str = setting(
        "",
        "SQLAlchemy URL of the catalog; empty: a SQLite file in data_dir "
        "(postgresql://... needs lantai[postgres]).",
        check=database_url,
    )
    backend: str = setting(
        "sqlite", "Search backend: sqlite (embedded FTS5) or opensearch.", check=one_of(*BACKENDS)
    )
    opensearch_url: str = setting(
        "http://127.0.0.1:9200", "URL of the OpenSearch node or cluster.", check=http_url
    )
    index: str = setting("lantai", "Alias and index-name prefix on OpenSearch.", check=index_name)
    search_timeout: float = setting(
        5.0, "Seconds before a search backend call gives up (the API then answers 503).", check=positive
    )
    open_after_years: int = setting(
        25,
        "Years after formation before a record is due for opening review (Archives Law: 25).",
        check=between(0, 200),
    )
    open_after_years_by_category: dict[str, int] = setting(
        {},
        'Opening ages per 开放类别, e.g. {"经济" = 20} (JSON in the environment).',
        check=years_by_category,
        parse=int_table,
        allowed='a JSON object of integers, e.g. {"经济": 20}',
    )
    controlled_review_days: int = setting(
        1825, "Days until a controlled (控制) record is due for review again.", check=positive
    )
    snippet_length: int = setting(160, "Snippet length in characters.", check=positive)
    page_size: int = setting(10, "Results per page by default.", check=positive)
    max_page_size: int = setting(100, "Most results per page a request may ask for.", check=positive)
    export_max_records: int = setting(
        1000,
        "Most results a search export (/api/v1/search/export, CSV/JSON/RIS) holds.",
        check=between(1, 100_000),
    )
    smtp_url: str = setting(
        "",
        "SMTP server that sends e-mail (saved-search digests), e.g. smtp://mail.example.org:25 "
        "or smtps://user:password@host:465; empty: mail waits in the outbox.",
        check=smtp_url,
    )
    mail_from: str = setting(
        "lantai@localhost", "Sender address (From) of the e-mail Lantai sends.", check=mail_address
    )
    host: str = setting("127.0.0.1", "Address `lantai serve` listens on.")
    port: int = setting(8000, "Port `lantai serve` listens on.", check=between(1, 65535))
    secret_key: str = setting("", "Secret key for sessions; generated into data_dir when empty.")
    secure_cookies: bool = setting(False, "Send the session cookie over HTTPS only (behind TLS).")
    ingest_entities: bool = setting(
        True,
        "Extract persons, places and organizations at ingest (entity facets and pages; "
        "`lantai ingest --no-entities` skips it for one run).",
    )
    exact_total_limit: int = setting(
        10_000,
        "Totals up to this many matches are exact; above it a search says its total is "
        "approximate (total_is_exact: false, 约 N), and the embedded backend ranks a capped "
        "candidate set (about facet_sample_size matches: title and subject matches first) "
        "instead of every match.",
        check=positive,
    )
    facet_sample_size: int = setting(
        2_000,
        "Facets count the best-ranked this many matches when a search has more "
        "(facets_sampled: true; the results page says so); the total still counts them all.",
        check=positive,
    )
    search_cache_size: int = setting(
        1000,
        "Public answers kept per process by the embedded backend, keyed by request, "
        "audience scope and index generation (any index write starts a new one); 0 is off.",
        check=lambda value: None if value >= 0 else f"{value!r} must be 0 (off) or more",
    )
    relevance_title_weight: float = setting(
        10.0,
        "Relevance: weight of a match in the title (题名), as bm25 column weight (embedded) "
        "and field boost (OpenSearch); see the README's relevance section.",
        check=positive,
    )
    relevance_subjects_weight: float = setting(
        2.0, "Relevance: weight of a match in the subjects and description (主题词, 摘要).", check=positive
    )
    relevance_creator_weight: float = setting(
        3.0, "Relevance: weight of a match in the creator (责任者).", check=positive
    )
    relevance_text_weight: float = setting(
        1.0, "Relevance: weight of a match in the full text (全文).", check=positive
    )
    relevance_code_boost: float = setting(
        10.0,
        "Relevance: weight of a match in the 档号 (such as J001-001 for a series); an exact "
        "档号 ranks first whatever it is.",
        check=positive,
    )
    relevance_phrase_boost: float = setting(
        2.0,
        "Relevance: score multiplier for a record holding a query's words together as typed "
        "(exact phrase: 土地改革复查, not 土地…改革…复查); 1 is off.",
        check=positive,
    )
    relevance_tie_break: str = setting(
        "title,date",
        "Relevance: order of records with the same score, comma-separated: title (a title "
        "holding a query term first), date (oldest first) or newest; then by 档号.",
        check=tie_break,
    )
    entity_model: str = setting(
        "",
        "Folder of the entity model (a spaCy pipeline, as `lantai train-ner` writes it); "
        "empty: the model shipped with Lantai.",
        check=model_folder,
    )
    archive_names: dict[str, dict[str, str]] = setting(
        ARCHIVE_NAMES,
        "Names of the holding archives (馆藏单位) for pages and citations: "
        "zh (required), en and place, per archive id (JSON in the environment).",
        parse=name_table,
        allowed='a table of archive names, e.g. {"baoji-city": {"zh": "宝鸡市档案馆", '
        '"en": "Baoji Municipal Archives", "place": "宝鸡"}} ("zh" required)',
    )
    archive_code_patterns: dict[str, str] = setting(
        {ANY_ARCHIVE: DEFAULT_PATTERN},
        "How a 档号 splits into 全宗号 (fonds), 目录号/类别 (series) and 案卷号/件号 (file), per "
        'archive id ("*": every other archive): a regular expression matching the whole code with '
        "named groups fonds (required), series and file; '' : no parts (JSON in the environment).",
        check=code_patterns_check,
        parse=code_patterns,
        allowed='a JSON object of patterns, e.g. {"baoji-city": "(?P<fonds>J[0-9]+)-(?P<file>.+)"}',
    )
    workspace_name_length: int = setting(
        200,
        "Longest name of a saved search or topic folder (专题) in a researcher's workspace.",
        check=positive,
    )
    workspace_note_length: int = setting(
        5000,
        "Longest note, folder description or excerpt (摘录) in a researcher's workspace, in characters.",
        check=positive,
    )
    folder_item_limit: int = setting(5000, "Most items one topic folder (专题) holds.", check=positive)
    workspace_folder_limit: int = setting(
        200, "Most topic folders and most saved searches one researcher keeps (each).", check=positive
    )
    saved_search_seen_limit: int = setting(
        1000,
        "Results of a saved search remembered when it is saved or marked seen; new hits are "
        "counted among this many best-ranked results.",
        check=positive,
    )

    request_answer_days: int = setting(
        20,
        "Days staff have to answer a request to consult records (查档申请) before it is overdue.",
        check=positive,
    )
    request_retention_days: int = setting(
        1095,
        "Days after a request is closed before `lantai requests purge` removes the requester's "
        "name, contact and the texts (the counts stay).",
        check=positive,
    )
    request_rate_limit: int = setting(
        5,
        "Most requests one address may file per hour (staff entering requests are not limited).",
        check=positive,
    )
    oai_page_size: int = setting(
        100,
        "Records (or identifiers) per OAI-PMH answer at /oai; a resumption token asks for the next.",
        check=between(1, 10_000),
    )
    oai_repository_id: str = setting(
        "lantai",
        "Repository part of OAI-PMH identifiers (oai:ID:archive/档号); keep it once harvested.",
        check=lambda value: (
            None
            if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]*", value)
            else f"{value!r}: use letters, digits, . and -"
        ),
    )
    sitemap_size: int = setting(
        50_000,
        "Most record pages one sitemap file lists (the protocol allows 50,000).",
        check=between(1, 50_000),
    )

    @property
    def catalog_url(self) -> str:
        """SQLAlchemy URL of the catalog store (目录库); ``postgresql://`` URLs use psycopg.

        >>> load_settings(env={}, database_url="postgresql://u@h/db").catalog_url
        'postgresql+psycopg://u@h/db'
        """
        url = self.database_url or f"sqlite:///{self.data_dir / 'catalog.sqlite'}"
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+psycopg://" + url[len(plain) :]
        return url

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


# ----------------------------------------------------------------------------- derived


@dataclass(frozen=True)
class Declaration:
    """One setting as declared: name, default, type, help and how it is read and checked."""

    name: str
    default: Any
    kind: Any
    help: str
    check: Check | None
    parse: Callable[[Any], Any] | None
    allowed: str

    @property
    def env(self) -> str:
        """The environment variable that overrides it."""
        return f"LANTAI_{self.name.upper()}"


def declarations() -> list[Declaration]:
    """Every setting, in declaration order."""
    kinds = get_type_hints(Settings)
    out = []
    for f in fields(Settings):
        default = f.default_factory() if f.default is MISSING else f.default  # type: ignore[misc,operator]
        out.append(
            Declaration(
                f.name,
                default,
                kinds[f.name],
                f.metadata["help"],
                f.metadata["check"],
                f.metadata["parse"],
                f.metadata["allowed"],
            )
        )
    return out


_NAMES = {int: "an integer", float: "a number", str: "a string", Path: "a path", bool: "true or false"}


def _coerce(declared: Declaration, raw: Any) -> Any:
    """Turn a raw value (from TOML or an environment string) into the setting's kind."""
    kind = declared.kind
    try:
        if declared.parse:
            return declared.parse(raw)
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in ("1", "true", "yes", "on"):
                return True
            if str(raw).lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if kind is int and (isinstance(raw, float) and not raw.is_integer() or isinstance(raw, bool)):
            raise ValueError
        return kind(raw)
    except (TypeError, ValueError, json.JSONDecodeError):
        allowed = declared.allowed or _NAMES[kind]
        raise SettingsError(f"setting {declared.name!r}: {raw!r} is not {allowed}") from None


def _build(raw: dict[str, Any]) -> Settings:
    known = {d.name: d for d in declarations()}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]!r}; known: {', '.join(sorted(known))}")
    values = {name: _coerce(d, raw[name]) if name in raw else d.default for name, d in known.items()}
    for name, declared in known.items():
        problem = declared.check(values[name]) if declared.check else None
        if problem:
            raise SettingsError(f"setting {name!r}: {problem}")
    if values["page_size"] > values["max_page_size"]:
        raise SettingsError("setting 'page_size' must not exceed 'max_page_size'")
    return Settings(**values)


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Load settings from the declarations, ``LANTAI_SETTINGS`` file, ``LANTAI_*`` env, then
    ``overrides``.

    >>> load_settings(env={"LANTAI_OPEN_AFTER_YEARS": "30"}).open_after_years
    30
    """
    env = dict(os.environ) if env is None else env
    raw: dict[str, Any] = {}
    settings_file = env.get("LANTAI_SETTINGS")
    if settings_file:
        path = Path(settings_file)
        try:
            raw.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except OSError as exc:
            raise SettingsError(f"settings file {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"settings file {path}: {exc}") from None
    known_env = {d.env: d.name for d in declarations()}
    for name, key in known_env.items():
        if name in env:
            raw[key] = env[name]
    stray = sorted(
        k
        for k in env
        if k.startswith("LANTAI_")
        and k not in known_env
        and k not in OTHER_ENV
        and not k.startswith(OTHER_ENV_PREFIXES)
    )
    if stray:
        raise SettingsError(f"unknown environment variable {stray[0]}; known: {', '.join(sorted(known_env))}")
    raw.update(overrides)
    settings = _build(raw)
    return replace(settings, data_dir=settings.data_dir.expanduser())
