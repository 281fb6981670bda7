"""您是不是要找 from the names public records mention (entity facets), not only from titles;
a name only a closed record mentions is never offered."""

from __future__ import annotations

import pytest

from app.runtime import open_lantai
from catalog.policy import PUBLIC, operator_audience
from search.did_you_mean import with_did_you_mean
from search.params import parse_request
from tests.conftest import write_jsonl
from tests.test_ingest_entities import ROWS


@pytest.fixture
def with_entities(default_settings, tmp_path):
    runtime = open_lantai(default_settings)
    report = runtime.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS)])
    assert report.failed == 0, report.errors
    yield runtime
    runtime.close()


def offered(lantai, q, audience=PUBLIC):
    request = parse_request({"q": q}, lantai.settings)
    answer = with_did_you_mean(lantai.search.search(request, audience), lantai.search, request)
    assert answer["total"] == 0, q
    return answer["did_you_mean"]


def test_a_name_in_the_text_of_an_open_record_is_offered(with_entities):
    # 延安 and 西柏坡 are in J7-1's text only, not in any title
    assert offered(with_entities, "延按") == {"query": "延安", "total": 1}
    assert offered(with_entities, "西柏破 会议") == {"query": "西柏坡 会议", "total": 1}


def test_a_name_only_a_closed_record_mentions_is_not(with_entities):
    staff = operator_audience("staff")
    assert with_entities.search.search(parse_request({"q": "彭德怀"}, with_entities.settings), staff)["total"]
    assert offered(with_entities, "彭德坏") is None
    assert offered(with_entities, "彭德坏", staff) is None
