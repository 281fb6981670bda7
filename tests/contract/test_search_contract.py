"""Search behaviour every backend must show: query language, facets, sort, pages, visibility."""

from __future__ import annotations

import json

import pytest

from catalog.policy import PUBLIC, Audience, operator_audience
from search.params import parse_request


def run(lantai, audience=PUBLIC, **args):
    args = {k: str(v) for k, v in args.items()}
    return lantai.search.search(parse_request(args, lantai.settings), audience)


def ids(result):
    return [h["id"].split("/", 1)[1] for h in result["hits"]]


def test_terms_are_anded(lantai):
    assert set(ids(run(lantai, q="宝鸡 土地改革"))) == {"J001-001-0001"}


def test_simplified_query_finds_traditional_record_and_back(lantai):
    assert ids(run(lantai, q="宝鸡 红色档案")) == ["J001-001-0002"]
    assert ids(run(lantai, q="寶雞 紅色檔案")) == ["J001-001-0002"]


def test_search_mode_tokens_find_parts_of_words(lantai):
    for q in ("数字档案馆", "档案馆", "数字"):
        assert "J001-001-0003" in ids(run(lantai, q=q)), q


def test_phrases_match_contiguous_text_only(lantai):
    assert ids(run(lantai, q='"兴修水利"')) == ["J001-001-0004"]
    assert ids(run(lantai, q="“水利兴修”")) == []


def test_or_and_not(lantai):
    assert set(ids(run(lantai, q="水利 OR 数字档案馆"))) == {"J001-001-0003", "J001-001-0004"}
    both = set(ids(run(lantai, q="土地改革")))
    without = set(ids(run(lantai, q="土地改革 NOT 凤翔县")))
    assert both - without == {"J002-001-0001"}


def test_field_filters(lantai):
    assert ids(run(lantai, q="title:水利")) == ["J001-001-0004"]
    assert ids(run(lantai, q="code:J001-001-0003")) == ["J001-001-0003"]
    assert set(ids(run(lantai, q="土地改革 year:1950-1951"))) == {"J001-001-0001", "J002-001-0001"}


def test_year_range_parameters(lantai):
    assert set(ids(run(lantai, q="土地改革", year_from=1951, year_to=1952))) == {
        "J002-001-0001",
        "J001-001-0005",
    }


def test_a_reference_code_finds_its_record_first(lantai):
    assert ids(run(lantai, q="J001-001-0004"))[0] == "J001-001-0004"


def test_facets_count_visible_matches(lantai):
    facets = run(lantai, q="土地改革")["facets"]
    assert facets["archive"] == {"test-city": 2, "fx-county": 1}
    assert facets["record_type"] == {"文书": 2, "红色档案": 1}
    assert facets["year"] == {"1950": 1, "1951": 1, "1952": 1}


def test_filters_by_archive_and_type(lantai):
    assert ids(run(lantai, q="土地改革", archive="fx-county")) == ["J002-001-0001"]
    assert ids(run(lantai, q="", type="红色档案", sort="date")) == ["J002-001-0001", "J001-001-0002"]


def test_sort_by_date(lantai):
    assert ids(run(lantai, q="土地改革", sort="date")) == ["J001-001-0001", "J002-001-0001", "J001-001-0005"]
    assert ids(run(lantai, q="土地改革", sort="date_desc"))[0] == "J001-001-0005"


def test_sort_by_archive_code(lantai):
    """档号 order (as a fonds' files are listed): archive, then reference code; paging
    walks it, and a typed 档号 still comes first."""
    assert ids(run(lantai, q="土地改革", sort="code")) == ["J002-001-0001", "J001-001-0001", "J001-001-0005"]
    pages = [run(lantai, q="", size=2, page=page, sort="code") for page in (1, 2, 3)]
    walked = [hit["id"] for page in pages for hit in page["hits"]]
    assert len(walked) == 6 and walked == sorted(walked, key=lambda i: tuple(i.split("/", 1)))
    assert ids(run(lantai, q="J001-001-0004", sort="code"))[0] == "J001-001-0004"


def test_pagination_walks_every_hit_once(lantai):
    seen = []
    for page in (1, 2, 3):
        result = run(lantai, q="", size=2, page=page, sort="date")
        assert result["total"] == 6
        seen += ids(result)
    assert len(seen) == len(set(seen)) == 6


def test_snippets_highlight_the_original_script(lantai):
    hit = run(lantai, q="红色档案")["hits"][0]
    assert "<mark>紅色檔案</mark>" in hit["snippet"]


def test_suggestions_come_from_visible_titles(lantai):
    assert lantai.search.suggest("关于土地改革", PUBLIC)[0].startswith("关于土地改革")
    assert all("赵秘云" not in s and "机要" not in s for s in lantai.search.suggest("关于", PUBLIC, size=50))


@pytest.mark.parametrize("q", ["赵秘云", "机要", "扫盲", "J001-001-0006", "土地改革", ""])
def test_closed_records_never_reach_the_public(lantai, q):
    result = run(lantai, q=q, size=50)
    closed = {"J001-001-0006", "J001-001-0007", "J002-001-0002"}
    assert not closed & set(ids(result))
    assert result["total"] == len(result["hits"])
    assert sum(result["facets"]["archive"].values()) == result["total"]


def test_catalog_only_records_match_on_catalog_fields_not_text(lantai):
    assert "J001-001-0005" in ids(run(lantai, q="复查"))  # in the title
    assert ids(run(lantai, q="地主隐匿财产")) == []  # only in its text
    assert ids(run(lantai, q='"地主隐匿"')) == []
    assert ids(run(lantai, q="复查 NOT 地主")) == ["J001-001-0005"]  # text cannot exclude either
    hit = run(lantai, q="复查")["hits"][0]
    assert hit["visibility"] == "catalog" and "地主" not in hit["snippet"]


def test_staff_of_an_archive_see_its_closed_records_only(lantai):
    staff = Audience(role="staff", archives=frozenset({"fx-county"}))
    assert ids(run(lantai, staff, q="扫盲")) == ["J002-001-0002"]
    assert "J001-001-0006" not in ids(run(lantai, staff, q="赵秘云"))
    assert ids(run(lantai, operator_audience("staff"), q="赵秘云")) == ["J001-001-0006"]


def test_classified_records_need_clearance(lantai):
    staff = Audience(role="staff", archives=frozenset({"test-city"}))
    cleared = Audience(role="staff", archives=frozenset({"test-city"}), clearance=True)
    assert ids(run(lantai, staff, q="机要")) == []
    assert ids(run(lantai, cleared, q="机要")) == ["J001-001-0007"]


def test_a_decision_reaches_search_as_soon_as_it_is_saved(lantai):
    assert ids(run(lantai, q="赵秘云")) == []
    lantai.decide("test-city", "J001-001-0006", "open", "到期，经审核可以开放", "reviewer")
    assert ids(run(lantai, q="赵秘云")) == ["J001-001-0006"]
    lantai.decide("test-city", "J001-001-0006", "catalog_only", "全文涉及个人隐私", "reviewer")
    assert ids(run(lantai, q="赵秘云")) == ["J001-001-0006"]  # in its title
    assert ids(run(lantai, q="材料")) == []  # only in its text
    lantai.decide("test-city", "J001-001-0006", "controlled", "暂缓开放", "reviewer")
    assert ids(run(lantai, q="赵秘云")) == []


def test_ingest_extracts_entities_by_default_into_facets_of_visible_matches(lantai):
    """Issue #7 point 3 and #8: the fixture ingests with the default settings, which extract
    entities; they are stored, and the person, place and org facets count them over the
    matches the audience may see (text names only where the text is public)."""
    from collections import Counter

    from catalog.policy import public_visibility
    from indexer.documents import entity_facets

    def expected(result):
        counts = {facet: Counter() for facet in ("person", "place", "org")}
        for hit in result["hits"]:
            stored = lantai.store.entities(hit["archive"], hit["archive_code"])
            assert stored is not None, hit["id"]  # extracted without being asked
            record = lantai.store.get(hit["archive"], hit["archive_code"])
            visibility = public_visibility(record.access, record.classification)
            for facet, names in entity_facets(stored, visibility != "catalog").items():
                counts[facet].update(names)
        return {facet: dict(c) for facet, c in counts.items()}

    public = run(lantai, q="", size=50)
    staff = run(lantai, operator_audience("staff"), q="", size=50)
    for result in (public, staff):
        want = expected(result)
        assert {f: result["facets"][f] for f in want} == want
    # 寶雞市… and 宝鸡市… give simplified names only (宝鸡市, or 宝鸡市档案馆: models differ)
    assert any(name.startswith("宝鸡市") for name in public["facets"]["place"])
    shown = json.dumps([public["facets"][f] for f in ("person", "place", "org")], ensure_ascii=False)
    assert not set("寶雞檔館縣") & set(shown)
    # Names found only in closed records (e.g. 赵秘云) are nowhere in the public's facets.
    names = {"none": set(), "seen": set()}
    for record in lantai.store.iter_records():
        visibility = public_visibility(record.access, record.classification)
        stored = entity_facets(
            lantai.store.entities(record.archive, record.archive_code), visibility == "full"
        )
        names["none" if visibility == "none" else "seen"].update(n for v in stored.values() for n in v)
    closed_only = names["none"] - names["seen"]
    public_names = {n for f in ("person", "place", "org") for n in public["facets"][f]}
    assert closed_only and not closed_only & public_names
    assert all(
        run(lantai, q="", **{facet: name})["total"] == 0
        for name in closed_only
        for facet in ("person", "place", "org")
    )
