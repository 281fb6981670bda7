"""Leak suite, access grants (查阅许可): records granted to one researcher never reach the public
or another researcher through any route, on every backend and both catalogs.

Random holdings (as in :mod:`tests.contract.test_leaks`, their text read from PDFs); staff of
``city-a`` grant researcher ``res1`` some of its records (classified ones are refused), with
personal data shown or not. Then ``res1`` reads exactly those, masked unless the grant says
otherwise, never a page image or file beyond the public's; search answers ``res1`` exactly as
it answers the public (grants open records, not search); the public and ``res2`` get, for
every granted record, the answers of a missing one; a share link of ``res1``'s folder holds
nothing of them; once revoked, the records answer ``res1`` like missing ones again.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from app import create_app, lantai_of
from catalog.grants import GrantRefused
from tests.conftest import answer_without_path, buffered_client
from tests.contract.conftest import BACKENDS
from tests.contract.test_leaks import ID_NUMBERS, queries_for, runtime_on, visibility_of
from tests.contract.test_leaks_workspace import WORKSPACE_SETTINGS

PASSWORD = "correct horse battery"
PERSONAL = [*ID_NUMBERS, "13912345678"]
pytestmark = [pytest.mark.both_catalogs, pytest.mark.usefixtures("catalog_url")]
#: As the workspace's leak suite, without shrinking (an example makes PDFs and a catalog:
#: shrinking one that fails takes many minutes; the failing example is printed whole).
GRANT_SETTINGS = settings(WORKSPACE_SETTINGS, phases=(Phase.explicit, Phase.reuse, Phase.generate))


def key(row: dict) -> str:
    return f"{row['archive']}/{row['archive_code']}"


@pytest.mark.parametrize("backend", BACKENDS)
@GRANT_SETTINGS
@given(data=st.data())
def test_granted_records_reach_their_researcher_only(backend, request, data):
    from tests.contract.test_leaks import holdings

    rows = data.draw(holdings(), label="rows")
    with runtime_on(backend, request, rows, pdfs=True) as (_lantai, config):
        app = create_app(config)
        lantai = lantai_of(app)
        request.addfinalizer(lantai.close)
        client = buffered_client(app)
        for name in ("res1", "res2"):
            lantai.users.add(name, "researcher", PASSWORD)
        lantai.users.add("clerk-a", "staff", PASSWORD, ("city-a",))
        headers = {
            name: {"Authorization": f"Bearer {lantai.users.create_token(name)}"} for name in ("res1", "res2")
        }
        headers["public"] = {}

        grants = lantai.store.grants()
        candidates = [r for r in rows if r["archive"] == "city-a"]
        chosen = (
            data.draw(st.lists(st.sampled_from(candidates), unique_by=key), label="granted")
            if candidates
            else []
        )
        unmask = data.draw(st.booleans(), label="unmask")
        granted = set()
        for row in chosen:
            try:
                grants.grant(
                    "res1",
                    [key(row)],
                    date.today() + timedelta(days=7),
                    "编史修志",
                    "clerk-a",
                    unmask_personal=unmask,
                    personal_reason="本人档案" if unmask else None,
                )
                granted.add(key(row))
            except GrantRefused:
                assert row["classification"] != "无"  # only classified records are refused
        # closed to the public, opened to res1 by a grant
        opened = {key(r) for r in rows if key(r) in granted and visibility_of(r) != "full"}
        closed = {key(r) for r in rows if visibility_of(r) == "none"}

        missing_id = "city-a/NOPE-0000"

        def answer_to(url: str, who: str) -> tuple:
            """Status, body and headers (a session cookie's value aside) of a GET."""
            status, body, sent = answer_without_path(client.get(url, headers=headers[who]), url)
            return status, body, {k: ("…" if k == "Set-Cookie" else v) for k, v in sent.items()}

        def like_missing(record_id: str, who: str) -> None:
            """``record_id`` answers ``who`` exactly as a record that does not exist."""
            for url in ("/records/{}", "/api/v1/records/{}"):
                assert answer_to(url.format(record_id), who)[0] == 404, (who, record_id)
                assert answer_to(url.format(record_id), who) == answer_to(url.format(missing_id), who), (
                    who,
                    record_id,
                )

        for row in rows:
            record_id = key(row)
            for who in ("public", "res2"):
                if record_id in closed:
                    like_missing(record_id, who)
                # originals: never more than the public's, to anyone holding no staff role
            for who in ("public", "res1", "res2"):
                image = client.get(f"/records/{record_id}/pages/1.png", headers=headers[who])
                public_image = client.get(f"/records/{record_id}/pages/1.png")
                assert image.status_code == public_image.status_code, (who, record_id)
            if record_id in opened:
                answer = client.get(f"/api/v1/records/{record_id}", headers=headers["res1"]).get_json()
                assert answer["visibility"] == "full" and "access" not in answer, record_id  # no staff view
                assert lantai.search.pages(record_id, lantai.users.get("res1").audience)["count"] > 0
                page = client.get(f"/records/{record_id}", headers=headers["res1"])
                assert page.status_code == 200 and "private" in page.headers["Cache-Control"]
                body = page.get_data(as_text=True) + (answer["text"] or "")
                shown = [n for n in PERSONAL if n in body]
                assert not shown or unmask, (record_id, shown)
                assert unmask or not any(n in row["text"] for n in PERSONAL) or "*" in body
            elif record_id in closed:
                like_missing(record_id, "res1")

        # search, suggestions and search exports: res1's and res2's answers are the public's
        queries = sorted({q for row in rows for q in queries_for(row)[:3]})
        for q in queries:
            public = client.get("/api/v1/search", query_string={"q": q, "size": 100}).get_json()
            assert not {h["id"] for h in public["hits"]} & closed
            for who in ("res1", "res2"):
                mine = client.get("/api/v1/search", query_string={"q": q, "size": 100}, headers=headers[who])
                assert mine.get_json() == public, (who, q)
            suggested = client.get("/api/v1/suggest", query_string={"q": q[:3]}).get_json()
            for who in ("res1", "res2"):
                assert (
                    client.get("/api/v1/suggest", query_string={"q": q[:3]}, headers=headers[who]).get_json()
                    == suggested
                )
            exported = client.get(
                "/api/v1/search/export", query_string={"q": q, "format": "json"}, headers=headers["res2"]
            )
            public_export = client.get("/api/v1/search/export", query_string={"q": q, "format": "json"})
            assert exported.data == public_export.data, q

        # res2 can neither file a granted record nor see res1's grants
        folder = client.post("/api/v1/me/folders", json={"name": "专题"}, headers=headers["res2"]).get_json()[
            "id"
        ]
        for record_id in opened & closed:
            added = client.post(
                f"/api/v1/me/folders/{folder}/items", json={"record_id": record_id}, headers=headers["res2"]
            )
            assert added.status_code == 404
        assert client.get("/api/v1/me/grants", headers=headers["res2"]).get_json() == {"grants": []}

        # res1 files them, and shares the folder: the link holds nothing of the closed ones
        mine = client.post("/api/v1/me/folders", json={"name": "许可"}, headers=headers["res1"]).get_json()[
            "id"
        ]
        for record_id in sorted(opened):
            added = client.post(
                f"/api/v1/me/folders/{mine}/items", json={"record_id": record_id}, headers=headers["res1"]
            )
            assert added.status_code == 201, added.get_json()
        link = client.post(f"/api/v1/me/folders/{mine}/share", json={}, headers=headers["res1"]).get_json()[
            "url"
        ]
        shared = client.get(link).get_data(as_text=True)
        visible_titles = {r["title"] for r in rows if key(r) not in closed}
        for row in rows:
            if key(row) in opened & closed and row["title"] not in visible_titles:
                assert row["title"] not in shared, row["title"]

        # revoked: what the grants opened answers res1 like a missing record again
        for grant in grants.grants(user="res1"):
            grants.revoke(grant.id, "clerk-a")
        for record_id in opened & closed:
            like_missing(record_id, "res1")
