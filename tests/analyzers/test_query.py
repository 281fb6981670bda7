"""The query language: terms, phrases, operators, fields, years, proximity, and graceful fallback."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzers.query import (
    FIELDS,
    And,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    QuerySyntaxError,
    Term,
    YearRange,
    highlight_terms,
    parse_query,
    positive_terms,
    proximities,
)


def T(text: str, field: str | None = None) -> Term:  # noqa: N802 - reads like the node
    return Term(text, field)


def P(text: str, field: str | None = None) -> Phrase:  # noqa: N802
    return Phrase(text, field)


@pytest.mark.parametrize("query", ["", "   ", "\u3000", "\n\t", "。", "()", "“”"])
def test_blank_queries(query: str) -> None:
    assert parse_query(query) is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("档案", T("档案")),
        ("宝鸡 红色档案", And((T("宝鸡"), T("红色档案")))),
        ("宝鸡\u3000红色档案", And((T("宝鸡"), T("红色档案")))),
        ("宝鸡，红色档案、延安", And((T("宝鸡"), T("红色档案"), T("延安")))),
        # terms are normalized: NFKC, simplified, lowercase
        ("寶雞 紅色檔案", And((T("宝鸡"), T("红色档案")))),
        ("ＲＥＤ Archives", And((T("red"), T("archives")))),
    ],
)
def test_terms(query: str, expected: Node) -> None:
    assert parse_query(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"数字档案馆"', P("数字档案馆")),
        ("“土地 改革”", P("土地改革")),
        ("「乡村振兴」", P("乡村振兴")),
        ("『紅色檔案』", P("红色档案")),
        ('"red archives" 宝鸡', And((P("red archives"), T("宝鸡")))),
        ('"AND OR"', P("and or")),  # operators inside quotes are words
    ],
)
def test_phrases(query: str, expected: Node) -> None:
    assert parse_query(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("档案 OR 文书", Or((T("档案"), T("文书")))),
        ("档案 或 文书", Or((T("档案"), T("文书")))),
        ("档案 AND 文书", And((T("档案"), T("文书")))),
        ("档案 与 文书", And((T("档案"), T("文书")))),
        ("档案 NOT 草案", And((T("档案"), Not(T("草案"))))),
        ("档案 非 草案", And((T("档案"), Not(T("草案"))))),
        ("档案 -草案", And((T("档案"), Not(T("草案"))))),
        ('档案 -"征求 意见稿"', And((T("档案"), Not(P("征求意见稿"))))),
        ("档案 -(草案 OR 初稿)", And((T("档案"), Not(Or((T("草案"), T("初稿"))))))),
        ("NOT NOT 档案", T("档案")),
        # precedence: NOT > AND > OR
        ("a b OR c", Or((And((T("a"), T("b"))), T("c")))),
        ("a OR b c", Or((T("a"), And((T("b"), T("c")))))),
        ("NOT a b", And((Not(T("a")), T("b")))),
        ("a OR NOT b", Or((T("a"), Not(T("b"))))),
        ("(宝鸡 OR 延安) 档案", And((Or((T("宝鸡"), T("延安"))), T("档案")))),
        ("（宝鸡 或 延安）档案", And((Or((T("宝鸡"), T("延安"))), T("档案")))),
        ("((档案))", T("档案")),
        ("a OR (b OR c)", Or((T("a"), T("b"), T("c")))),
        # lowercase words are not operators
        ("war and peace", And((T("war"), T("and"), T("peace")))),
        ("档案 - 历史", And((T("档案"), T("历史")))),  # a lone dash is punctuation
    ],
)
def test_operators_and_grouping(query: str, expected: Node) -> None:
    assert parse_query(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("title:档案", T("档案", "title")),
        ("title：档案", T("档案", "title")),
        ("TITLE:档案", T("档案", "title")),
        ('org:"宝鸡市 档案局"', P("宝鸡市档案局", "org")),
        ("org:“宝鸡市档案局”", P("宝鸡市档案局", "org")),
        ("code:J001-001-0001", T("j001-001-0001", "code")),
        ("creator:宝鸡市人民政府", T("宝鸡市人民政府", "creator")),
        ("person:毛泽东 place:延安", And((T("毛泽东", "person"), T("延安", "place")))),
        ("title: 档案", T("档案", "title")),
        ("title:(宝鸡 OR 延安)", Or((T("宝鸡", "title"), T("延安", "title")))),
        ("-title:草案", Not(T("草案", "title"))),
        ("题名:档案", T("档案", "title")),  # Chinese field names
        ("檔號：J001", T("j001", "code")),
        ("foo:bar", T("foo:bar")),  # unknown field: a literal term
        ("http://example.org", T("http://example.org")),
    ],
)
def test_fields(query: str, expected: Node) -> None:
    assert parse_query(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("year:1949", YearRange(1949, 1949)),
        ("year:1949-1951", YearRange(1949, 1951)),
        ("year:1951-1949", YearRange(1949, 1951)),
        ("year：１９４９～１９５１", YearRange(1949, 1951)),
        ("year:1949—1951", YearRange(1949, 1951)),
        ("year:1949..1951", YearRange(1949, 1951)),
        ("year:1949至1951", YearRange(1949, 1951)),
        ("year:1949年", YearRange(1949, 1949)),
        ("year:1949-", YearRange(1949, 9999)),
        ("year:-1951", YearRange(1, 1951)),
        ("年份:1950", YearRange(1950, 1950)),
        ("土地改革 year:1950-1952", And((T("土地改革"), YearRange(1950, 1952)))),
        ("year:(1949 OR 1951)", Or((YearRange(1949, 1949), YearRange(1951, 1951)))),
    ],
)
def test_years(query: str, expected: Node) -> None:
    assert parse_query(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("AND", T("and")),
        ("OR NOT", And((T("or"), T("not")))),
        ("档案 OR", T("档案")),
        ("OR 档案", T("档案")),
        ("档案 AND", T("档案")),
        ("档案 NOT", T("档案")),
        ("title:", T("title")),
        ("档案 title:", And((T("档案"), T("title")))),
        ('"档案', T("档案")),
        ('档案" 宝鸡', And((T("档案"), T("宝鸡")))),
        ("“红色档案", T("红色档案")),
        ("红色档案」", T("红色档案")),
        ("(档案", T("档案")),
        ("档案)", T("档案")),
        ("(宝鸡 OR 延安", And((T("宝鸡"), T("延安")))),
        ("-(档案", T("档案")),
        ("year:abc 档案", And((T("year:abc"), T("档案")))),
        ("title:档案 (", T("档案", "title")),  # a well-formed field filter survives
        ("(" * 200 + "档案" + ")" * 200, T("档案")),  # too deep
    ],
)
def test_malformed_queries_fall_back_to_plain_terms(query: str, expected: Node) -> None:
    assert parse_query(query) == expected


def test_positive_terms() -> None:
    node = parse_query('档案 (宝鸡 OR 延安) NOT 草案 -初稿 "红色档案" title:宝鸡 year:1949')
    assert positive_terms(node) == ["档案", "宝鸡", "延安", "红色档案"]
    assert positive_terms(None) == []
    assert positive_terms(parse_query("-档案")) == []
    assert positive_terms(parse_query("NOT (a OR NOT b)")) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("宝鸡 NEAR/10 解放", Near("宝鸡", "解放", 10)),
        ("宝鸡 near/10 解放", Near("宝鸡", "解放", 10)),
        ("宝鸡 邻近/10 解放", Near("宝鸡", "解放", 10)),
        ("寶雞 鄰近/10 解放", Near("宝鸡", "解放", 10)),
        ('"宝鸡 解放"~10', Near("宝鸡", "解放", 10)),
        ("“宝鸡 解放”～１０", Near("宝鸡", "解放", 10)),
        ("宝鸡 ＮＥＡＲ／１０ 解放", Near("宝鸡", "解放", 10)),
        ("宝鸡 W/3 解放", Near("宝鸡", "解放", 3, ordered=True)),
        ("宝鸡 前/3 解放", Near("宝鸡", "解放", 3, ordered=True)),
        ('"宝鸡市" NEAR/3 “人民 政府”', Near("宝鸡市", "人民政府", 3)),
        ("延安 宝鸡 NEAR/5 解放", And((T("延安"), Near("宝鸡", "解放", 5)))),
        ("-宝鸡 NEAR/5 解放 延安", And((Not(Near("宝鸡", "解放", 5)), T("延安")))),
        ("(宝鸡 NEAR/5 解放) OR 延安", Or((Near("宝鸡", "解放", 5), T("延安")))),
        ("宝鸡 W/5 解放 NOT 延安", And((Near("宝鸡", "解放", 5, True), Not(T("延安"))))),
        ("宝鸡 W/5 解放 OR 延安", Or((Near("宝鸡", "解放", 5, True), T("延安")))),
        ("NOT (宝鸡 前/5 解放)", Not(Near("宝鸡", "解放", 5, True))),
    ],
)
def test_proximity(query: str, expected: Node) -> None:
    assert parse_query(query) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("宝鸡 NEAR/abc 解放", "NEAR/abc: the distance must be a whole number of characters from 1 to 100"),
        ("宝鸡 NEAR/0 解放", "NEAR/0: the distance"),
        ("宝鸡 NEAR/101 解放", "NEAR/101: the distance"),
        ("宝鸡 W/99999999999 解放", "W/99999999999: the distance"),
        ("宝鸡 NEAR/ 解放", "NEAR/: the distance"),
        ('"宝鸡 解放"~0', '"宝鸡 解放"~0: the distance'),
        ('"宝鸡 解放"~', '"宝鸡 解放"~: the distance'),
        ("NEAR/5 解放", "NEAR/5: a word or phrase must come before it"),
        ("宝鸡 NEAR/5", "NEAR/5: a word or phrase must follow it"),
        ("宝鸡 NEAR/5 OR 解放", "NEAR/5: a word or phrase must follow it"),
        ('"宝鸡"~5', "put exactly two words in the quotes"),
        ('"宝鸡 解放 延安"~5', "put exactly two words in the quotes"),
        ("宝鸡 NEAR/5 解放 NEAR/5 延安", "NEAR/5: joins two words or phrases, nothing else"),
        ("(宝鸡 延安) NEAR/5 解放", "NEAR/5: joins two words or phrases, nothing else"),
        ("宝鸡 NEAR/5 year:1949", "NEAR/5: joins two words or phrases, nothing else"),
        ("title:宝鸡 NEAR/5 解放", "the field title: cannot be used"),
    ],
)
def test_malformed_proximity_raises_naming_the_problem(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as error:
        parse_query(query)
    assert message in str(error.value)


def test_proximity_words_are_highlighted_and_listed() -> None:
    node = parse_query("档案 宝鸡 W/5 解放 NOT (延安 NEAR/3 边区)")
    assert positive_terms(node) == ["档案", "宝鸡", "解放"]
    assert proximities(node) == [Near("宝鸡", "解放", 5, ordered=True)]
    assert highlight_terms("宝鸡 NEAR/5 解放") == ["宝鸡", "解放"]
    assert highlight_terms("宝鸡 NEAR/0 解放") == []


def test_a_word_like_near_is_still_a_term() -> None:
    assert parse_query("NEAR W 前") == And((T("near"), T("w"), T("前")))


def walk(node: Node):
    yield node
    if isinstance(node, And | Or):
        for child in node.children:
            yield from walk(child)
    elif isinstance(node, Not):
        yield from walk(node.child)


query_text = st.one_of(
    st.text(max_size=80),
    st.lists(
        st.sampled_from(
            [
                "档案",
                "宝鸡",
                "AND",
                "OR",
                "NOT",
                "与",
                "或",
                "非",
                "-",
                "(",
                ")",
                "（",
                "）",
                '"',
                "“",
                "”",
                "「",
                "」",
                "title:",
                "year:",
                "1949-1951",
                "foo:",
                ":",
                "：",
                " ",
                "　",
                "-档案",
                "org:",
                "abc",
                "?",
                "，",
                "NEAR/5",
                "W/3",
                "邻近/x",
                "前/0",
                "~2",
            ]
        ),
        max_size=20,
    ).map("".join),
)


@settings(max_examples=500, deadline=None)
@given(query_text)
def test_parse_query_raises_only_syntax_errors_and_builds_sound_trees(query: str) -> None:
    try:
        node = parse_query(query)
    except QuerySyntaxError as error:
        assert str(error)
        return
    if node is None:
        return
    for n in walk(node):
        assert isinstance(n, Term | Phrase | And | Or | Not | YearRange | Near)
        if isinstance(n, Near):
            assert n.first and n.second and 1 <= n.distance <= 100
        if isinstance(n, Term | Phrase):
            assert n.text and n.text == n.text.lower()
            assert n.field is None or n.field in FIELDS - {"year"}
        if isinstance(n, And | Or):
            assert len(n.children) >= 2
            assert not any(type(c) is type(n) for c in n.children)  # flattened
        if isinstance(n, YearRange):
            assert n.start <= n.end
    assert isinstance(positive_terms(node), list)
