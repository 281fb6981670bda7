"""How the pages name things: holding archives (馆藏单位), entity kinds and sort orders."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from app import lantai_of
from app.i18n import current_lang

ENTITY_KINDS = ("person", "place", "org")
KIND_TITLES = {"person": _l("人物"), "place": _l("地点"), "org": _l("机构")}
SORT_TITLES = {
    "relevance": _l("相关度"),
    "date": _l("日期（由远及近）"),
    "date_desc": _l("日期（由近及远）"),
    "code": _l("档号顺序"),
}
#: The fields the ``relevance_*`` settings weigh, as the search help page names them.
RELEVANCE_FIELDS = {
    "title": _l("题名"),
    "code": _l("档号"),
    "creator": _l("责任者"),
    "subjects": _l("主题词和摘要"),
    "text": _l("全文"),
}
#: The keys of the ``relevance_tie_break`` setting, as the search help page names them.
TIE_TITLES = {
    "title": _l("题名含有检索词的在前"),
    "date": _l("日期早的在前（无日期的最先）"),
    "newest": _l("日期晚的在前（无日期的最后）"),
}


@dataclass(frozen=True)
class Archive:
    """How an archive id is shown: its name in Chinese and English, and its city or county."""

    zh: str
    en: str
    place: str


def archive_info(archive_id: str) -> Archive:
    """Names of an archive (馆藏单位) from the ``archive_names`` setting; else its id."""
    names = lantai_of(current_app).settings.archive_names.get(archive_id)
    if names is None:
        return Archive(archive_id, archive_id, "")
    return Archive(names["zh"], names["en"] or names["zh"], names["place"])


def archive_label(archive_id: str) -> str:
    """An archive's name in the interface language."""
    info = archive_info(archive_id)
    return info.en if current_lang() == "en" else info.zh
