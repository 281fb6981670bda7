"""OAI-PMH 2.0 at /oai: union catalogues harvest the public holdings.

Every answer is validated against the protocol's XML schemas (tests/fixtures/oai); a real
harvesting client (sickle) harvests the whole repository over HTTP, then again incrementally.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from sickle import Sickle
from werkzeug.serving import make_server

from app import create_app, lantai_of
from catalog import public_views
from tests.conftest import buffered_client, record, write_jsonl

pytestmark = pytest.mark.both_catalogs
SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "fixtures" / "oai" / "harvest.xsd")))
NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}
ROWS = [
    record("J1-1", "宝鸡县土地改革工作报告", fonds="J1", text="土地改革全文", subjects=["土地改革"]),
    record("J1-2", "凤翔县土地改革总结", fonds="J1", date="1951", creator="凤翔县委"),
    record("J1-3", "机要情况的通报", fonds="J1", classification="机密", text="机要"),
    record(
        "J1-4",
        "关于土地改革复查的报告",
        fonds="J1",
        access="catalog_only",
        text="复查中发现赵秘云隐匿财产",
        description="土地改革复查",
    ),
    record("J2-1", "未开放的会议记录", fonds="J2", access="unreviewed"),
    record("J2-2", "扫盲运动总结", fonds="J2", record_type="红色档案"),
    record(
        "J2-3", "兴修水利的报告", fonds="J2", archive="fx-county", description="身份证 11010519491231002X"
    ),
]
PUBLIC_IDS = {"test-city/J1-1", "test-city/J1-2", "test-city/J1-4", "test-city/J2-2", "fx-county/J2-3"}


class Clock:
    """The catalog's datestamps, set by the test (each write of the public view uses it)."""

    def __init__(self, monkeypatch, now: str) -> None:
        self.now = now
        monkeypatch.setattr(public_views, "stamp", lambda when=None: self.now)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, "2026-01-01T00:00:00Z")


@pytest.fixture
def repo(settings, tmp_path, clock):
    """An app on the rows above, answering OAI-PMH two records a page."""
    app = create_app(settings.with_overrides(oai_page_size=2, mail_from="archives@example.org"))
    lantai = lantai_of(app)
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS)]).failed == 0
    yield buffered_client(app)
    lantai.close()


def oai(client, **args):
    """One request, its answer checked against the schemas; returns the parsed answer."""
    response = client.get("/oai", query_string=args)
    assert response.status_code == 200 and response.mimetype == "text/xml"
    tree = etree.fromstring(response.data)
    assert SCHEMA.validate(tree), SCHEMA.error_log
    return tree


def error_code(tree) -> str | None:
    found = tree.find("o:error", NS)
    return None if found is None else found.get("code")


def harvest(client, verb="ListIdentifiers", **args) -> tuple[list, list]:
    """Every header of a list, following its resumption tokens; and the tokens' attributes."""
    headers, tokens = [], []
    tree = oai(client, verb=verb, metadataPrefix="oai_dc", **args)
    while True:
        assert error_code(tree) is None, etree.tostring(tree)
        headers += tree.findall(".//o:header", NS)
        token = tree.find(".//o:resumptionToken", NS)
        if token is None:
            return headers, tokens
        tokens.append((token.text or "", token.get("cursor"), token.get("completeListSize")))
        if not token.text:
            return headers, tokens
        tree = oai(client, verb=verb, resumptionToken=token.text)


def ids(headers) -> list[str]:
    return [h.findtext("o:identifier", namespaces=NS).removeprefix("oai:lantai:") for h in headers]


def deleted(headers) -> set[str]:
    return {i for i, h in zip(ids(headers), headers, strict=True) if h.get("status") == "deleted"}


def test_identify_formats_and_sets_describe_the_repository(repo):
    identify = oai(repo, verb="Identify").find("o:Identify", NS)
    assert identify.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.findtext("o:earliestDatestamp", namespaces=NS) == "2026-01-01T00:00:00Z"
    assert identify.findtext("o:baseURL", namespaces=NS) == "http://localhost/oai"
    formats = oai(repo, verb="ListMetadataFormats", identifier="oai:lantai:test-city/J1-1")
    assert [p.text for p in formats.iterfind(".//o:metadataPrefix", NS)] == ["oai_dc"]
    sets = [s.text for s in oai(repo, verb="ListSets").iterfind(".//o:setSpec", NS)]
    # one per archive, per fonds within it, per record type; none made of closed records only
    assert sets == [
        "archive:fx-county",
        "archive:fx-county:J2",
        "archive:test-city",
        "archive:test-city:J1",
        "archive:test-city:J2",
        "type:hongsedangan",
        "type:wenshu",
    ]
    assert ids(harvest(repo, set="archive:test-city:J2")[0]) == ["test-city/J2-2"]
    assert set(ids(harvest(repo, set="type:wenshu")[0])) == PUBLIC_IDS - {"test-city/J2-2"}
    assert ids(harvest(repo, set="archive:fx-county")[0]) == ["fx-county/J2-3"]


def test_lists_come_a_page_at_a_time_with_cursor_and_complete_list_size(repo, monkeypatch):
    store = lantai_of(repo.application).store
    fetched: list[int] = []
    get_many = store.get_many

    def counted(wanted):
        wanted = list(wanted)
        fetched.append(len(wanted))
        return get_many(wanted)

    monkeypatch.setattr(store, "get_many", counted)
    headers, tokens = harvest(repo, verb="ListRecords")
    assert sorted(ids(headers)) == sorted(PUBLIC_IDS)
    assert [(cursor, size) for _, cursor, size in tokens] == [("0", "5"), ("2", "5"), ("4", "5")]
    assert tokens[-1][0] == "" and all(t for t, _, _ in tokens[:-1])
    assert max(fetched) <= 3  # a page's records (and one to tell whether more follow), never all


def test_records_give_their_public_catalog_fields_only(repo):
    tree = oai(repo, verb="GetRecord", identifier="oai:lantai:test-city/J1-4", metadataPrefix="oai_dc")
    dc = {e.tag.split("}")[1]: e.text for e in tree.find(".//o:metadata", NS)[0]}
    assert dc["title"] == "关于土地改革复查的报告" and dc["description"] == "土地改革复查"
    assert dc["rights"].startswith("目录开放")
    assert "赵秘云" not in etree.tostring(tree, encoding="unicode")  # in its text only
    masked = etree.tostring(
        oai(repo, verb="GetRecord", identifier="oai:lantai:fx-county/J2-3", metadataPrefix="oai_dc"),
        encoding="unicode",
    )
    assert "11010519491231002X" not in masked and "兴修水利的报告" in masked


def test_closed_records_answer_exactly_like_records_that_do_not_exist(repo):
    def answer(identifier: str) -> bytes:
        tree = oai(repo, verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc")
        assert error_code(tree) == "idDoesNotExist"
        for node in tree.iter():
            if node.tag.endswith(("responseDate", "request", "error")):
                node.text = node.text.replace(identifier, "ID") if node.text else node.text
            node.attrib.pop("identifier", None)
        tree.find("o:responseDate", NS).text = "T"
        return etree.tostring(tree)

    missing = answer("oai:lantai:test-city/NOPE-1")
    assert answer("oai:lantai:test-city/J1-3") == missing  # classified
    assert answer("oai:lantai:test-city/J2-1") == missing  # unreviewed
    assert answer("oai:elsewhere:test-city/J1-1") == missing
    assert not {"test-city/J1-3", "test-city/J2-1"} & set(ids(harvest(repo)[0]))


def test_a_record_closed_again_is_reported_deleted_from_then_on(repo, clock, tmp_path):
    lantai = lantai_of(repo.application)
    clock.now = "2026-02-01T08:00:00Z"
    lantai.decide("test-city", "J1-2", "controlled", "涉及个人隐私", "shen")
    tree = oai(repo, verb="GetRecord", identifier="oai:lantai:test-city/J1-2", metadataPrefix="oai_dc")
    header = tree.find(".//o:header", NS)
    assert header.get("status") == "deleted" and tree.find(".//o:metadata", NS) is None
    assert header.findtext("o:datestamp", namespaces=NS) == "2026-02-01T08:00:00Z"
    assert "凤翔县土地改革总结" not in etree.tostring(tree, encoding="unicode")
    # removed from the catalog: deleted too, and both stay deleted in every later list
    clock.now = "2026-03-01T00:00:00Z"
    lantai.store.remove([("test-city", "J2-2")])
    headers, _ = harvest(repo, verb="ListRecords", **{"from": "2026-02-01"})
    assert ids(headers) == ["test-city/J1-2", "test-city/J2-2"]
    assert deleted(headers) == {"test-city/J1-2", "test-city/J2-2"}
    assert deleted(harvest(repo)[0]) == {"test-city/J1-2", "test-city/J2-2"}


def test_datestamps_move_when_the_public_view_changes_and_only_then(repo, clock, tmp_path):
    lantai = lantai_of(repo.application)
    clock.now = "2026-04-01T00:00:00Z"
    changed = [dict(row) for row in ROWS]
    changed[0]["title"] = "宝鸡县土地改革工作总报告"  # a public record's catalog field
    changed[4]["title"] = "仍未开放的会议记录"  # a closed record: nothing public changes
    changed[3]["text"] = "复查材料另有增补"  # the text of a 目录开放 record: not public either
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "again.jsonl", changed)]).failed == 0
    assert ids(harvest(repo, **{"from": "2026-03-31T23:59:59Z"})[0]) == ["test-city/J1-1"]
    assert error_code(oai(repo, verb="ListRecords", metadataPrefix="oai_dc", until="2025-12-31")) == (
        "noRecordsMatch"
    )
    clock.now = "2026-05-01T00:00:00Z"
    lantai.decide("test-city", "J2-1", "open", "期满开放", "shen")  # opened: listed from now on
    newest = harvest(
        repo, verb="ListRecords", **{"from": "2026-05-01T00:00:00Z", "until": "2026-05-01T00:00:00Z"}
    )
    assert ids(newest[0]) == ["test-city/J2-1"] and not deleted(newest[0])


def test_a_harvest_in_progress_stays_right_while_records_change(repo, clock):
    lantai = lantai_of(repo.application)
    first = oai(repo, verb="ListIdentifiers", metadataPrefix="oai_dc")
    seen = ids(first.findall(".//o:header", NS))
    token = first.find(".//o:resumptionToken", NS).text
    # meanwhile: a record opened, one not yet listed closed again, one already listed changed
    clock.now = "2026-06-01T00:00:00Z"
    lantai.decide("test-city", "J2-1", "open", "期满开放", "shen")
    assert "test-city/J2-2" not in seen  # last in (datestamp, archive, 档号) order
    lantai.decide("test-city", "J2-2", "controlled", "复审", "shen")
    lantai.decide(*seen[0].split("/"), "catalog_only", "目录开放", "shen")
    rest: list[str] = []
    tree = oai(repo, verb="ListIdentifiers", resumptionToken=token)
    while True:
        rest += ids(tree.findall(".//o:header", NS))
        token = tree.find(".//o:resumptionToken", NS)
        if token is None or not token.text:
            break
        tree = oai(repo, verb="ListIdentifiers", resumptionToken=token.text)
    listed = seen + rest
    assert len(listed) == len(set(listed))  # nothing twice, nothing skipped that did not change
    assert set(listed) == PUBLIC_IDS - {"test-city/J2-2"}
    # the next incremental harvest picks up all three changes
    later = harvest(repo, **{"from": "2026-06-01T00:00:00Z"})[0]
    assert set(ids(later)) == {"test-city/J2-1", "test-city/J2-2", seen[0]}
    assert deleted(later) == {"test-city/J2-2"}


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": ["Identify", "Identify"]}, "badVerb"),
        ({"verb": "Identify", "extra": "1"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-13-45"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2026-01-01",
                "until": "2026-01-02T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-02-01", "until": "2026-01-01"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "bad set"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "archive:nowhere"}, "noRecordsMatch"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        ({"verb": "ListRecords", "metadataPrefix": "0", "from": ""}, "badArgument"),  # echoes no from=""
        (
            {"verb": "GetRecord", "identifier": "oai:lantai:test-city/J1-1", "metadataPrefix": "mods"},
            "cannotDisseminateFormat",
        ),
        ({"verb": "GetRecord", "identifier": "oai:lantai:test-city/J1-1"}, "badArgument"),
        ({"verb": "GetRecord", "identifier": "nonsense", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
        ({"verb": "ListMetadataFormats", "identifier": "oai:lantai:test-city/J2-1"}, "idDoesNotExist"),
        ({"verb": "ListIdentifiers", "resumptionToken": "x" * 100_000}, "badResumptionToken"),
        ({"verb": "ListIdentifiers", "resumptionToken": "e30.AAAA"}, "badResumptionToken"),
        ({"verb": "ListIdentifiers", "resumptionToken": "abc", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListSets", "resumptionToken": "abc"}, "badResumptionToken"),
    ],
)
def test_protocol_errors_as_the_specification_says(repo, args, code):
    tree = oai(repo, **args)
    assert error_code(tree) == code
    request = tree.find("o:request", NS)
    if code in ("badVerb", "badArgument"):
        assert dict(request.attrib) == {}  # such an answer echoes no argument
    else:
        assert request.get("verb") == args["verb"]


def test_a_forged_or_altered_token_is_refused_and_a_token_serves_its_own_verb_only(repo):
    token = oai(repo, verb="ListRecords", metadataPrefix="oai_dc").find(".//o:resumptionToken", NS).text
    body, signature = token.split(".")
    tampered = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + signature
    for bad in (tampered, body + "." + signature[::-1], token + "x"):
        assert error_code(oai(repo, verb="ListRecords", resumptionToken=bad)) == "badResumptionToken"
    assert error_code(oai(repo, verb="ListIdentifiers", resumptionToken=token)) == "badResumptionToken"
    assert error_code(oai(repo, verb="ListRecords", resumptionToken=token)) is None


def test_post_requests_are_answered_like_get(repo):
    response = repo.post("/oai", data={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    tree = etree.fromstring(response.data)
    assert SCHEMA.validate(tree) and len(tree.findall(".//o:header", NS)) == 2


@contextmanager
def served(app):
    """The app on a real HTTP server on 127.0.0.1 (a thread), for a real harvesting client."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/oai"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_a_harvesting_client_harvests_everything_then_only_what_changed(repo, clock):
    lantai = lantai_of(repo.application)
    with served(repo.application) as base_url:
        client = Sickle(base_url, max_retries=0, timeout=30)
        assert client.Identify().deletedRecord == "persistent"
        first = {r.header.identifier: r for r in client.ListRecords(metadataPrefix="oai_dc")}
        assert {i.removeprefix("oai:lantai:") for i in first} == PUBLIC_IDS
        assert first["oai:lantai:test-city/J1-2"].metadata["creator"] == ["凤翔县委"]
        assert "text" not in first["oai:lantai:test-city/J1-4"].metadata

        clock.now = "2026-07-01T00:00:00Z"
        lantai.decide("test-city", "J2-1", "open", "期满开放", "shen")
        lantai.decide("test-city", "J1-1", "controlled", "发现涉密内容", "shen")
        since = {"metadataPrefix": "oai_dc", "from": "2026-07-01T00:00:00Z"}
        second = {r.header.identifier: r for r in client.ListRecords(ignore_deleted=False, **since)}
    assert set(second) == {"oai:lantai:test-city/J2-1", "oai:lantai:test-city/J1-1"}
    assert second["oai:lantai:test-city/J1-1"].deleted and not second["oai:lantai:test-city/J2-1"].deleted
    assert second["oai:lantai:test-city/J2-1"].metadata["title"] == ["未开放的会议记录"]


def test_an_empty_repository_answers_every_verb_as_the_specification_says(settings, clock):
    app = create_app(settings.with_overrides(mail_from="archives@example.org"))
    client = buffered_client(app)
    try:
        assert oai(client, verb="Identify").findtext(".//o:earliestDatestamp", namespaces=NS) == clock.now
        assert error_code(oai(client, verb="ListSets")) == "noSetHierarchy"
        for verb in ("ListRecords", "ListIdentifiers"):
            assert error_code(oai(client, verb=verb, metadataPrefix="oai_dc")) == "noRecordsMatch"
        assert error_code(oai(client, verb="ListMetadataFormats")) is None
    finally:
        lantai_of(app).close()


def test_every_answer_is_well_formed_whatever_characters_a_record_holds(settings, tmp_path, clock):
    app = create_app(settings.with_overrides(mail_from="archives@example.org"))
    lantai = lantai_of(app)
    rows = [record("J9-1", "控制字符\x0b与<标签>&符号", description="\x01摘要]]>")]
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "odd.jsonl", rows)]).failed == 0
    tree = oai(buffered_client(app), verb="ListRecords", metadataPrefix="oai_dc")
    lantai.close()
    assert tree.findtext(".//dc:title", namespaces=NS) == "控制字符与<标签>&符号"
    assert re.search("摘要", tree.findtext(".//dc:description", namespaces=NS))


ARGUMENTS = ["verb", "metadataPrefix", "identifier", "from", "until", "set", "resumptionToken", "x"]
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "ListRecords",
            "ListIdentifiers",
            "GetRecord",
            "ListSets",
            "Identify",
            "ListMetadataFormats",
            "oai_dc",
            "oai:lantai:test-city/J1-1",
            "oai:lantai:test-city/J1-3",
            "2026-01-01",
            "2026-01-01T00:00:00Z",
            "2026-02-30",
            "9999-99-99T99:99:99Z",
            "archive:test-city",
            "type:wenshu",
            "e30.AAAA",
            "x" * 5000,
        ]
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=st.dictionaries(st.sampled_from(ARGUMENTS), VALUES, max_size=5), post=st.booleans())
def test_no_input_answers_anything_but_a_valid_oai_pmh_answer(repo, args, post):
    response = repo.post("/oai", data=args) if post else repo.get("/oai", query_string=args)
    assert response.status_code == 200
    tree = etree.fromstring(response.data)
    assert SCHEMA.validate(tree), (args, SCHEMA.error_log)
