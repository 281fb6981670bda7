"""Leak suite: random holdings, queries made of the records' own words, on every backend.

For the anonymous public, no record whose visibility is ``none`` may appear anywhere
(hits, totals, facet counts, suggestions, record pages, page images, of PDFs and of the scans
hOCR files name, and the boxes of matches on them, original files, search exports in every
format), and
a ``catalog`` record never matches on, nor shows, its text (nor its pages' images or its
file). No page with personal data is served as an image, no file with it is downloaded.
A staff member of one archive sees nothing closed of another.
"""

from __future__ import annotations

import csv
import html
import io
import json
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzers.normalize import normalize
from analyzers.pii import is_resident_id
from app import create_app, lantai_of
from app.citation import citation
from app.runtime import open_lantai
from catalog.policy import PUBLIC, Audience, public_visibility
from config import load_settings
from search.params import parse_request
from search.query_terms import term_tokens
from tests.conftest import answer_without_path, buffered_client, postgres_database, write_jsonl
from tests.contract.conftest import BACKENDS
from tests.fixtures.ingest import make
from tests.test_exports import parse_ris

WORDS = [
    "土地",
    "水利",
    "粮食",
    "工厂",
    "学校",
    "医院",
    "铁路",
    "农业",
    "会议",
    "计划",
    "民兵",
    "合作社",
    "扫盲",
    "春耕",
    "桥梁",
    "档案",
    "抗旱",
    "救灾",
    "卫生",
    "邮电",
]
# Words that name people in a record: distinctive, so a leak shows at once.
NAMES = ["赵秘云", "钱隐松", "孙墨竹", "李寒川", "周夜笙", "吴暮岚", "郑青隼", "王磐石"]
ID_NUMBERS = ["11010519491231002X", "610302195003150019"]
ARCHIVES = ["city-a", "county-b"]
STATUSES = ["open", "catalog_only", "controlled", "unreviewed"]
CLASSIFICATIONS = ["无", "无", "无", "秘密", "机密"]


assert all(is_resident_id(n) for n in ID_NUMBERS)


@st.composite
def holdings(draw):
    count = draw(st.integers(min_value=2, max_value=8))
    rows = []
    for n in range(count):
        title_words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3, unique=True))
        text_words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4, unique=True))
        name = draw(st.sampled_from(NAMES))
        in_title = draw(st.booleans())
        pii = draw(st.sampled_from(["", *ID_NUMBERS, "13912345678"]))
        rows.append(
            {
                "archive": draw(st.sampled_from(ARCHIVES)),
                "archive_code": f"J{n + 1:03d}-001-{draw(st.integers(1, 99)):04d}",
                "title": "关于" + "".join(title_words) + (name if in_title else "") + "的报告",
                "date": str(draw(st.integers(1940, 2000))),
                "access": draw(st.sampled_from(STATUSES)),
                "classification": draw(st.sampled_from(CLASSIFICATIONS)),
                "description": draw(st.sampled_from(["", *WORDS])),
                "text": "，".join(text_words)
                + ("" if in_title else f"，{name}同志")
                + (f"，身份证号{pii}" if pii else "")
                + "。",
            }
        )
    # archive codes must be unique per archive
    seen, unique_rows = set(), []
    for row in rows:
        key = (row["archive"], row["archive_code"])
        if key not in seen:
            seen.add(key)
            unique_rows.append(row)
    return unique_rows


def visibility_of(row: dict) -> str:
    classification = "none" if row["classification"] == "无" else "secret"
    return public_visibility(row["access"], classification)


def catalog_text(row: dict) -> str:
    return normalize(" ".join([row["title"], row["archive_code"], row["description"]])).text


def matches_catalog_fields(q: str, row: dict) -> bool:
    """A necessary condition for ``q`` to match ``row`` on its catalog fields alone."""
    shown = catalog_text(row)
    q = q.replace(" OR 不存在的词", "")
    if q.startswith('"'):
        return normalize(q.strip('"')).text.replace(" ", "") in shown.replace(" ", "")
    return all(token in shown for part in q.split() for token in term_tokens(normalize(part).text))


def queries_for(row: dict) -> list[str]:
    words = [w for w in WORDS + NAMES if w in row["title"] + row["text"] + row["description"]]
    queries = [
        *words,
        row["title"],
        row["archive_code"],
        f'"{row["title"]}"',
        *[n for n in ID_NUMBERS + ["13912345678"] if n in row["text"]],
    ]
    queries += [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    queries += [f'"{w}"' for w in words[:2]] + [f"{w} OR 不存在的词" for w in words[:2]]
    return queries


@contextmanager
def runtime_on(backend: str, request, rows: list[dict], pdfs: bool = False, scans: bool = False):
    overrides = {}
    if backend == "opensearch":
        overrides = {
            "opensearch_url": request.getfixturevalue("opensearch_url"),
            "index": f"leak{uuid.uuid4().hex[:12]}",
        }
    folder = Path(tempfile.mkdtemp(prefix="lantai-leak-"))
    catalog_url, database = fresh_catalog(request)
    config = load_settings(
        env={}, data_dir=str(folder / "data"), backend=backend, database_url=catalog_url, **overrides
    )
    lantai = open_lantai(config)
    try:
        if pdfs:  # each record's text as a PDF, a page per clause: the text comes from the file
            rows = [dict(row) for row in rows]
            for n, row in enumerate(rows):
                name = f"{row['archive']}-{row['archive_code']}"
                if scans and n % 2:  # or as an hOCR file naming a scan per page (版面文件的图像)
                    layout_with_scans(folder, name, row.pop("text").split("，"))
                    row["files"] = [f"{name}.hocr"]
                    continue
                make.text_pdf(folder / f"{name}.pdf", row.pop("text").split("，"))
                row["files"] = [f"{name}.pdf"]
        report = lantai.ingester.ingest([write_jsonl(folder / "rows.jsonl", rows)])
        assert report.failed == 0 and report.not_indexed == 0, report.errors
        yield lantai, config
    finally:
        if backend == "opensearch":
            lantai.backend.drop()
        lantai.close()
        shutil.rmtree(folder, ignore_errors=True)
        if database:
            postgres_database(request.getfixturevalue("postgres_server"), database, drop=True)


def layout_with_scans(folder: Path, name: str, pages: list[str]) -> Path:
    """An hOCR file ``name.hocr`` of ``pages`` (a line each, boxed), naming a scan per page
    (``name-p1.png``, …) drawn beside it."""
    body = []
    for number, text in enumerate(pages, start=1):
        scan = make.page_image([text], size=20)
        scan.save(folder / f"{name}-p{number}.png")
        width, height = scan.size
        box = f"bbox 20 20 {width - 20} 40"
        body.append(
            f"<div class='ocr_page' title='image \"{name}-p{number}.png\"; bbox 0 0 {width} {height}'>"
            f"<span class='ocr_line' title='{box}'><span class='ocrx_word' title='{box}; x_wconf 95'>"
            f"{html.escape(text)}</span></span></div>"
        )
    path = folder / f"{name}.hocr"
    path.write_text(f"<html><body>{''.join(body)}</body></html>", encoding="utf-8")
    return path


def search(lantai, audience, q):
    return lantai.search.search(parse_request({"q": q, "size": "100"}, lantai.settings), audience)


# Every test runs on a SQLite and on a PostgreSQL catalog (each example on a fresh database).
pytestmark = [pytest.mark.both_catalogs, pytest.mark.usefixtures("catalog_url")]


def fresh_catalog(request) -> tuple[str, str]:
    """A new, empty catalog for one example: ``("", "")`` for SQLite in the data dir, else
    the URL and name of a fresh database on the project's PostgreSQL."""
    if request.node.callspec.params.get("catalog_url", "sqlite") == "sqlite":
        return "", ""
    name = f"leak{uuid.uuid4().hex[:12]}"
    return postgres_database(request.getfixturevalue("postgres_server"), name), name


LEAK_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("backend", BACKENDS)
@LEAK_SETTINGS
@given(rows=holdings())
def test_the_public_never_sees_closed_records(backend, request, rows):
    by_id = {f"{r['archive']}/{r['archive_code']}": r for r in rows}
    closed = {i for i, r in by_id.items() if visibility_of(r) == "none"}
    visible_titles = {r["title"] for i, r in by_id.items() if i not in closed}
    with runtime_on(backend, request, rows) as (lantai, _config):
        for row in rows:
            for q in queries_for(row):
                result = search(lantai, PUBLIC, q)
                ids = {h["id"] for h in result["hits"]}
                assert not ids & closed, (q, ids & closed)
                assert result["total"] == len(result["hits"])
                assert sum(result["facets"]["archive"].values()) == result["total"]
                assert sum(result["facets"]["year"].values()) == result["total"]
                for hit in result["hits"]:
                    source = by_id[hit["id"]]
                    assert hit["visibility"] == visibility_of(source)
                    for number in ID_NUMBERS + ["13912345678"]:
                        assert number not in hit["snippet"]
                    if hit["visibility"] == "catalog":
                        # matched on catalog fields only, and shows no text
                        assert matches_catalog_fields(q, source), (q, hit)
                        assert all(w not in hit["snippet"] for w in NAMES if w not in catalog_text(source))
            for prefix in (row["title"][:3], row["title"][2:5]):
                for title in lantai.search.suggest(prefix, PUBLIC, size=50):
                    assert title in visible_titles, (prefix, title)


@pytest.mark.parametrize("backend", BACKENDS)
@LEAK_SETTINGS
@given(rows=holdings())
def test_catalog_records_cannot_be_probed_through_their_text(backend, request, rows):
    with runtime_on(backend, request, rows) as (lantai, _config):
        for row in rows:
            if visibility_of(row) != "catalog":
                continue
            shown = catalog_text(row)
            hidden = [w for w in WORDS + NAMES if w in row["text"] and w not in shown]
            anchor = next((w for w in WORDS if w in shown), None)
            own_id = f"{row['archive']}/{row['archive_code']}"
            for word in hidden:
                ids = {h["id"] for h in search(lantai, PUBLIC, word)["hits"]}
                assert own_id not in ids, word
                if anchor:
                    with_not = {h["id"] for h in search(lantai, PUBLIC, f"{anchor} NOT {word}")["hits"]}
                    assert own_id in with_not, (anchor, word)


@pytest.mark.parametrize("backend", BACKENDS)
@LEAK_SETTINGS
@given(rows=holdings())
def test_record_pages_of_closed_records_answer_like_missing_ones(backend, request, rows):
    with runtime_on(backend, request, rows) as (_lantai, config):
        app = create_app(config)
        request.addfinalizer(lantai_of(app).close)  # its own runtime: its catalog connections
        client = buffered_client(app)
        missing = answer_without_path(client.get("/records/city-a/NOPE-0000"), "/records/city-a/NOPE-0000")
        missing_api = client.get("/api/v1/records/city-a/NOPE-0000")
        for row in rows:
            record_id = f"{row['archive']}/{row['archive_code']}"
            page = client.get(f"/records/{record_id}")
            api = client.get(f"/api/v1/records/{record_id}")
            if visibility_of(row) == "none":
                assert answer_without_path(page, f"/records/{record_id}") == missing
                assert (api.status_code, api.data) == (404, missing_api.data)
                assert dict(api.headers) == dict(missing_api.headers)
            else:
                body = page.get_data(as_text=True)
                assert page.status_code == 200
                assert all(n not in body for n in ID_NUMBERS + ["13912345678"])
                if visibility_of(row) == "catalog":
                    assert api.get_json()["text"] is None


PNG = b"\x89PNG\r\n\x1a\n"


def has_pii(clause: str) -> bool:
    """Whether a clause of a generated text holds personal data (a resident ID, a mobile)."""
    return any(p in clause for p in ID_NUMBERS + ["13912345678"])


@pytest.mark.parametrize("backend", BACKENDS)
@LEAK_SETTINGS
@given(rows=holdings())
def test_page_images_and_files_of_records_without_public_text_answer_like_missing_ones(
    backend, request, rows
):
    with runtime_on(backend, request, rows, pdfs=True, scans=True) as (lantai, config):
        app = create_app(config)
        request.addfinalizer(lantai_of(app).close)  # its own runtime: its catalog connections
        client = buffered_client(app)
        missing = answer_without_path(client.get("/records/city-a/NOPE-0000"), "/records/city-a/NOPE-0000")
        nope_boxes = f"/api/v1/records/city-a/NOPE-0000/pages/1/boxes?q={WORDS[0]}"
        missing_boxes = client.get(nope_boxes)
        assert missing_boxes.status_code == 404
        for row in rows:
            record_id = f"{row['archive']}/{row['archive_code']}"
            clauses = row["text"].split("，")
            urls = [f"/records/{record_id}/pages/{n}.png" for n in range(1, len(clauses) + 2)]
            urls += [f"/records/{record_id}/files/{n}" for n in (1, 2)]
            boxes = [
                f"/api/v1/records/{record_id}/pages/{n}/boxes?q={clause[:2]}"
                for n, clause in enumerate([*clauses, WORDS[0]], start=1)
            ]
            record_page = client.get(f"/records/{record_id}").get_data(as_text=True)
            if visibility_of(row) != "full":
                assert f"/records/{record_id}/pages/" not in record_page
                assert f"/records/{record_id}/files/" not in record_page
                for url in urls:
                    assert answer_without_path(client.get(url), url) == missing, url
                for url in boxes:  # the boxes of a match on a page image: as for a missing record
                    answer = client.get(url)
                    assert (answer.status_code, answer.data) == (404, missing_boxes.data), url
                continue
            files = lantai.search.originals(record_id, PUBLIC)["files"]
            layout = files[0]["path"].endswith(".hocr")
            for number, url in enumerate(boxes, start=1):
                answer = client.get(url)
                if number in (len(clauses) + 1, *[n for n, c in enumerate(clauses, 1) if has_pii(c)]):
                    assert (answer.status_code, answer.data) == (404, missing_boxes.data), url
                elif layout:  # over the scan the hOCR file names: its word boxes
                    assert answer.status_code == 200 and answer.json["boxes"], url
                else:  # a PDF's text layer has no word boxes: nothing to draw, nothing withheld
                    assert answer.status_code == 200 and answer.json["boxes"] == [], url
            with_pii = [n for n, clause in enumerate(clauses, start=1) if has_pii(clause)]
            for number, url in enumerate(urls[: len(clauses)], start=1):
                response = client.get(url)
                if number in with_pii:
                    assert answer_without_path(response, url) == missing, url
                    assert url not in record_page
                else:
                    assert response.status_code == 200 and response.data.startswith(PNG), url
                    assert url in record_page
            assert answer_without_path(client.get(urls[len(clauses)]), urls[len(clauses)]) == missing
            if layout:  # the hOCR file is never served; its first scan as page 1's image is
                assert answer_without_path(client.get(urls[-2]), urls[-2]) == missing
                scan = client.get(urls[-1])
                if has_pii(clauses[0]):
                    assert answer_without_path(scan, urls[-1]) == missing
                else:
                    assert scan.status_code == 200 and scan.data == Path(files[1]["path"]).read_bytes()
                continue
            download = client.get(urls[-2])
            if with_pii:
                assert answer_without_path(download, urls[-2]) == missing
                assert urls[-2] not in record_page
            else:
                original = Path(lantai.search.originals(record_id, PUBLIC)["files"][0]["path"])
                assert download.status_code == 200 and download.data == original.read_bytes()
                assert download.headers["Content-Disposition"].startswith("attachment")
            assert answer_without_path(client.get(urls[-1]), urls[-1]) == missing


@pytest.mark.parametrize("backend", BACKENDS)
@LEAK_SETTINGS
@given(rows=holdings())
def test_staff_of_one_archive_see_nothing_closed_of_another(backend, request, rows):
    staff = Audience(role="staff", archives=frozenset({"city-a"}))
    with runtime_on(backend, request, rows) as (lantai, _config):
        forbidden = {
            f"{r['archive']}/{r['archive_code']}"
            for r in rows
            if visibility_of(r) == "none" and (r["archive"] != "city-a" or r["classification"] != "无")
        }
        for row in rows:
            for q in queries_for(row):
                result = search(lantai, staff, q)
                assert not {h["id"] for h in result["hits"]} & forbidden, q
                assert result["total"] == len(result["hits"])
            for title in lantai.search.suggest(row["title"][:3], staff, size=50):
                assert title not in {
                    r["title"] for r in rows if f"{r['archive']}/{r['archive_code']}" in forbidden
                } or title in {
                    r["title"] for r in rows if f"{r['archive']}/{r['archive_code']}" not in forbidden
                }
            record_id = f"{row['archive']}/{row['archive_code']}"
            if record_id in forbidden:
                assert lantai.search.record(record_id, staff) is None


@pytest.mark.parametrize("backend", BACKENDS)
@LEAK_SETTINGS
@given(rows=holdings())
def test_status_checks_and_the_queue_show_staff_nothing_beyond_their_view(backend, request, rows):
    staff = Audience(role="reviewer", archives=frozenset({"city-a"}))
    with runtime_on(backend, request, rows) as (lantai, _config):
        own = {
            f"{r['archive']}/{r['archive_code']}"
            for r in rows
            if r["archive"] == "city-a" and r["classification"] == "无"
        }
        for archive in ARCHIVES:
            codes = [r["archive_code"] for r in rows if r["archive"] == archive]
            for row, answer in zip(
                [r for r in rows if r["archive"] == archive],
                lantai.search.status(archive, codes, staff),
                strict=True,
            ):
                record_id = f"{row['archive']}/{row['archive_code']}"
                if record_id in own:
                    assert answer["title"] == row["title"]
                    continue
                assert "title" not in answer and "access" not in answer, answer
                assert answer["found"] == (archive == "city-a"), answer
        far = date.today() + timedelta(days=365 * 100)
        queued = {i.record.id for i in lantai.search.queue(staff, today=far)}
        assert queued <= own, queued - own
        assert not lantai.search.queue(PUBLIC, today=far)


EXPORT_FORMATS = ("csv", "json", "ris")


@contextmanager
def app_on(config):
    """A web app on ``config``, its own runtime closed when the example ends (not the test:
    a dozen examples' catalog connections would stay open until then)."""
    app = create_app(config)
    try:
        yield app
    finally:
        lantai_of(app).close()


def export_items(fmt: str, data: bytes) -> list[dict]:
    """The items of a search export read back: ``{"id", "archive_code", "title", "citation",
    "excerpt"}`` each, whatever the format."""
    if fmt == "json":
        return json.loads(data.decode("utf-8"))["items"]
    if fmt == "csv":
        rows = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        names = {
            "记录标识": "id",
            "档号": "archive_code",
            "题名": "title",
            "引用格式": "citation",
            "摘录": "excerpt",
        }
        return [{key: row[header] for header, key in names.items()} for row in rows]
    items = []
    for tags in parse_ris(data.decode("utf-8")):
        notes = [v for t, v in tags if t == "N1"]
        fields = dict(tags)
        items.append(
            {
                "id": fields["C1"],
                "archive_code": fields["AN"],
                "title": fields["TI"],
                "citation": next(n.split("：", 1)[1] for n in notes if n.startswith("引用格式：")),
                "excerpt": next((n.split("：", 1)[1] for n in notes if n.startswith("摘录")), ""),
            }
        )
    return items


@pytest.mark.parametrize("backend", BACKENDS)
@LEAK_SETTINGS
@given(rows=holdings())
def test_search_exports_hold_nothing_their_caller_may_not_see(backend, request, rows):
    by_id = {f"{r['archive']}/{r['archive_code']}": r for r in rows}
    closed = {i for i, r in by_id.items() if visibility_of(r) == "none"}
    visible_titles = {r["title"] for i, r in by_id.items() if i not in closed}
    closed_titles = {by_id[i]["title"] for i in closed} - visible_titles
    staff_forbidden = {
        i
        for i, r in by_id.items()
        if i in closed and (r["archive"] != "city-a" or r["classification"] != "无")
    }
    queries = [""] + sorted({q for r in rows for q in (r["title"], r["archive_code"], *queries_for(r)[:1])})
    with runtime_on(backend, request, rows) as (lantai, config), app_on(config) as app:
        client = buffered_client(app)
        with app.app_context():
            citations = {i: citation(r) for i, r in by_id.items()}
        lantai.users.add("clerk", "staff", "correct horse battery", ("city-a",))
        staff = {"Authorization": f"Bearer {lantai.users.create_token('clerk')}"}
        for n, q in enumerate(queries):
            total = search(lantai, PUBLIC, q)["total"]
            # every format for all records (q=""), then one format a query in turn
            for fmt in EXPORT_FORMATS if not q else [EXPORT_FORMATS[n % len(EXPORT_FORMATS)]]:
                response = client.get("/api/v1/search/export", query_string={"format": fmt, "q": q})
                assert response.status_code == 200, (q, fmt)
                items = export_items(fmt, response.data)
                ids = [item["id"] for item in items]
                assert not set(ids) & closed, (q, fmt)
                assert len(ids) == total == int(response.headers["X-Export-Count"]), (q, fmt)
                raw = response.data.decode("utf-8-sig")
                if fmt == "json":  # all but its title, which repeats the query
                    raw = json.dumps(json.loads(raw)["items"], ensure_ascii=False)
                assert not [t for t in closed_titles if t in raw], (q, fmt)
                assert all(n not in raw for n in ID_NUMBERS + ["13912345678"]), (q, fmt)
                for item in items:
                    source = by_id[item["id"]]
                    assert item["title"] == source["title"] and item["archive_code"] == source["archive_code"]
                    assert item["citation"] == citations[item["id"]]
                    if visibility_of(source) == "catalog":  # catalog fields only: no text, no snippet
                        assert item["excerpt"] == "", (q, fmt, item)
            if not q:
                assert total == len(by_id) - len(closed)
            own = client.get("/api/v1/search/export", query_string={"format": "json", "q": q}, headers=staff)
            assert not {i["id"] for i in export_items("json", own.data)} & staff_forbidden, q
