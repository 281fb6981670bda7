"""How the pages name the vocabularies of requests (查档申请): kinds, sources, deliveries,
statuses and the steps of a timeline, in the interface language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_NAMES = {
    "marriage": _l("婚姻登记"),
    "education": _l("学籍"),
    "employment": _l("招工与工龄"),
    "property": _l("土地与房产"),
    "zhiqing": _l("知青"),
    "military": _l("兵役"),
    "research": _l("学术研究"),
    "chronicle": _l("编史修志"),
    "other": _l("其他"),
}
SOURCE_NAMES = {"web": _l("网上"), "phone": _l("电话"), "letter": _l("信函"), "visit": _l("到馆")}
DELIVERY_NAMES = {"visit": _l("到馆查阅"), "post": _l("邮寄"), "electronic": _l("电子文件")}
STEP_NAMES = {
    "received": _l("已受理"),
    "in_progress": _l("办理中"),
    "reply": _l("工作人员回复"),
    "answered": _l("已答复"),
    "declined": _l("不予提供"),
    "forwarded": _l("已转办"),
}
STATUSES = ("received", "in_progress", "answered", "declined", "forwarded")


def request_labels() -> dict:
    """The names above, for templates (``labels.kind[...]`` and so on)."""
    return {
        "kind": KIND_NAMES,
        "source": SOURCE_NAMES,
        "delivery": DELIVERY_NAMES,
        "step": STEP_NAMES,
        "statuses": STATUSES,
    }
