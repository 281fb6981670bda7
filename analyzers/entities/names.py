"""Facet names (检索项名称) of entities: the name a reader sees as a facet value or an
entity page, or nothing when the mention is not a plausible name of its label.

The statistical model finds mentions; not every mention is worth a facet value. A name is
kept only when it is

* clean: punctuation and spaces at its edges removed, none left inside (but the
  middle dot of 阿沛·阿旺晋美), no Latin letters or digits in a personal name;
* whole: a one-character place (美 in 中美, 华 in 华人) becomes its full name where that is
  unambiguous (美 -> 美国, 日 -> 日本) and is dropped otherwise (华, 宁: 中华 or 华北? 南京 or
  宁夏? 苏: 江苏 or 苏联?); other one-character names are dropped; an organisation must not start or end
  inside a word of the text (制委员会 of 编制委员会, 全国科 of 全国科协), a person or place
  may only when the model is sure of it (:data:`SURE`); a place or organisation does not
  start with 县, 市, 各, 本 ... ("the county's office", "each township": 县委宣传部);
* of its label's shape: a person is not a division (凤翔县) nor ends like one or like an
  organisation, and starts with a surname (百家姓, ``analyzers/data/surnames.txt``) unless
  it has a middle dot or the model is sure of it (克林顿); 佰元 and 建土 are not persons;
* not a common word: a name that jieba's stock dictionary knows as a common word
  (noun ``n``, verb ``v``, numeral ``m`` ...: 委员会, 县委, 平房, 城区, 非典) is not a name;
  known names (``nr`` persons, ``ns`` places, ``nt`` organisations, ``nz``, ``j``
  abbreviations) and words it does not know are; a division (宝鸡, dictionary ``n``) is
  a place (names of the gazetteer, found where the model found nothing, are common
  words only where its exclusion list says so, see ``config.cfg``, or inside a word);
* confident: the model's confidence (the smallest per-character probability of its
  tags) is at least :data:`MIN_CONFIDENCE`, unless the name is a division's. Names from
  the gazetteer of divisions carry no confidence and need only be whole words of the text.

Input is normalized text (simplified script, see :func:`analyzers.normalize.normalize`).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = [
    "MIN_CONFIDENCE",
    "SURE",
    "NAME_TAGS",
    "ONE_CHARACTER_PLACES",
    "facet_name",
    "remembered_facet_name",
    "clean_name",
    "surnames",
]

#: Mentions the model is less sure of are not facet values (measured on the People's
#: Daily held-out sentences: see docs/benchmarks.md, "facet names").
MIN_CONFIDENCE = 0.5
#: Confidence from which a name without a surname, or cut inside a word, is still taken.
SURE = 0.9

#: One-character place names that stand for one country in running text (中美, 访日, 英方).
ONE_CHARACTER_PLACES = {
    "中": "中国",
    "美": "美国",
    "日": "日本",
    "英": "英国",
    "法": "法国",
    "德": "德国",
    "俄": "俄罗斯",
    "韩": "韩国",
    "朝": "朝鲜",
    "越": "越南",
    "印": "印度",
    "意": "意大利",
    "泰": "泰国",
    "菲": "菲律宾",
    "以": "以色列",
    "埃": "埃及",
    "荷": "荷兰",
    "葡": "葡萄牙",
    "希": "希腊",
    "台": "台湾",
    "港": "香港",
    "沪": "上海",
    "京": "北京",
    "津": "天津",
    "渝": "重庆",
    "藏": "西藏",
    "疆": "新疆",
    "陕": "陕西",
    "晋": "山西",
    "鲁": "山东",
    "豫": "河南",
    "皖": "安徽",
    "闽": "福建",
    "粤": "广东",
    "琼": "海南",
    "黔": "贵州",
    "滇": "云南",
    "湘": "湖南",
    "鄂": "湖北",
    "赣": "江西",
    "浙": "浙江",
    "冀": "河北",
    "辽": "辽宁",
    "吉": "吉林",
    "黑": "黑龙江",
    "桂": "广西",
    "川": "四川",
    "甘": "甘肃",
    "青": "青海",
}

_DIVISION_ENDS = "省市县区乡镇村州旗盟"
_ORG_ENDS = ("局", "厅", "委员会", "委", "政府", "公司")  # a person's name does not end so
_NOT_NAME_ENDS = ("姓", "案", "户", "等")  # 李姓 "surnamed Li", 孟寒川案 "the case of", 杨振邦户 "household"
_INNER_MARKS = "·"
#: A place or organisation starting so is "the county's ...", "each ...": no name (县委宣传部,
#: 县档案馆, 各乡镇妇联), unless it is a division (本溪).
_GENERIC_STARTS = ("县", "市", "省", "乡", "镇", "区", "各", "本", "该", "我")
#: jieba dictionary tags a name of each label may have (None: not in the dictionary).
NAME_TAGS = {
    "PERSON": frozenset({None, "nr", "nrfg", "nrt", "x"}),
    "PLACE": frozenset({None, "ns", "nz", "nt", "j", "nr", "x"}),
    "ORG": frozenset({None, "nt", "nz", "j", "ns", "x"}),
}


@lru_cache(maxsize=1)
def surnames() -> tuple[frozenset[str], frozenset[str]]:
    """Single-character and compound surnames from ``analyzers/data/surnames.txt``."""
    text = resources.files("analyzers.data").joinpath("surnames.txt").read_text("utf-8")
    names = {w for line in text.splitlines() if not line.startswith("#") for w in line.split()}
    return frozenset(n for n in names if len(n) == 1), frozenset(n for n in names if len(n) == 2)


def _is_mark(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] in "PSZC"


def clean_name(text: str) -> str | None:
    """``text`` without spaces and without punctuation at its edges; None when punctuation
    is left inside (two names run together) or nothing is left.

    >>> clean_name('“江泽民 ”'), clean_name('阿沛·阿旺晋美'), clean_name('北京、上海')
    ('江泽民', '阿沛·阿旺晋美', None)
    """
    name = "".join(ch for ch in text if not ch.isspace())
    start, end = 0, len(name)
    while start < end and _is_mark(name[start]):
        start += 1
    while end > start and _is_mark(name[end - 1]):
        end -= 1
    name = name[start:end]
    if not name or any(_is_mark(ch) and ch not in _INNER_MARKS for ch in name):
        return None
    return name


def _person_shape(name: str, confidence: float | None) -> bool:
    if any(ch.isascii() for ch in name) or any(ch.isdigit() for ch in name):
        return False
    if name.endswith(tuple(_DIVISION_ENDS)) or name.endswith(_ORG_ENDS) or name.endswith(_NOT_NAME_ENDS):
        return False
    if "·" in name:
        return len(name) <= 20
    if not 2 <= len(name) <= 4:
        return False
    single, compound = surnames()
    has_surname = name[0] in single or name[:2] in compound
    return has_surname or (confidence is not None and confidence >= SURE)


def facet_name(
    text: str,
    label: str,
    *,
    confidence: float | None = None,
    cut_inside_word: bool = False,
    word_tag: str | None = None,
    divisions: frozenset[str] = frozenset(),
    common_words: frozenset[str] = frozenset(),
    min_confidence: float | None = None,
) -> str | None:
    """The facet value of an entity mention, or None when it is not a plausible name.

    ``label`` is PERSON, PLACE or ORG; ``confidence`` the model's (None for gazetteer
    names); ``cut_inside_word`` whether the mention starts or ends inside a word of its
    text; ``word_tag`` the mention's tag in jieba's dictionary (None when not in it);
    ``divisions`` names of administrative divisions (places, never persons);
    ``common_words`` division names that are mostly common words (东至 "east to", the
    gazetteer leaves them out): a place only when the model is sure;
    ``min_confidence`` replaces :data:`MIN_CONFIDENCE` (to measure other thresholds).

    >>> facet_name('江泽民', 'PERSON', confidence=0.98), facet_name('凤翔县', 'PERSON', confidence=0.95)
    ('江泽民', None)
    >>> facet_name('美', 'PLACE', confidence=0.9), facet_name('华', 'PLACE', confidence=0.9)
    ('美国', None)
    >>> facet_name('制委员会', 'ORG', confidence=0.95, cut_inside_word=True)
    >>> facet_name('委员会', 'ORG', confidence=0.95, word_tag='n')
    >>> facet_name('宝鸡', 'PLACE', word_tag='n', confidence=0.9, divisions=frozenset({'宝鸡'}))
    '宝鸡'
    >>> facet_name('东至', 'PLACE', confidence=0.66, word_tag='ns', common_words=frozenset({'东至'}))
    """
    name = clean_name(text)
    if name is None:
        return None
    if label == "PLACE" and name in common_words and (confidence is None or confidence < SURE):
        return None
    known_place = label == "PLACE" and name in divisions  # 宝鸡市: the gazetteer would find it too
    if (
        confidence is not None
        and not known_place
        and confidence < (MIN_CONFIDENCE if min_confidence is None else min_confidence)
    ):
        return None
    sure = confidence is not None and confidence >= SURE
    if label == "PLACE" and len(name) == 1:
        return ONE_CHARACTER_PLACES.get(name)
    if len(name) < 2:
        return None
    if cut_inside_word and (label == "ORG" or confidence is None or not sure):
        return None
    if label == "PERSON" and (name in divisions or not _person_shape(name, confidence)):
        return None
    if label in ("PLACE", "ORG") and name.startswith(_GENERIC_STARTS) and name not in divisions:
        return None
    if confidence is not None and word_tag not in NAME_TAGS.get(label, ()) and not known_place:
        return None
    return name


def remembered_facet_name(
    text: str, label: str, *, confidence: float | None = None, **rules: Any
) -> str | None:
    """:func:`facet_name` (same arguments), remembered for the names seen most recently (an
    archive names the same people and places again and again).

    :func:`facet_name` reads the confidence only by comparing it with the minimum and with
    :data:`SURE`, so the confidence is replaced by the largest of those two it reaches
    (-1 when it reaches neither) before the answer is looked up: the same answer, with
    few keys.

    >>> remembered_facet_name('江泽民', 'PERSON', confidence=0.971, word_tag='nr')
    '江泽民'
    """
    if confidence is not None:
        minimum = rules.get("min_confidence")
        minimum = MIN_CONFIDENCE if minimum is None else minimum
        confidence = max((t for t in (minimum, SURE) if t <= confidence), default=-1.0)
    return _remembered(text, label, confidence=confidence, **rules)


_remembered = lru_cache(maxsize=50_000)(facet_name)
