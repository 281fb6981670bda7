"""E-mail digests of new hits of saved searches (新结果摘要): queued in the outbox for
researchers with an address, sent through a real SMTP server (aiosmtpd) by ``lantai
digest``, counting only what the reader may see now, never naming a record."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from app import lantai_of
from app.digests import send_digests
from catalog.users import UserError
from tests.conftest import cli_env, record, write_jsonl

PASSWORD = "correct horse battery"
ROWS = [
    record("J1-1", "宝鸡县土地改革工作报告", date="1950", text="土地改革工作。"),
    record("J1-2", "凤翔县土地改革总结", date="1951", text="土地改革胜利结束。"),
]


@pytest.fixture
def lantai(client, tmp_path):
    """An installation whose researcher li (with an address) and wang (without) saved the
    search 土地改革; then two new matching records came, one of them closed."""
    lantai = lantai_of(client.application)
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "rows.jsonl", ROWS)]).failed == 0
    for name in ("li", "wang"):
        user = lantai.users.add(name, "researcher", PASSWORD)
        lantai.workspace.save_search(user, "土改", "土地改革", {})
    lantai.users.set_email("li", "li.ming@example.org")
    more = [
        record("J2-1", "岐山县土地改革材料", date="1953", text="岐山县土地改革。"),
        record("J2-2", "扶风县土地改革机密通报", date="1953", access="unreviewed", text="土地改革。"),
    ]
    assert lantai.ingester.ingest([write_jsonl(tmp_path / "more.jsonl", more)]).failed == 0
    yield lantai
    lantai.close()


def with_smtp(lantai, url: str):
    return replace(
        lantai, settings=lantai.settings.with_overrides(smtp_url=url, mail_from="lantai@example.org")
    )


def test_a_digest_goes_to_researchers_with_an_address_and_counts_what_they_may_see(lantai, smtp_server):
    url, inbox = smtp_server()
    assert send_digests(with_smtp(lantai, url)) == {"queued": 1, "sent": 1, "waiting": 0}
    [(sender, recipients, message)] = inbox.received
    assert (sender, recipients) == ("lantai@example.org", ["li.ming@example.org"])
    body = message.get_content()
    assert "土改: 1 new / 3" in body  # J2-1; the unreviewed J2-2 is neither new nor counted
    for title in ("岐山县土地改革材料", "扶风县", "机密通报"):
        assert title not in body
    # Nothing new since: nothing queued, nothing sent again.
    lantai.workspace.mark_seen(
        lantai.users.get("li"), lantai.workspace.searches(lantai.users.get("li"))[0]["id"]
    )
    assert send_digests(with_smtp(lantai, url)) == {"queued": 0, "sent": 0, "waiting": 0}
    assert len(inbox.received) == 1


def test_without_a_server_digests_wait_in_the_outbox_until_one_is_set(lantai, smtp_server):
    assert send_digests(lantai) == {"queued": 1, "sent": 0, "waiting": 1}
    url, inbox = smtp_server()
    mailer = with_smtp(lantai, url)
    assert send_digests(mailer) == {"queued": 1, "sent": 2, "waiting": 0}  # the waiting one, and today's
    assert [r for _, r, _ in inbox.received] == [["li.ming@example.org"]] * 2


def test_a_refused_recipient_leaves_its_message_waiting_and_holds_up_no_other(lantai, smtp_server):
    lantai.users.set_email("wang", "wang.fang@example.org")
    url, inbox = smtp_server(refuse=("li.ming@example.org",))
    assert send_digests(with_smtp(lantai, url)) == {"queued": 2, "sent": 1, "waiting": 1}
    assert [r for _, r, _ in inbox.received] == [["wang.fang@example.org"]]


def test_addresses_are_checked_and_set_from_the_cli(lantai, settings):
    with pytest.raises(UserError, match="email 'li.ming': not an e-mail address"):
        lantai.users.set_email("li", "li.ming")
    env = cli_env(settings)
    cli = str(Path(sys.executable).with_name("lantai"))

    def run(*args):
        return subprocess.run([cli, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)

    bad = run("user", "email", "wang", "--email", "not an address")
    assert bad.returncode == 2 and "not an e-mail address" in bad.stderr
    assert run("user", "email", "wang", "--email", "wang.fang@example.org").returncode == 0
    listed = json.loads(run("user", "list", "--json").stdout)
    assert {u["name"]: u["email"] for u in listed} == {
        "li": "li.ming@example.org",
        "wang": "wang.fang@example.org",
    }
    digest = run("digest")  # no smtp_url: both digests are queued and wait
    assert digest.returncode == 0, digest.stderr
    assert json.loads(digest.stdout) == {"queued": 2, "sent": 0, "waiting": 2}
    assert sorted(e.subject for e in lantai.store.audit_entries(action="user.email")) == ["li", "wang"]
