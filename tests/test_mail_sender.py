"""The mail sender, against a real SMTP server (aiosmtpd) on 127.0.0.1 started by the test."""

from __future__ import annotations

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from app.mail_sender import send_mail
from config import SettingsError, load_settings
from tests.conftest import free_port

DIGEST = [
    (
        "li.ming@example.org",
        "兰台：您保存的检索有 3 条新结果",
        "“土地改革”有 3 条新结果：\n宝鸡县土地改革工作报告",
    ),
    ("wang.fang@example.org", "兰台：新结果", "“红色档案”有 1 条新结果。"),
]


def settings_for(url: str):
    return load_settings(env={}, smtp_url=url, mail_from="lantai@archives.example.org")


def test_the_digest_reaches_the_server_with_its_chinese_intact(smtp_server):
    url, inbox = smtp_server()
    assert send_mail(DIGEST, settings_for(url)) == 0
    assert len(inbox.received) == 2
    sender, recipients, message = inbox.received[0]
    assert (sender, recipients) == ("lantai@archives.example.org", ["li.ming@example.org"])
    assert message["To"] == "li.ming@example.org"
    assert message["From"] == "lantai@archives.example.org"
    assert message["Subject"] == "兰台：您保存的检索有 3 条新结果"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n").rstrip("\n") == DIGEST[0][2]  # CR LF on the wire
    assert message["Message-ID"].endswith("@archives.example.org>") and message["Date"]
    assert inbox.received[1][2]["Subject"] == "兰台：新结果"


def test_without_smtp_url_nothing_is_sent_and_all_wait(smtp_server):
    _url, inbox = smtp_server()
    assert send_mail(DIGEST, load_settings(env={})) == 2
    assert send_mail([], load_settings(env={})) == 0
    assert inbox.received == []


def test_a_refused_message_stops_the_sending_and_the_rest_wait(smtp_server):
    url, inbox = smtp_server(refuse=("wang.fang@example.org",))
    third = ("zhao@example.org", "主题", "正文")
    assert send_mail([*DIGEST, third], settings_for(url)) == 2
    assert [r[1] for r in inbox.received] == [["li.ming@example.org"]]


def test_an_unreachable_server_leaves_all_waiting(caplog):
    url = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    assert send_mail(DIGEST, settings_for(url), timeout=5) == 2
    assert "0 of 2 sent" in caplog.text


def test_a_user_in_the_url_signs_in(smtp_server):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"p@ss word")

    url, inbox = smtp_server(authenticator=authenticator, auth_require_tls=False)
    signed_in = url.replace("smtp://", "smtp://digest:p%40ss%20word@")
    assert send_mail(DIGEST[:1], settings_for(signed_in)) == 0
    assert logins == [("digest", "p@ss word")] and len(inbox.received) == 1
    wrong = url.replace("smtp://", "smtp://digest:wrong@")
    # a wrong password: not signed in, the message waits (a short timeout: the test server is slow to refuse)
    assert send_mail(DIGEST[:1], settings_for(wrong), timeout=2) == 1
    assert len(inbox.received) == 1


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("http://mail.example.org", "is not an SMTP URL"),
        ("mail.example.org:25", "is not an SMTP URL"),
        ("smtp://mail.example.org:port", "port that is not a number"),
        ("smtps://user:secret@:465", "is not an SMTP URL"),
    ],
)
def test_a_bad_smtp_url_is_an_error_naming_the_setting(value, says):
    with pytest.raises(SettingsError, match=f"setting 'smtp_url': .*{says}") as error:
        load_settings(env={"LANTAI_SMTP_URL": value})
    assert "secret" not in str(error.value)  # a password in the URL is not repeated


def test_malformed_messages_are_refused_before_anything_is_sent(smtp_server):
    url, inbox = smtp_server()
    with pytest.raises(ValueError, match="message 2: 'to'"):
        send_mail([DIGEST[0], ("a@example.org\nBcc: b@example.org", "主题", "")], settings_for(url))
    with pytest.raises(ValueError, match="message 1: 'subject'"):
        send_mail([("a@example.org", "主题\r\nBcc: b@example.org", "")], settings_for(url))
    assert inbox.received == []
