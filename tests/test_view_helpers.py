"""The presentation helpers of the web pages, as examples: the timeline's layout, the
GB/T 7714 citation, the first-hit anchor and the page links of a result list.

They are plain functions of their arguments (the translated bar label falls back to the
Chinese source outside a request), so no app is needed except where a URL is built.
"""

from __future__ import annotations

from markupsafe import Markup

from app.citation import format_citation
from app.facet_links import pagination
from app.labels import Archive
from app.record_view import mark_first_hit
from app.timeline import BAR, HEIGHT, MIN_SLOTS, SLOT, build_timeline, year_counts

BAOJI = Archive(zh="宝鸡市档案馆", en="Baoji Municipal Archives", place="宝鸡")


def year_link(year: int) -> str:
    return f"/search?year_from={year}&year_to={year}"


# -- timeline ---------------------------------------------------------------------------


def test_year_counts_keeps_only_years_in_order():
    assert year_counts({"1952": 1, "1949": 2, "": 5, "n.d.": 3, "1950": 0}) == {1949: 2, 1952: 1}


def test_no_years_means_no_timeline():
    assert build_timeline({}, year_link) is None
    assert build_timeline({"undated": 4}, year_link) is None


def test_few_years_are_centred_in_the_minimum_width():
    chart = build_timeline({"1950": 10, "1952": 5}, year_link)
    assert chart["width"] == MIN_SLOTS * SLOT and chart["height"] == HEIGHT
    # Three years (1950-1952) in 24 slots: 10 empty slots before, so the axis starts at 1940.
    assert (chart["first"], chart["last"]) == (1940, 1963)
    first, second = chart["bars"]
    assert first["slot_x"] == 10 * SLOT and second["slot_x"] == 12 * SLOT
    assert first["x"] == first["slot_x"] + (SLOT - BAR) / 2


def test_the_peak_year_is_the_tallest_bar_and_every_bar_is_visible():
    chart = build_timeline({"1950": 1000, "1951": 1}, year_link)
    tall, tiny = chart["bars"]
    assert tall["height"] == HEIGHT - 6 and tall["y"] == 6
    assert tiny["height"] == 2 and tiny["y"] + tiny["height"] == HEIGHT  # bars stand on the axis
    assert (chart["peak"], chart["total"]) == (1000, 1001)


def test_each_bar_links_to_its_year_and_says_its_count():
    chart = build_timeline({"1950": 3}, year_link, selected=("1950", "1950"))
    (bar,) = chart["bars"]
    assert bar["url"] == "/search?year_from=1950&year_to=1950"
    assert bar["label"] == "1950 年：3 条" and bar["current"]
    # A range of several years marks no bar as the current one.
    assert not build_timeline({"1950": 3}, year_link, ("1950", "1959"))["bars"][0]["current"]


def test_a_long_span_gets_one_slot_a_year_without_padding():
    counts = {str(year): 1 for year in range(1900, 1960, 5)}
    chart = build_timeline(counts, year_link)
    assert (chart["first"], chart["last"], chart["width"]) == (1900, 1955, 56 * SLOT)


# -- citation ---------------------------------------------------------------------------


def test_citation_of_a_record_with_creator_and_date():
    record = {
        "archive_code": "J001-001-0001",
        "title": "关于开展整党整风的计划",
        "creator": "中共宝鸡市委",
        "date": "1950-05-04",
    }
    assert format_citation(record, BAOJI) == (
        "中共宝鸡市委. 关于开展整党整风的计划: J001-001-0001[A]. 宝鸡: 宝鸡市档案馆, 1950-05-04."
    )


def test_citation_without_creator_names_the_archive_and_makes_up_no_date():
    record = {"archive_code": "J1-1", "title": " 名册。 ", "creator": "  ", "date": ""}
    assert format_citation(record, BAOJI) == "宝鸡市档案馆. 名册: J1-1[A]. 宝鸡: 宝鸡市档案馆."


def test_citation_of_an_archive_without_a_place():
    unknown = Archive(zh="test-city", en="test-city", place="")
    record = {"archive_code": "J1-2", "title": "通知", "creator": "某县", "date": "1950"}
    assert format_citation(record, unknown) == "某县. 通知: J1-2[A]. test-city, 1950."


# -- the first hit and the page links ---------------------------------------------------------


def test_only_the_first_match_is_the_jump_target():
    html, hits = mark_first_hit(Markup("<mark>宝鸡</mark>县 &lt;b&gt; <mark>宝鸡</mark>"))
    assert hits == 2
    assert html == '<mark id="first-hit">宝鸡</mark>县 &lt;b&gt; <mark>宝鸡</mark>'
    assert isinstance(html, Markup)  # still safe HTML, escaped text stays escaped
    assert mark_first_hit(Markup("无")) == (Markup("无"), 0)


def test_pagination_shows_the_ends_and_two_pages_either_side():
    links = pagination(10, 20, lambda p: f"?page={p}")
    assert [link["number"] for link in links["links"]] == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert (links["prev"], links["next"]) == ("?page=9", "?page=11")
    only = pagination(1, 1, lambda p: f"?page={p}")
    assert [link["number"] for link in only["links"]] == [1] and only["prev"] is only["next"] is None


# -- where the shared helpers live ------------------------------------------------------------


def test_template_helpers_belong_to_the_app_not_to_the_public_blueprint(client):
    """record.html is rendered by the staff pages too: its helpers are the app's globals, so
    they do not depend on the public blueprint's hooks (and reach imported macros too)."""
    from app.public import public

    helpers = client.application.jinja_env.globals
    assert {"record_view", "archive_label", "file_size_label", "kind_titles"} <= set(helpers)
    with client.application.test_request_context():
        macro = client.application.jinja_env.from_string(
            "{% macro name(a) %}{{ archive_label(a) }}{% endmacro %}{{ name('test-city') }}"
        )
        assert macro.render() == "test-city"
    # The public blueprint registers its routes and nothing else on the app.
    routes = [r for r in client.application.url_map.iter_rules() if r.endpoint.startswith("public.")]
    assert len(public.deferred_functions) == len(routes)
