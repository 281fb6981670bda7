"""Languages of the staff side: sign-in, queue, record, decisions, status check, audit log,
internal search. Chinese by default; ``?lang=en`` (then the cookie) switches to English."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from babel.messages.pofile import read_po

from app import lantai_of
from tests.conftest import REPO, csrf, record, write_jsonl
from tests.test_staff_web import PASSWORD, login

PO = REPO / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
TITLES = ("一九五〇年春耕生产通知", "一九五二年扫盲总结", "机要电报汇编")
# Chinese, full-width punctuation included.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
# Chinese interface strings of the staff pages that must not survive in English.
STAFF_STRINGS = (
    "工作人员登录",
    "用户名",
    "密码",
    "开放审核队列",
    "馆藏单位",
    "个人信息",
    "含个人信息",
    "到期待审",
    "选择",
    "题名",
    "原因",
    "批量决定",
    "决定",
    "理由",
    "形成或移交单位意见",
    "复审日期",
    "保存决定",
    "开放状态",
    "密级",
    "到期日",
    "全文（个人信息已标出）",
    "开放状态核查",
    "档号（每行一个）",
    "或上传文本文件",
    "核查",
    "公开程度",
    "最近决定",
    "未知档号",
    "审计日志",
    "哈希链完整",
    "操作人",
    "详情",
    "内部检索",
    "检索词",
    "条结果",
    "未审核",
    "目录开放",
    "控制使用",
    "开放期限届满",
    "手机号码",
    "非密",
    "机密",
    "已记录",
    "无权审核",
    "用户名或密码不正确",
    "表单已过期",
)


@pytest.fixture
def site(client, tmp_path):
    lantai = lantai_of(client.application)
    path = write_jsonl(
        tmp_path / "s.jsonl",
        [
            record(
                "J1-1",
                TITLES[0],
                date="1950-03-01",
                access="unreviewed",
                text="联系电话13912345678，春耕生产。",
            ),
            record("J1-2", TITLES[1], date="1952", access="unreviewed"),
            record("J1-3", TITLES[2], date="1950", access="unreviewed", classification="机密"),
            record("K1-1", "县里的未审档案", date="1950", access="unreviewed", archive="fx-county"),
        ],
    )
    assert lantai.ingester.ingest([path]).failed == 0
    lantai.users.add("reviewer1", "reviewer", PASSWORD, ("test-city",), clearance=True)
    lantai.users.add("admin1", "admin", PASSWORD, (), clearance=True)
    return client


def interface(html: str) -> str:
    """The page without the records' own Chinese: elements marked ``lang="zh…"`` (titles, full
    text, the language switch's "中文"), the known titles, and the brand mark (a logo)."""
    html = re.sub(r'<(\w+)[^>]*\blang="zh[^"]*"[^>]*>.*?</\1>', "", html, flags=re.S)
    html = html.replace('<span class="brand-mark" aria-hidden="true">兰台</span>', "")
    for title in TITLES:
        html = html.replace(title, "")
    return html


def assert_english(html: str) -> None:
    assert '<html lang="en">' in html
    left = interface(html)
    for text in STAFF_STRINGS:
        assert text not in left, text
    assert not CJK.findall(left), sorted(set(CJK.findall(left)))


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_login_page_and_its_errors_in_english(site):
    html = get(site, "/login?lang=en")
    assert_english(html)
    assert "Staff sign-in" in html and "User name" in html and "Password" in html
    wrong = site.post(
        "/login",
        data={"name": "reviewer1", "password": "wrong password!", "csrf_token": csrf(site, "/login?lang=en")},
    )
    assert wrong.status_code == 401
    assert_english(wrong.get_data(as_text=True))
    assert "Wrong user name or password." in wrong.get_data(as_text=True)
    expired = site.post("/login", data={"name": "reviewer1", "password": PASSWORD})
    assert expired.status_code == 400
    assert "The form has expired" in expired.get_data(as_text=True)


def test_staff_pages_in_english(site):
    login(site, "reviewer1")
    queue = get(site, "/staff/queue?lang=en")
    assert_english(queue)
    for text in (
        "Opening review queue",
        "Personal data",
        "With personal data",
        "records due for review",
        "Closure period over",
        "Mobile number",
        "Decision for the selected records",
        "Controlled use",
        "Catalog only",
        "Save decision",
        "Apply filters",
        'aria-label="Select J1-1"',
    ):
        assert text in queue, text
    assert TITLES[0] in queue  # the records' own titles stay as they are

    page = get(site, "/staff/records/test-city/J1-3")
    assert_english(page)
    assert "Access status" in page and "Not reviewed" in page and "Confidential" in page
    marked = get(site, "/staff/records/test-city/J1-1")
    assert '<mark class="pii" data-kind="mobile" title="Mobile number">13912345678</mark>' in marked
    assert "Full text (personal data marked)" in marked

    search = get(site, "/staff/search?q=春耕")
    assert_english(search.replace('value="春耕"', ""))
    assert "Internal search" in search and "<strong>1</strong> results" in search
    assert "Not reviewed" in search

    token = csrf(site, "/staff/status")
    status = site.post(
        "/staff/status", data={"archive": "test-city", "codes": "J1-1\nNOPE-9", "csrf_token": token}
    ).get_data(as_text=True)
    assert_english(status)
    assert "Access status check" in status and "Unknown reference code" in status
    assert "Not public" in status and "Not reviewed" in status
    uploaded = site.post(
        "/staff/status",
        data={"archive": "test-city", "csrf_token": token, "file": (io.BytesIO(b"J1-2\n"), "codes.txt")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert_english(uploaded)


def test_decision_messages_in_english(site):
    login(site, "reviewer1")
    get(site, "/staff/queue?lang=en")  # the cookie remembers English
    response = site.post(
        "/staff/decisions",
        data={
            "id": ["test-city/J1-1", "test-city/J1-2", "fx-county/K1-1"],
            "decision": "catalog_only",
            "reason": "due; catalog may open",
            "csrf_token": csrf(site, "/staff/queue"),
        },
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Recorded 2 decisions." in html and "fx-county/K1-1: you may not review this record." in html
    assert_english(html)
    one = site.post(
        "/staff/decisions",
        data={
            "id": "test-city/J1-3",
            "decision": "open",
            "reason": "declassified",
            "csrf_token": csrf(site, "/staff/queue"),
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Recorded 1 decision." in one
    bad_date = site.post(
        "/staff/decisions",
        data={
            "id": "test-city/J1-3",
            "decision": "controlled",
            "reason": "x",
            "next_review": "someday",
            "csrf_token": csrf(site, "/staff/queue"),
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Invalid review date: someday" in bad_date
    status = site.post(
        "/staff/status",
        data={"archive": "test-city", "codes": "J1-1", "csrf_token": csrf(site, "/staff/status")},
    )
    body = status.get_data(as_text=True)
    assert_english(body)
    assert "Catalog only" in body and "Catalog fields only" in body  # the decision, the visibility
    record_page = get(site, "/staff/records/test-city/J1-1")
    assert "Latest decision" in record_page and "Catalog only (reviewer1, " in record_page


def test_audit_log_in_english(site):
    login(site, "admin1")
    html = get(site, "/staff/audit?lang=en")
    assert_english(html)
    assert "Audit log" in html and "Hash chain intact" in html and "Actor" in html


def test_chinese_stays_the_default(site):
    login(site, "reviewer1")
    queue = site.get("/staff/queue")
    html = queue.get_data(as_text=True)
    assert queue.headers["Content-Language"] == "zh-CN" and '<html lang="zh-CN">' in html
    for text in (
        "开放审核队列",
        "到期待审 <strong>3</strong> 件",
        "开放期限届满",
        "手机号码",
        '<option value="catalog_only">目录开放</option>',
        "保存决定",
    ):
        assert text in html, text
    assert "Review queue" not in html
    record_page = get(site, "/staff/records/test-city/J1-3")
    assert "未审核" in record_page and "机密" in record_page and "Not reviewed" not in record_page
    assert "用户名" in get(site, "/login")


def test_language_switch_on_staff_pages_is_remembered(site):
    login(site, "reviewer1")
    html = get(site, "/staff/queue?pii=yes")
    switch = unescape(re.search(r'<a class="lang" href="([^"]+)"', html).group(1))
    assert switch == "?pii=yes&lang=en"
    english = site.get("/staff/queue" + switch)
    assert "lang=en" in english.headers.get("Set-Cookie", "")
    assert "Opening review queue" in english.get_data(as_text=True)
    remembered = get(site, "/staff/status")
    assert '<html lang="en">' in remembered and "Access status check" in remembered
    back = get(site, "/staff/status?lang=zh")
    assert '<html lang="zh-CN">' in back and "开放状态核查" in back
    login_switch = get(site, "/login?next=/staff/queue")
    assert 'href="?next=%2Fstaff%2Fqueue&amp;lang=en"' in login_switch


def test_every_catalog_entry_has_an_english_translation():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    empty = [
        m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    assert not fuzzy and not empty, (fuzzy, empty)
    assert not list(catalog.obsolete), "obsolete entries: run `make translations`"
