"""The input of a request (查档申请) as people send it: the vocabularies of kinds, sources and
deliveries (ids, with the Chinese names also accepted), and checks of single fields that
name the field in their error."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from catalog.users import UserError, checked_email

#: Kinds of request (申请类别): the 民生档案 subtypes first, then 学术研究, 编史修志, 其他.
KINDS = (
    "marriage",
    "education",
    "employment",
    "property",
    "zhiqing",
    "military",
    "research",
    "chronicle",
    "other",
)
SOURCES = ("web", "phone", "letter", "visit")  # 网上, 电话, 信函, 到馆
DELIVERIES = ("visit", "post", "electronic")  # 到馆, 邮寄, 电子
#: Chinese names accepted for the ids above in requests sent as JSON or typed in a form.
ALIASES = {
    "婚姻": "marriage",
    "婚姻登记": "marriage",
    "学籍": "education",
    "招工": "employment",
    "工龄": "employment",
    "土地房产": "property",
    "知青": "zhiqing",
    "兵役": "military",
    "学术研究": "research",
    "编史修志": "chronicle",
    "其他": "other",
    "网上": "web",
    "电话": "phone",
    "信函": "letter",
    "到馆": "visit",
    "邮寄": "post",
    "电子": "electronic",
}
MAX_RECORDS = 20
_PHONE = re.compile(r"\+?\d{7,15}")
#: Longest value of each text field, in characters.
LIMITS = {"name": 100, "contact": 254, "purpose": 500, "description": 5000, "text": 5000, "rule": 500}


class TooManyRequests(RuntimeError):
    """An address filed more requests in the last hour than ``request_rate_limit`` allows."""


class Honeypot(ValueError):
    """The hidden field people never fill was filled: a robot, answered as if filed."""


class RequestInvalid(ValueError):
    """Bad input to a request, naming each bad field (answered with 400)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def text_field(payload: Mapping[str, Any], name: str, errors: dict[str, str], required: bool = False) -> str:
    """A text field, stripped; notes ``required`` or too long in ``errors`` under its name."""
    value = payload.get(name)
    if value is None or value == "":
        if required:
            errors[name] = "required"
        return ""
    if not isinstance(value, str):
        errors[name] = "must be text"
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = "required"
    elif len(value) > LIMITS.get(name, 500):
        errors[name] = f"at most {LIMITS.get(name, 500)} characters"
    return value


def choice_field(
    payload: Mapping[str, Any], name: str, allowed: tuple[str, ...], errors: dict[str, str], default: str
) -> str:
    """One of ``allowed`` (an id, or its Chinese name), else ``default`` with the error noted."""
    raw = payload.get(name) or default
    value = ALIASES.get(raw, raw) if isinstance(raw, str) else raw
    if value not in allowed:
        errors[name] = f"{raw!r} is not one of {', '.join(allowed)}"
        return default
    return value


def contact_field(value: str, errors: dict[str, str]) -> str:
    """A contact as stored: an e-mail address, or a phone number without spaces and dashes."""
    if not value or "contact" in errors:
        return value
    if "@" in value:
        try:
            email = checked_email(value)
        except UserError:  # "@" alone, say: not an address, answered as a bad field
            email = None
        if email:
            return email
    else:
        phone = re.sub(r"[\s-]", "", value)
        if _PHONE.fullmatch(phone):
            return phone
    errors["contact"] = "not a phone number or an e-mail address"
    return value
