"""Opening review: the queue of due records, decisions that reach search at once, status checks."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from catalog import audit
from catalog.policy import PUBLIC
from catalog.review import ReviewError
from config import load_settings
from search.params import parse_request
from tests.conftest import cli_env, record, write_jsonl

pytestmark = pytest.mark.both_catalogs  # the catalog on SQLite and on PostgreSQL

TODAY = date(2026, 11, 28)


@pytest.fixture
def holdings(lantai, tmp_path):
    path = write_jsonl(
        tmp_path / "h.jsonl",
        [
            record("J1-1", "一九五〇年春耕通知", date="1950-03-01", access="unreviewed"),
            record("J1-2", "二〇一〇年规划", date="2010-05-01", access="unreviewed"),  # not yet due
            record("J1-3", "二〇〇三年经济统计", date="2003-06-30", access="unreviewed", category="经济"),
            record("J1-4", "已开放的通知", date="1950", access="open"),
            record(
                "J1-5",
                "一九五六年工资调整",
                date="1956",
                access="unreviewed",
                archive="fx-county",
                record_type="照片",
            ),
        ],
    )
    assert lantai.ingester.ingest([path]).failed == 0
    return lantai


def public_ids(lantai, q):
    result = lantai.search.search(parse_request({"q": q}, lantai.settings), PUBLIC)
    return [h["archive_code"] for h in result["hits"]]


def test_records_come_due_after_open_after_years(holdings):
    assert [i.record.archive_code for i in holdings.review.queue(today=TODAY)] == ["J1-1", "J1-5"]
    assert holdings.review.queue(today=TODAY)[0].why == "age"


def test_opening_age_per_category_comes_from_settings(holdings):
    holdings.review.settings = load_settings(
        env={}, data_dir=str(holdings.settings.data_dir), open_after_years_by_category='{"经济": 20}'
    )
    assert "J1-3" in [i.record.archive_code for i in holdings.review.queue(today=TODAY)]


def test_queue_filters(holdings):
    assert [i.record.archive_code for i in holdings.review.queue(today=TODAY, archive="fx-county")] == [
        "J1-5"
    ]
    assert [i.record.archive_code for i in holdings.review.queue(today=TODAY, year=1950)] == ["J1-1"]
    assert [i.record.archive_code for i in holdings.review.queue(today=TODAY, record_type="照片")] == ["J1-5"]
    scoped = holdings.review.queue(today=TODAY, archives=frozenset({"test-city"}))
    assert [i.record.archive_code for i in scoped] == ["J1-1"]


def test_a_decision_reaches_public_search_at_once_and_is_audited(holdings):
    assert public_ids(holdings, "春耕") == []
    holdings.decide(
        "test-city",
        "J1-1",
        "open",
        "到期，经审核无不宜开放内容",
        "reviewer1",
        unit_opinion="移交单位同意开放",
    )
    assert public_ids(holdings, "春耕") == ["J1-1"]
    entry = audit.entries(holdings.store.engine, action="decision")[0]
    assert (entry.actor, entry.subject) == ("reviewer1", "test-city/J1-1")
    assert entry.detail["from"] == "unreviewed" and entry.detail["to"] == "open"
    assert entry.detail["unit_opinion"] == "移交单位同意开放"
    holdings.decide("test-city", "J1-4", "controlled", "涉及个人隐私", "reviewer1")
    assert public_ids(holdings, "已开放") == []


def test_controlled_records_come_back_for_re_review(holdings):
    holdings.decide("test-city", "J1-1", "controlled", "暂缓开放", "r", next_review=date(2027, 1, 1))
    assert "J1-1" not in [i.record.archive_code for i in holdings.review.queue(today=TODAY)]
    again = holdings.review.queue(today=date(2027, 1, 2))
    assert ("J1-1", "re-review") in [(i.record.archive_code, i.why) for i in again]


def test_controlled_without_a_date_uses_the_configured_interval(holdings):
    holdings.decide("test-city", "J1-1", "controlled", "暂缓开放", "r")
    status = holdings.review.status("test-city", ["J1-1"])[0]
    expected = date.today().toordinal() + holdings.settings.controlled_review_days
    assert date.fromisoformat(status["due"]).toordinal() == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"decision": "publish"}, "decision"),
        ({"reason": "  "}, "reason"),
        ({"code": "J9-9"}, "no record"),
        ({"decision": "controlled", "next_review": date(2000, 1, 1)}, "future"),
    ],
)
def test_bad_decisions_are_refused(holdings, kwargs, message):
    args = {"code": "J1-1", "decision": "open", "reason": "到期", "next_review": None} | kwargs
    with pytest.raises(ReviewError, match=message):
        holdings.decide(
            "test-city", args["code"], args["decision"], args["reason"], "r", next_review=args["next_review"]
        )


def test_a_decision_outlives_a_later_import(holdings, tmp_path):
    holdings.decide("test-city", "J1-1", "open", "到期开放", "r")
    path = write_jsonl(
        tmp_path / "again.jsonl",
        [record("J1-1", "一九五〇年春耕通知（修订）", date="1950-03-01", access="unreviewed")],
    )
    holdings.ingester.ingest([path])
    assert holdings.store.get("test-city", "J1-1").access == "open"
    assert public_ids(holdings, "修订") == ["J1-1"]


def test_status_check_lists_unknown_codes(holdings):
    holdings.decide("test-city", "J1-1", "open", "到期开放", "r")
    rows = holdings.review.status("test-city", ["J1-1", "J1-2", "NOPE-1"], today=TODAY)
    assert [r["found"] for r in rows] == [True, True, False]
    assert rows[0]["last_decision"]["decision"] == "open" and rows[0]["visibility"] == "full"
    assert rows[1]["due"] == "2035-05-01" and rows[1]["is_due"] is False


def test_cli_review_decides_lists_and_checks(holdings):
    env = cli_env(holdings.settings)
    cli = str(Path(sys.executable).with_name("lantai"))

    def run(*args):
        return subprocess.run([cli, "review", *args], env=env, capture_output=True, text=True)

    holdings.users.add("cli-reviewer", "reviewer", "a-long-password", ("test-city",))
    queue = run("queue", "--json")
    assert '"test-city/J1-1"' in queue.stdout
    done = run(
        "J1-1", "--archive", "test-city", "--decision", "open", "--reason", "到期", "--by", "cli-reviewer"
    )
    assert done.returncode == 0, done.stderr
    assert public_ids(holdings, "春耕") == ["J1-1"]
    status = run("status", "J1-1", "NOPE", "--archive", "test-city")
    assert "J1-1\topen" in status.stdout and "NOPE\tunknown" in status.stdout
    missing = run("J1-2", "--archive", "test-city", "--decision", "open")
    assert missing.returncode == 2 and "--reason" in missing.stderr
