"""Leak suite, 您是不是要找: on random holdings, a correction offered for a slip of a
record's word (a name, a subject) names only words the public may read, through the API
and the results page alike, for any caller; and it is offered where a public title has it."""

from __future__ import annotations

import pytest
from hypothesis import given

from analyzers.normalize import normalize
from catalog.policy import PUBLIC
from search.did_you_mean import with_did_you_mean
from search.params import parse_request
from tests.conftest import buffered_client
from tests.contract.conftest import BACKENDS
from tests.contract.test_leaks import (
    LEAK_SETTINGS,
    NAMES,
    app_on,
    catalog_text,
    holdings,
    runtime_on,
    visibility_of,
)

# A slip of the pinyin input method for each name and some subjects: one character that
# sounds the same.
SLIPS = {
    "赵秘云": "赵密云",
    "钱隐松": "钱引松",
    "孙墨竹": "孙默竹",
    "李寒川": "李韩川",
    "周夜笙": "周叶笙",
    "吴暮岚": "吴慕岚",
    "郑青隼": "郑清隼",
    "王磐石": "王盘石",
    "水利": "水力",
    "春耕": "春庚",
    "扫盲": "扫忙",
}
assert set(NAMES) <= set(SLIPS)

pytestmark = [pytest.mark.both_catalogs, pytest.mark.usefixtures("catalog_url")]


def public_words(rows: list[dict]) -> str:
    """Everything the public may read of the holdings: catalog fields of records it sees,
    the text of those whose text it sees."""
    parts = []
    for row in rows:
        if visibility_of(row) != "none":
            parts.append(catalog_text(row))
        if visibility_of(row) == "full":
            parts.append(normalize(row["text"]).text)
    return "\n".join(parts)


@pytest.mark.parametrize("backend", BACKENDS)
@LEAK_SETTINGS
@given(rows=holdings())
def test_corrections_offer_only_words_the_public_may_read(backend, request, rows):
    readable = public_words(rows)
    in_public_titles = "\n".join(r["title"] for r in rows if visibility_of(r) != "none")
    with runtime_on(backend, request, rows) as (lantai, config), app_on(config) as app:
        client = buffered_client(app)
        lantai.users.add("clerk", "staff", "correct horse battery", ("city-a", "county-b"))
        staff = {"Authorization": f"Bearer {lantai.users.create_token('clerk')}"}
        for word, slip in SLIPS.items():
            public = client.get("/api/v1/search", query_string={"q": slip}).get_json()
            if public["total"]:
                continue
            offered = public["did_you_mean"]
            if offered is not None:
                assert offered["query"] == word and word in readable, (slip, offered)
                request_ = parse_request({"q": word}, lantai.settings)
                assert offered["total"] == lantai.search.search(request_, PUBLIC)["total"] > 0
            elif word in in_public_titles:
                pytest.fail(f"{slip}: no correction, yet a public title has {word}")
            as_staff = client.get("/api/v1/search", query_string={"q": slip}, headers=staff).get_json()
            if not as_staff["total"]:
                assert as_staff["did_you_mean"] == offered, slip  # the same, whoever asks
            page = client.get("/search", query_string={"q": slip}).get_data(as_text=True)
            if offered is None:
                assert "did-you-mean" not in page, slip
            else:
                assert f">{word}</a>" in page, slip
            assert with_did_you_mean(
                {"total": 0}, lantai.search, parse_request({"q": slip}, lantai.settings)
            ) == {
                "total": 0,
                "did_you_mean": offered,
            }
