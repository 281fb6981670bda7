"""Sending e-mail (邮件发送), e.g. the saved-search digests, through the SMTP server that the
``smtp_url`` setting names (``LANTAI_SMTP_URL``).

:func:`send_mail` takes plain ``(to, subject, body)`` items, so whatever keeps the mail
waiting (an outbox table) needs nothing of this module but that call. Without ``smtp_url``
nothing is sent and every message is left waiting.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import NamedTuple
from urllib.parse import unquote, urlparse

from config import Settings

log = logging.getLogger("lantai.mail")
#: Seconds to wait for the SMTP server at each step before the rest of the mail waits.
TIMEOUT = 30.0
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")


class Mail(NamedTuple):
    """One message to send: recipient (``to``), subject and plain-text body (UTF-8)."""

    to: str
    subject: str
    body: str


def build_message(mail: Mail, sender: str) -> EmailMessage:
    """``mail`` as an e-mail message from ``sender``: headers encoded for any script, the
    body as UTF-8 plain text.

    >>> message = build_message(Mail("a@example.org", "新结果：土地改革", "3 条新结果"), "lantai@example.org")
    >>> message["To"], str(message["Subject"]), message.get_content().strip()
    ('a@example.org', '新结果：土地改革', '3 条新结果')
    >>> message["Message-ID"].endswith("@example.org>")
    True
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message.set_content(mail.body, charset="utf-8")
    return message


def checked(messages: Sequence[tuple[str, str, str]]) -> list[Mail]:
    """``messages`` as :class:`Mail`; a recipient that is not one e-mail address, or a
    subject with a line break, raises ValueError naming the message and the field.

    >>> checked([("a@example.org", "主题", "正文")])
    [Mail(to='a@example.org', subject='主题', body='正文')]
    >>> checked([("a@example.org", "主题", ""), ("not an address", "主题", "")])
    Traceback (most recent call last):
    ...
    ValueError: message 2: 'to' 'not an address' is not one e-mail address
    """
    mails = []
    for number, (to, subject, body) in enumerate(messages, start=1):
        if not _ADDRESS.fullmatch(to):
            raise ValueError(f"message {number}: 'to' {to!r} is not one e-mail address")
        if "\n" in subject or "\r" in subject:
            raise ValueError(f"message {number}: 'subject' has a line break")
        mails.append(Mail(to, subject, body))
    return mails


def _connect(smtp_url: str, timeout: float) -> smtplib.SMTP:
    url = urlparse(smtp_url)
    host = url.hostname or ""
    if url.scheme == "smtps":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, url.port or 465, timeout=timeout)
    else:
        smtp = smtplib.SMTP(host, url.port or 25, timeout=timeout)
    try:
        smtp.ehlo()
        if url.scheme == "smtp" and smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
    except BaseException:
        smtp.close()
        raise
    return smtp


def send_mail(messages: Sequence[tuple[str, str, str]], settings: Settings, timeout: float = TIMEOUT) -> int:
    """Send ``messages`` (``(to, subject, body)`` items) in order through ``smtp_url``, from
    ``mail_from``; answers how many are left waiting, from the end of the list (the first
    ``len(messages) - waiting`` were sent).

    Without ``smtp_url`` nothing is sent: all are left waiting. Over one connection (with
    STARTTLS when the server offers it, and a login when the URL has a user); sending
    stops at the first message the server does not take, or when the server cannot be
    reached, and the rest wait (logged on ``lantai.mail``). A malformed message raises
    ValueError before anything is sent (see :func:`checked`).

    >>> from config import load_settings
    >>> send_mail([("a@example.org", "主题", "正文")], load_settings(env={}))
    1
    """
    mails = checked(messages)
    if not settings.smtp_url or not mails:
        return len(mails)
    sent = 0
    try:
        with _connect(settings.smtp_url, timeout) as smtp:
            for mail in mails:
                smtp.send_message(build_message(mail, settings.mail_from))
                sent += 1
    except (OSError, smtplib.SMTPException) as error:
        host = urlparse(settings.smtp_url).hostname
        log.warning("mail: %d of %d sent through %s; the rest wait: %s", sent, len(mails), host, error)
    return len(mails) - sent
