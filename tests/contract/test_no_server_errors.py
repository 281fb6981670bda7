"""No input answers 5xx (issue 12, point 5), on every backend.

Arbitrary strings and parameter values go to the query parser, ``/api/v1/search``,
``/search``, ``/api/v1/suggest``, ``/api/v1/search/export`` and ``lantai search``: every
answer is 200, or 400 with a message; never a server error, never a traceback. Inputs
hypothesis found are kept below as regular tests.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analyzers.query import QuerySyntaxError, parse_query
from app import create_app
from app.cli import main

#: Inputs that answered 500 (FTS5 got ``year : ()``) or printed a traceback.
FOUND = [
    "year:5",
    "year:0-0",
    "year:3000",
    "year:1-2",
    "year:9999",
    "year:-1",
    "年份:0",
    "title:x year:0-0",
    "(year:5 OR 土地) NOT year:3000",
    "year:5 -year:6",
]
PARAMS = (
    "page",
    "size",
    "archive",
    "fonds",
    "series",
    "type",
    "year_from",
    "year_to",
    "sort",
    "person",
    "place",
    "org",
)

years = st.builds(
    lambda a, sep, b: f"year:{a}{sep}{b}",
    st.integers(-5, 99999).map(str),
    st.sampled_from(["", "-", "–", "..", "至"]),
    st.one_of(st.just(""), st.integers(0, 99999).map(str)),
)
queries = st.one_of(
    st.text(max_size=60),
    years,
    st.sampled_from(FOUND),
    st.lists(
        st.sampled_from(
            [
                "土地",
                "OR",
                "NOT",
                "(",
                ")",
                '"',
                "title:",
                "year:",
                "-",
                "“",
                "：",
                "AND",
                "非",
                "NEAR/3",
                "W/0",
                '"~5',
            ]
        ),
        max_size=8,
    ).map(" ".join),
)
values = st.one_of(
    st.text(max_size=12),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["0", "-1", "1e9", "relevance", "date", "test-city", "宝鸡市档案馆", " ", "9" * 30]),
)
params = st.dictionaries(st.sampled_from(PARAMS), values, max_size=4)

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def client(lantai):
    app = create_app(lantai.settings)
    app.config.update(TESTING=True)
    return app.test_client()


@pytest.fixture
def cli(lantai, monkeypatch, capsys):
    """``lantai search`` in this process, on the test's catalog and index."""
    monkeypatch.setenv("LANTAI_DATA_DIR", str(lantai.settings.data_dir))
    monkeypatch.setenv("LANTAI_BACKEND", lantai.settings.backend)
    monkeypatch.setenv("LANTAI_OPENSEARCH_URL", lantai.settings.opensearch_url)
    monkeypatch.setenv("LANTAI_INDEX", lantai.settings.index)
    monkeypatch.setenv("LANTAI_INGEST_ENTITIES", "false")

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main(["search", *args])
        except SystemExit as exit_:  # argparse refusing an option: a usage message, exit 2
            code = exit_.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


def check_http(client, q: str, extra: dict[str, str]) -> None:
    for url in ("/api/v1/search", "/search"):
        response = client.get(url, query_string={"q": q, **extra})
        assert response.status_code in (200, 400), (url, q, extra, response.status_code)
        if response.status_code == 400:
            text = response.get_data(as_text=True)
            assert "parameter" in text, (url, q, extra)
        if url.startswith("/api/") and response.status_code == 200:
            data = response.get_json()
            assert data["total"] >= len(data["hits"])
    suggest = client.get("/api/v1/suggest", query_string={"q": q, **extra})
    assert suggest.status_code == 200, (q, suggest.status_code)
    export = client.get("/api/v1/search/export", query_string={"format": "ris", "q": q, **extra})
    assert export.status_code in (200, 400), (q, extra, export.status_code)
    if export.status_code == 400:
        assert export.get_json()["parameter"] in (*PARAMS, "q"), (q, extra)


def check_cli(cli, q: str, extra: dict[str, str]) -> None:
    args = [f"--{name}={value}" for name, value in extra.items() if name in ("size", "page", "archive")]
    code, out, err = cli("--json", *args, "--", q)
    assert "Traceback" not in err, err
    assert code in (0, 2), (q, extra, code, err)
    if code == 0:
        assert "total" in json.loads(out)
    else:
        assert err.strip(), (q, extra)


@given(q=queries)
@settings(max_examples=300, deadline=None)
@example(q="\x00")
def test_the_parser_raises_nothing_but_syntax_errors(q):
    try:
        parse_query(q)
    except QuerySyntaxError as error:  # a malformed proximity: answered 400 naming it
        assert str(error)


@pytest.mark.parametrize("q", FOUND)
def test_found_inputs_answer_200(client, cli, q):
    check_http(client, q, {})
    assert client.get("/api/v1/search", query_string={"q": q}).status_code == 200
    assert client.get("/search", query_string={"q": q}).status_code == 200
    code, out, err = cli("--json", "--", q)
    assert code == 0 and "Traceback" not in err, err
    assert json.loads(out)["total"] == 0 or q.startswith("(")


@PROPERTY
@given(q=queries, extra=params)
def test_no_input_answers_a_server_error(client, cli, q, extra):
    check_http(client, q, extra)
    check_cli(cli, q, extra)
