"""Leak suite for the open interfaces: OAI-PMH, the catalogue of opened records, sitemaps.

Random holdings go through two rounds of random opening decisions (opened, catalogue only,
closed again); then every open interface must show exactly the public view: each record
public now listed once with its catalog fields only, each one public before and closed now
reported deleted, nothing of a record never public (not even that it exists), no text and
no personal data anywhere.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.conftest import buffered_client
from tests.contract.conftest import BACKENDS
from tests.contract.test_leaks import ID_NUMBERS, NAMES, app_on, holdings, runtime_on, visibility_of

pytestmark = [pytest.mark.both_catalogs, pytest.mark.usefixtures("catalog_url")]
SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent.parent / "fixtures" / "oai" / "harvest.xsd")))
NS = {"o": "http://www.openarchives.org/OAI/2.0/", "s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
DECISIONS = [None, "open", "catalog_only", "controlled"]
PERSONAL = [*ID_NUMBERS, "13912345678"]
OPEN_SETTINGS = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def harvest(client) -> tuple[dict[str, bool], str]:
    """A whole ListRecords harvest: {record id: deleted}, and every answer's text."""
    found: dict[str, bool] = {}
    texts = []
    args = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    while True:
        response = client.get("/oai", query_string=args)
        tree = etree.fromstring(response.data)
        assert SCHEMA.validate(tree), SCHEMA.error_log
        texts.append(etree.tostring(tree, encoding="unicode"))
        if tree.find("o:error", NS) is not None:
            assert tree.find("o:error", NS).get("code") == "noRecordsMatch"
            return found, "".join(texts)
        for header in tree.iterfind(".//o:header", NS):
            record_id = header.findtext("o:identifier", namespaces=NS).split(":", 2)[2]
            assert record_id not in found, record_id
            found[record_id] = header.get("status") == "deleted"
        token = tree.find(".//o:resumptionToken", NS)
        if token is None or not token.text:
            return found, "".join(texts)
        args = {"verb": "ListRecords", "resumptionToken": token.text}


@pytest.mark.parametrize("backend", BACKENDS)
@OPEN_SETTINGS
@given(rows=holdings(), data=st.data())
def test_open_interfaces_show_the_public_view_and_nothing_else(backend, request, rows, data):
    rounds = [
        data.draw(st.lists(st.sampled_from(DECISIONS), min_size=len(rows), max_size=len(rows))) for _ in "ab"
    ]
    by_id = {f"{r['archive']}/{r['archive_code']}": r for r in rows}
    with (
        runtime_on(backend, request, rows) as (lantai, config),
        app_on(config.with_overrides(oai_page_size=3)) as app,
    ):
        client = buffered_client(app)
        ever_public = {i for i, r in by_id.items() if visibility_of(r) != "none"}
        access = {i: r["access"] for i, r in by_id.items()}
        opened_by: dict[str, str] = {}
        for decisions in rounds:
            for (record_id, row), decision in zip(by_id.items(), decisions, strict=True):
                if decision is None:
                    continue
                lantai.decide(row["archive"], row["archive_code"], decision, "开放审核", "shen")
                access[record_id] = decision
                opened_by[record_id] = decision
                if visibility_of({**row, "access": decision}) != "none":
                    ever_public.add(record_id)
        now = {i: visibility_of({**by_id[i], "access": access[i]}) for i in by_id}
        public = {i for i, v in now.items() if v != "none"}
        shown_fields = " ".join(
            f"{by_id[i]['title']} {by_id[i]['description']} {by_id[i]['archive_code']}" for i in public
        )

        listed, text = harvest(client)
        assert {i for i, gone in listed.items() if not gone} == public
        assert {i for i, gone in listed.items() if gone} == ever_public - public
        for record_id in set(by_id) - ever_public:  # never public: not even its existence
            answer = client.get(
                "/oai",
                query_string={
                    "verb": "GetRecord",
                    "metadataPrefix": "oai_dc",
                    "identifier": f"oai:lantai:{record_id}",
                },
            ).get_data(as_text=True)
            assert 'code="idDoesNotExist"' in answer
        closed_titles = {by_id[i]["title"] for i in by_id if i not in public} - {
            by_id[i]["title"] for i in public
        }
        assert not [t for t in closed_titles if t in text]
        assert not [n for n in PERSONAL if n in text]
        assert not [n for n in NAMES if n in text and n not in shown_fields]  # no record's text

        sitemap = client.get("/sitemap-1.xml").data
        locs = {
            loc.text.split("/records/", 1)[1] for loc in etree.fromstring(sitemap).iterfind(".//s:loc", NS)
        }
        assert locs == public

        catalogue = client.get("/opened").get_data(as_text=True)
        months = sorted(set(re.findall(r'href="/opened/(\d{4}-\d\d)\.csv"', catalogue)))
        in_csv = set()
        for month in months:
            body = client.get(f"/opened/{month}.csv").data.decode("utf-8-sig")
            assert not [t for t in closed_titles if t in body] and not [n for n in PERSONAL if n in body]
            in_csv |= {f"{r['馆藏单位']}/{r['档号']}" for r in csv.DictReader(io.StringIO(body))}
        expected = {
            i for i, decision in opened_by.items() if decision in ("open", "catalog_only") and i in public
        }
        assert in_csv == expected
        feed = client.get("/opened.atom").get_data(as_text=True)
        assert not [t for t in closed_titles if t in feed]
        for record_id in public:
            page = client.get(f"/records/{record_id}").get_data(as_text=True).split("</head>")[0]
            assert not [n for n in PERSONAL if n in page]
