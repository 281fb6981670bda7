"""Languages of the web pages: Simplified Chinese by default, English on request (flask-babel).

Message ids are the Chinese texts themselves, so Chinese needs no catalog and a missing
English catalog can only ever fall back to Chinese. ``?lang=en`` (or ``?lang=zh``) on
any page switches the language and remembers it in a cookie.

Catalogs live in ``app/translations/<lang>/LC_MESSAGES/messages.po``; the compiled
``messages.mo`` beside it is committed (see ``make translations``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import Babel, lazy_gettext

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
DEFAULT = "zh"
# Our language code -> (Babel locale, HTML lang attribute, name in its own language)
LANGUAGES = {"zh": ("zh_Hans_CN", "zh-CN", "中文"), "en": ("en", "en", "English")}

# Values of catalog vocabularies shown in the interface, with their translations.
RECORD_TYPES = {
    "文书": lazy_gettext("文书"),
    "照片": lazy_gettext("照片"),
    "音像": lazy_gettext("音像"),
    "实物": lazy_gettext("实物"),
    "红色档案": lazy_gettext("红色档案"),
}
# The stored codes of the catalog's status vocabularies (catalog/records.py, catalog/policy.py,
# catalog/review.py, analyzers/pii.py) and how the interface names them.
LABELS = {
    "type": RECORD_TYPES,
    # 开放状态 (Record.access); the opening decisions (catalog.review.DECISIONS) are its values.
    "access": {
        "unreviewed": lazy_gettext("未审核"),
        "open": lazy_gettext("开放"),
        "catalog_only": lazy_gettext("目录开放"),
        "controlled": lazy_gettext("控制使用"),
    },
    # Public visibility (catalog.policy.VISIBILITIES).
    "visibility": {
        "full": lazy_gettext("全文公开"),
        "catalog": lazy_gettext("仅公开目录"),
        "none": lazy_gettext("不公开"),
    },
    # 密级 (Record.classification).
    "classification": {
        "none": lazy_gettext("非密"),
        "secret": lazy_gettext("秘密"),
        "confidential": lazy_gettext("机密"),
        "top_secret": lazy_gettext("绝密"),
    },
    # Why a record is in the review queue (catalog.review.QueueItem.why).
    "review": {
        "age": lazy_gettext("开放期限届满"),
        "re-review": lazy_gettext("控制使用复审"),
        "undated": lazy_gettext("无日期：无法计算 25 年开放期限"),
    },
    # Kinds of personal data (analyzers.pii.PersonalData.kind).
    "personal_data": {
        "resident_id": lazy_gettext("身份证号"),
        "mobile": lazy_gettext("手机号码"),
        "bank_card": lazy_gettext("银行卡号"),
    },
}


def current_lang() -> str:
    """The language of this request: ``?lang=``, then the cookie, then Chinese."""
    for value in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if value in LANGUAGES:
            return value
    return DEFAULT


def select_locale() -> str:
    """flask-babel's locale selector."""
    return LANGUAGES[current_lang()][0]


def lang_url(code: str) -> str:
    """The current page in language ``code``: a query-only link (same path, same parameters).

    It names no path, so a page that must not differ by URL (a closed record's 404 is the
    same as a missing one's) stays the same.
    """
    pairs = [(k, v) for k, values in request.args.lists() if k != "lang" for v in values]
    pairs.append(("lang", code))
    return "?" + urlencode(pairs)


def label(vocabulary: str, value: str | None) -> str:
    """A value of one of the ``LABELS`` vocabularies in the interface language.

    Unknown values are shown as they are (an empty value as nothing).
    """
    found = LABELS[vocabulary].get(value or "")
    return str(found) if found is not None else (value or "")


def type_label(value: str) -> str:
    """A record type (类别) in the interface language; unknown types as they are."""
    return label("type", value)


def _remember_language(response):
    """Keep an explicit ``?lang=`` choice in a cookie; say which language the page is in."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(
            COOKIE,
            chosen,
            max_age=COOKIE_MAX_AGE,
            samesite="Lax",
            httponly=True,
            secure=bool(request.environ.get("wsgi.url_scheme") == "https"),
        )
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Language", LANGUAGES[current_lang()][1])
        response.vary.add("Cookie")
    return response


def init_i18n(app: Flask) -> None:
    """Install flask-babel and the language helpers on ``app`` (once)."""
    if "babel" in app.extensions:
        return
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[DEFAULT][0])
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    app.after_request(_remember_language)

    @app.context_processor
    def languages() -> dict:
        lang = current_lang()
        return {
            "lang": lang,
            "html_lang": LANGUAGES[lang][1],
            "languages": LANGUAGES,
            "lang_url": lang_url,
            "type_label": type_label,
            "label": label,
        }
