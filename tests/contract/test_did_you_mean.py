"""您是不是要找: a query without hits one same-sounding character away from words of public
records is offered the corrected query, on every backend; closed records' words never."""

from __future__ import annotations

from catalog.policy import PUBLIC, operator_audience
from search.did_you_mean import with_did_you_mean
from search.params import parse_request


def answer(lantai, q, audience=PUBLIC, **args):
    request = parse_request({"q": q, **args}, lantai.settings)
    return with_did_you_mean(lantai.search.search(request, audience), lantai.search, request)


def test_a_homophone_slip_is_corrected_to_a_word_of_public_records(lantai):
    assert answer(lantai, "宝机")["did_you_mean"] == {"query": "宝鸡", "total": 2}  # 宝鸡 and 寶雞
    assert answer(lantai, "凤祥")["did_you_mean"] == {"query": "凤翔", "total": 1}  # the other is controlled
    assert answer(lantai, "凤祥 土地改革")["did_you_mean"] == {"query": "凤翔 土地改革", "total": 1}
    assert answer(lantai, "title:凤祥")["did_you_mean"] == {"query": "title:凤翔", "total": 1}
    assert answer(lantai, "寶機")["did_you_mean"]["query"] == "宝鸡"  # a traditional query too


def test_the_correction_keeps_the_filters_and_must_find_something_with_them(lantai):
    assert answer(lantai, "凤祥", archive="fx-county")["did_you_mean"] == {"query": "凤翔", "total": 1}
    assert answer(lantai, "凤祥", archive="test-city")["did_you_mean"] is None


def test_no_correction_for_a_query_with_hits_or_without_a_near_public_word(lantai):
    assert answer(lantai, "宝鸡")["did_you_mean"] is None
    assert answer(lantai, "延安")["did_you_mean"] is None
    assert answer(lantai, "baoji")["total"] and answer(lantai, "baojj")["did_you_mean"] is None


def test_words_of_closed_records_are_never_offered_whoever_asks(lantai):
    # 赵秘云 is only in an unreviewed record, 机要 only in a classified one
    staff = operator_audience("staff")
    for q in ("赵密云", "机药"):
        assert answer(lantai, q)["did_you_mean"] is None, q
    assert answer(lantai, "赵秘云", staff)["total"] == 1  # staff find the closed record itself
    assert answer(lantai, "赵密云", staff)["did_you_mean"] is None  # but are offered nothing from it
