"""Leak suite, online exhibitions (网上展览): random holdings, every record an item of a
published exhibition (its first page, with a curator's caption). On every backend and both
catalogs the public page shows exactly the items whose record the public may see: a closed
record's title, 档号, text and its item's caption never appear, a page image is shown exactly
where the page image route serves it, a record closed again leaves at once, and a draft
answers exactly like an unknown slug."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings

from app import create_app, lantai_of
from catalog.exhibition_spec import read_spec
from tests.conftest import answer_without_path, buffered_client
from tests.contract.conftest import BACKENDS
from tests.contract.test_leaks import holdings, runtime_on, visibility_of

pytestmark = [pytest.mark.both_catalogs, pytest.mark.usefixtures("catalog_url")]

#: Fewer examples than the search leak suite: each one draws PDFs and renders page images.
EXHIBITION_SETTINGS = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def exhibition_of(rows: list[dict], slug: str, published: bool = True):
    """Every row an item on its first page, captioned ``展品说明N``."""
    items = [
        {"record": f"{row['archive']}/{row['archive_code']}", "page": 1, "caption": f"展品说明{n}"}
        for n, row in enumerate(rows)
    ]
    sections = [{"title": "单元", "items": items}]
    return read_spec({"slug": slug, "title": "展览", "published": published, "sections": sections})


def leaked(body: str, rows: list[dict], shown_ids: set[str]) -> list[str]:
    """What of a record the public may not see appears in ``body``: its id, its title or
    its 档号 (when no visible record carries the same), its item's caption."""
    visible = "\n".join(
        f"{r['title']} {r['archive_code']} {r['text']}" for r in rows if visibility_of(r) != "none"
    )
    found = []
    for n, row in enumerate(rows):
        record_id = f"{row['archive']}/{row['archive_code']}"
        if record_id in shown_ids:
            continue
        found += [text for text in (record_id, f"展品说明{n}<") if text in body]
        found += [
            text for text in (row["title"], row["archive_code"]) if text in body and text not in visible
        ]
    return found


@pytest.mark.parametrize("backend", BACKENDS)
@EXHIBITION_SETTINGS
@given(rows=holdings())
def test_exhibition_pages_show_only_public_items_and_only_servable_images(backend, request, rows):
    public = {f"{r['archive']}/{r['archive_code']}" for r in rows if visibility_of(r) != "none"}
    with runtime_on(backend, request, rows, pdfs=True) as (lantai, config):
        app = create_app(config)
        request.addfinalizer(lantai_of(app).close)
        client = buffered_client(app)
        store = lantai.store.exhibitions()
        store.create(exhibition_of(rows, "zhan"), "test")
        store.create(exhibition_of(rows, "draft", published=False), "test")

        answer = client.get("/exhibitions/zhan")
        body = answer.get_data(as_text=True)
        assert answer.status_code == 200
        shown = set(re.findall(r'<p class="source"><a href="/records/([^"]+)"', body))
        assert shown == public
        assert leaked(body, rows, shown) == []
        for record_id in public:
            image = f"/records/{record_id}/pages/1.png"
            assert (f'src="{image}"' in body) == (client.get(image).status_code == 200), record_id

        missing = answer_without_path(client.get("/exhibitions/nothing"), "/exhibitions/nothing")
        assert answer_without_path(client.get("/exhibitions/draft"), "/exhibitions/draft") == missing
        assert 'href="/exhibitions/draft"' not in client.get("/exhibitions").get_data(as_text=True)

        for record_id in sorted(public)[:1]:  # closed again: gone at once, image and all
            archive, _, code = record_id.partition("/")
            lantai.decide(archive, code, "controlled", "重新控制", "test")
            body = client.get("/exhibitions/zhan").get_data(as_text=True)
            closed = [
                {**r, "access": "controlled"} if (r["archive"], r["archive_code"]) == (archive, code) else r
                for r in rows
            ]
            assert leaked(body, closed, public - {record_id}) == []
            assert f"/records/{record_id}" not in body
