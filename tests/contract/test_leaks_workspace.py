"""Leak suite, the researcher's workspace: records saved into topic folders and saved searches,
then closed (or reduced to 目录开放), never reappear through any workspace route, on every
backend and both catalogs.

Random holdings (as in :mod:`tests.contract.test_leaks`) are first all open; a researcher
saves every record into a folder with an excerpt of its text, saves searches made of the
records' words, and shares the folder; then reviewers close some records and reduce others
to catalog-only. After that, no workspace answer (API, pages, share link) shows a closed
record's title or text, an excerpt of a record whose text is no longer open, or counts a
closed record in a total or in new hits.
"""

from __future__ import annotations

import io

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app, lantai_of
from catalog.policy import PUBLIC
from search.params import parse_request
from tests.conftest import buffered_client
from tests.contract.conftest import BACKENDS
from tests.contract.test_leaks import NAMES, WORDS, holdings, runtime_on

PASSWORD = "correct horse battery"
pytestmark = [pytest.mark.both_catalogs, pytest.mark.usefixtures("catalog_url")]

WORKSPACE_SETTINGS = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def shown_now(rows: list[dict], fate: dict[str, str]) -> str:
    """Everything the public may now see of the records: full records with their text,
    catalog-only ones with their catalog fields."""
    parts = []
    for row in rows:
        key = f"{row['archive']}/{row['archive_code']}"
        if fate[key] == "controlled":
            continue
        parts += [row["title"], row["archive_code"], row["description"]]
        if fate[key] == "open":
            parts.append(row["text"])
    return "\n".join(parts)


@pytest.mark.parametrize("backend", BACKENDS)
@WORKSPACE_SETTINGS
@given(rows=holdings(), data=st.data())
def test_saved_records_closed_later_never_reappear_in_the_workspace(backend, request, rows, data):
    opened = [dict(row, access="open", classification="无") for row in rows]
    with runtime_on(backend, request, opened) as (_lantai, config):
        app = create_app(config)
        lantai = lantai_of(app)
        request.addfinalizer(lantai.close)
        client = buffered_client(app)
        researcher = lantai.users.add("res1", "researcher", PASSWORD)
        lantai.users.add("boss", "admin", PASSWORD, ("*",), clearance=True)
        me = {"Authorization": f"Bearer {lantai.users.create_token('res1')}"}

        folder = client.post("/api/v1/me/folders", json={"name": "专题"}, headers=me).get_json()["id"]
        for row in opened:
            key = f"{row['archive']}/{row['archive_code']}"
            added = client.post(
                f"/api/v1/me/folders/{folder}/items",
                json={
                    "record_id": key,
                    "note": f"note-{row['archive_code']}",
                    "excerpt": row["text"].split("，")[0],
                },
                headers=me,
            )
            assert added.status_code == 201, added.get_json()
        queries = sorted({w for row in rows for w in WORDS + NAMES if w in row["title"] + row["text"]})[:4]
        for q in queries:
            saved = client.post("/api/v1/me/searches", json={"name": q, "query": q}, headers=me)
            assert saved.status_code == 201
        token = lantai.workspace.share(researcher, folder, True, share_notes=False)

        fate = {}
        for row in opened:
            key = f"{row['archive']}/{row['archive_code']}"
            fate[key] = data.draw(st.sampled_from(["open", "catalog_only", "controlled"]), label=key)
            if fate[key] != "open":
                lantai.decide(row["archive"], row["archive_code"], fate[key], "复审", "boss")
        closed = {k for k, f in fate.items() if f == "controlled"}
        visible = shown_now(opened, fate)
        hidden_titles = [r["title"] for r in opened if f"{r['archive']}/{r['archive_code']}" in closed]
        hidden_titles = [t for t in hidden_titles if t not in visible]
        # Names only closed records hold (a saved search's own query excepted: the researcher typed it).
        hidden_words = [n for n in NAMES if n not in visible and n not in queries]

        folder_api = client.get(f"/api/v1/me/folders/{folder}", headers=me)
        for item in folder_api.get_json()["items"]:
            if item["available"]:
                assert item["record"]["id"] not in closed
                if fate[item["record"]["id"]] == "catalog_only":
                    assert item["excerpt"] == "" and item["pages"] == []
            else:
                assert set(item) == {"id", "position", "available", "archive_code", "note"}, item
                assert any(k.endswith("/" + item["archive_code"]) for k in closed), item
        assert sum(i["available"] for i in folder_api.get_json()["items"]) == len(fate) - len(closed)

        searches = client.get("/api/v1/me/searches", headers=me).get_json()["searches"]
        for saved in searches:
            now = lantai.search.search(parse_request({"q": saved["query"], "size": "100"}, config), PUBLIC)
            assert saved["total"] == now["total"]
            assert not {h["id"] for h in now["hits"]} & closed
            assert saved["new_hits"] == 0  # closing or reducing a record never makes it new

        shared = client.get(f"/shared/{token}")
        bodies = {
            "api folder": folder_api.get_data(as_text=True),
            "api folders": client.get("/api/v1/me/folders", headers=me).get_data(as_text=True),
            "api searches": client.get("/api/v1/me/searches", headers=me).get_data(as_text=True),
            "workspace page": client.get("/me", headers=me).get_data(as_text=True),
            "folder page": client.get(f"/me/folders/{folder}", headers=me).get_data(as_text=True),
            "share link": shared.get_data(as_text=True),
        }
        for name in ("csv", "json", "ris", "docx"):  # the folder's exports (专题导出)
            exported = client.get(f"/api/v1/me/folders/{folder}/export?format={name}", headers=me)
            assert exported.status_code == 200, (name, exported.data[:200])
            assert exported.headers["X-Export-Count"] == str(len(fate))
            bodies[f"{name} export"] = (
                "\n".join(p.text for p in docx.Document(io.BytesIO(exported.data)).paragraphs)
                if name == "docx"
                else exported.data.decode("utf-8-sig")
            )
        for where, body in bodies.items():
            for title in hidden_titles:
                assert title not in body, (where, title)
            for word in hidden_words:
                assert word not in body, (where, word)
        for key in closed:
            assert key.split("/", 1)[1] not in bodies["share link"]  # not even the 档号
        assert "note-" not in bodies["share link"]  # notes were not shared
